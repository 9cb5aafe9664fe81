package main

import (
	"context"
	"time"

	volt "github.com/volt-ev/volt"
)

// startClaims builds the telematics-checked home reimbursement claims
// (issue 19) at start and every six hours: last month's, and this month's
// so far (pending sessions are re-checked each run; decided ones never).
func (m *Main) startClaims(ctx context.Context, fs volt.FleetService) {
	m.periodic(ctx, "fleet-claims", 6*time.Hour, func(ctx context.Context) {
		sys := volt.NewContextWithActor(ctx, volt.SystemActor)
		now := time.Now().UTC()
		first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		for _, month := range []time.Time{first.AddDate(0, -1, 0), first} {
			if n, err := fs.BuildClaims(sys, month); err != nil && ctx.Err() == nil {
				m.Logger.Error("reimbursement claims job", "month", month.Format("2006-01"), "claims", n, "err", err)
			}
		}
	})
}
