package api

import (
	"context"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
)

// buildBusiness gives a tenant what issue 17 reads: a socket fee statement
// for January 2020 (a monthly socket fee, no transaction fee), a
// reliability exclusion that month, and a ticket a month old (breaching
// its resolution target).
func buildBusiness(t *testing.T, cfg Config, db *store.DB, tn *tenant) {
	t.Helper()
	ctx := sys()
	set, err := cfg.MoneySettings.MoneySettings(ctx, tn.CPO)
	must(t, err)
	set.Fees = &volt.Fees{Currency: "GBP", VATRate: volt.MustDecimal("0.2"),
		Socket: volt.SocketFee{Period: volt.FeeMonthly, Rule: volt.FeeRule{Flat: volt.MustDecimal("1.00")}}}
	must(t, cfg.MoneySettings.SetMoneySettings(ctx, set))
	st, err := cfg.SocketFees.BillSocketFees(ctx, tn.CPO, "2020-01")
	must(t, err)
	tn.SocketFees = st.ID
	ex := &volt.ReliabilityExclusion{CPID: tn.CPID, Reason: volt.DowntimeGridOutage, From: time.Date(2020, 1, 5, 0, 0, 0, 0, time.UTC),
		To: time.Date(2020, 1, 5, 2, 0, 0, 0, time.UTC), Evidence: "DNO incident " + tn.Name}
	must(t, cfg.Reliability.CreateReliabilityExclusion(ctx, ex))
	tn.Exclusion = ex.ID
	_, err = db.Exec(context.Background(), `UPDATE tickets SET created_at = created_at - ? WHERE id = ?`, int64(30*24*time.Hour/time.Millisecond), tn.Ticket)
	must(t, err)
}
