package main

import (
	"context"
	"time"

	volt "github.com/volt-ev/volt"
)

// startReimbursements runs the home reimbursement job at start and then
// every six hours: the statements of the previous calendar month (UTC),
// credited to the drivers' wallets. It is idempotent per driver and month
// (one statement, one ledger posting), so running it often only catches a
// node that was down at the turn of the month.
func (m *Main) startReimbursements(ctx context.Context, rs volt.ReimbursementService) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	m.onClose(func(context.Context) error { cancel(); <-done; return nil })
	sys := volt.NewContextWithActor(ctx, volt.SystemActor)
	go func() {
		defer close(done)
		t := time.NewTicker(6 * time.Hour)
		defer t.Stop()
		for {
			if m.once(ctx, "reimbursements", 6*time.Hour) {
				m.reimburseLastMonth(sys, rs, time.Now())
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// reimburseLastMonth runs the job for the month before now.
func (m *Main) reimburseLastMonth(ctx context.Context, rs volt.ReimbursementService, now time.Time) {
	first := time.Date(now.UTC().Year(), now.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	n, err := rs.RunReimbursements(ctx, first.AddDate(0, -1, 0))
	if err != nil && ctx.Err() == nil {
		m.Logger.Error("home reimbursement job", "statements", n, "err", err)
	} else if n > 0 {
		m.Logger.Info("home reimbursement statements written", "count", n)
	}
}
