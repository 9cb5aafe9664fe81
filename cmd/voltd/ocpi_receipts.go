package main

import (
	"context"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpi"
)

// roamingReceiptsEvery is how often the receipts of partners' CDRs billed
// to Volt's drivers are e-mailed (issue 14).
const roamingReceiptsEvery = 30 * time.Second

// runRoamingReceipts e-mails drivers the receipts of their sessions on
// partner networks, on one node of a cluster per period (m.once).
func (m *Main) runRoamingReceipts(ctx context.Context, srv *ocpi.Server) {
	t := time.NewTicker(roamingReceiptsEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !m.once(ctx, "ocpi-receipts", roamingReceiptsEvery) {
			continue
		}
		sys := volt.NewContextWithActor(ctx, volt.SystemActor)
		if n, err := srv.SendRoamingReceipts(sys, m.mailer().Send); err != nil && ctx.Err() == nil {
			m.Logger.Warn("roaming receipts", "sent", n, "err", err)
		} else if n > 0 {
			m.Logger.Info("roaming receipts sent", "count", n)
		}
	}
}
