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
	m.periodic(ctx, "reimbursements", 6*time.Hour, func(ctx context.Context) {
		m.reimburseLastMonth(volt.NewContextWithActor(ctx, volt.SystemActor), rs, time.Now())
	})
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
