package store_test

import (
	"context"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestPlatformFeesAreTheSuperAdmins is issue #10 item 4: a CPO admin could
// set or clear the platform's transaction and socket fees on its own CPO.
// Only super admins may; a CPO admin reads them and keeps changing its own
// settings (minimum balance, hold) with the fees as stored.
func TestPlatformFeesAreTheSuperAdmins(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newMoneyFixture(t, db)
		fees := &volt.Fees{Currency: "GBP", VATRate: volt.MustDecimal("0.2"),
			Transaction: volt.FeeRule{Flat: volt.MustDecimal("0.20"), Percent: volt.MustDecimal("1.5")},
			Socket:      volt.SocketFee{Period: volt.FeeMonthly, Rule: volt.FeeRule{Flat: volt.MustDecimal("1.00")}}}
		must(t, f.money.SetMoneySettings(sys(), &volt.MoneySettings{CPOID: f.cpoA, MinBalance: 500, HoldAmount: 3000, Fees: fees}))
		admin := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "adm", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: f.cpoA}}})

		cheaper := *fees
		cheaper.Transaction = volt.FeeRule{}
		err := f.money.SetMoneySettings(admin, &volt.MoneySettings{CPOID: f.cpoA, MinBalance: 500, HoldAmount: 3000, Fees: &cheaper})
		wantField(t, "CPO admin lowers the fees", err, volt.EFORBIDDEN, "fees")
		err = f.money.SetMoneySettings(admin, &volt.MoneySettings{CPOID: f.cpoA, MinBalance: 500, HoldAmount: 3000})
		wantField(t, "CPO admin clears the fees", err, volt.EFORBIDDEN, "fees")
		got, err := f.money.MoneySettings(admin, f.cpoA)
		must(t, err)
		if !volt.SameFees(got.Fees, fees) {
			t.Errorf("fees after the CPO admin's attempts: %+v", got.Fees)
		}
		// Its own settings, with the fees as it read them.
		got.MinBalance, got.HoldAmount = 1000, 2500
		must(t, f.money.SetMoneySettings(admin, got))
		got, _ = f.money.MoneySettings(admin, f.cpoA)
		if got.MinBalance != 1000 || got.HoldAmount != 2500 || !volt.SameFees(got.Fees, fees) {
			t.Errorf("after the CPO admin's own change: %+v %+v", got, got.Fees)
		}
		// The super admin clears them.
		must(t, f.money.SetMoneySettings(sys(), &volt.MoneySettings{CPOID: f.cpoA, MinBalance: 1000, HoldAmount: 2500}))
		if got, _ = f.money.MoneySettings(admin, f.cpoA); got.Fees != nil {
			t.Errorf("super admin did not clear the fees: %+v", got.Fees)
		}
	})
}
