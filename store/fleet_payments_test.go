package store_test

import (
	"context"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestFleetInvoicePayments (issue 19, paying the fleet invoice): the
// owner's admin records a bank transfer and a card payment against the
// March invoice (4.50): what the fleet owes falls by each, exactly, in
// the ledger; the invoice shows the payments, paid, outstanding and its
// state; the same reference again records nothing more, a different
// payment under it is a conflict, more than outstanding is refused naming
// the amount; the fleet manager reads the state but may not record; other
// fleets and CPOs find nothing.
func TestFleetInvoicePayments(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newFleetWalletFixture(t, db)
		ctx := context.Background()
		otherCPO := volt.NewContextWithActor(ctx, &volt.Actor{UserID: "s", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: f.cpoB}}})
		_, err := f.fs.SetFleetWallet(f.admin, f.fleet, true)
		must(t, err)
		f.charge(t, 10_000) // 4.50 in March 2026
		pay := func(ref, method string, amount int64) *volt.FleetInvoicePayment {
			return &volt.FleetInvoicePayment{FleetID: f.fleet, Month: "2026-03", Amount: amount, PaidOn: "2026-03-01", Reference: ref, Method: method}
		}
		owed := func() int64 {
			t.Helper()
			w, err := f.fs.FindFleetWallet(f.admin, f.fleet)
			must(t, err)
			return w.Owed
		}
		for name, c := range map[string]struct {
			p     *volt.FleetInvoicePayment
			field string
		}{
			"zero amount":   {pay("R1", volt.FleetPaidByBankTransfer, 0), "amount"},
			"cash":          {pay("R1", "cash", 100), "method"},
			"no reference":  {pay("  ", volt.FleetPaidByCard, 100), "reference"},
			"future date":   {&volt.FleetInvoicePayment{FleetID: f.fleet, Month: "2026-03", Amount: 100, PaidOn: "2999-01-01", Reference: "R1", Method: "card"}, "paidOn"},
			"bad date":      {&volt.FleetInvoicePayment{FleetID: f.fleet, Month: "2026-03", Amount: 100, PaidOn: "02/04/2026", Reference: "R1", Method: "card"}, "paidOn"},
			"bad month":     {&volt.FleetInvoicePayment{FleetID: f.fleet, Month: "March", Amount: 100, PaidOn: "2026-03-01", Reference: "R1", Method: "card"}, "month"},
			"more than due": {pay("R1", volt.FleetPaidByCard, 451), "amount"},
		} {
			if _, err := f.fs.RecordFleetPayment(f.admin, c.p); volt.ErrorCode(err) == "" || err.(*volt.Error).Field != c.field {
				t.Errorf("%s: %v, want an error naming %s", name, err, c.field)
			}
		}
		if _, err := f.fs.RecordFleetPayment(f.mgr, pay("R1", volt.FleetPaidByCard, 100)); volt.ErrorCode(err) != volt.EFORBIDDEN {
			t.Errorf("the fleet manager records a payment: %v", err)
		}
		for name, c := range map[string]context.Context{"other fleet": f.vans, "other CPO": otherCPO} {
			if _, err := f.fs.RecordFleetPayment(c, pay("R1", volt.FleetPaidByCard, 100)); volt.ErrorCode(err) != volt.ENOTFOUND {
				t.Errorf("%s records a payment: %v", name, err)
			}
		}

		// A bank transfer of 2.00, recorded twice: once.
		first := pay("BACS 0001", volt.FleetPaidByBankTransfer, 200)
		if created, err := f.fs.RecordFleetPayment(f.admin, first); err != nil || !created || first.ID == "" || first.Currency != "GBP" || first.RecordedBy != "u-adm" {
			t.Fatalf("bank transfer: %v, %+v, %v", created, first, err)
		}
		again := pay(" BACS  0001 ", volt.FleetPaidByBankTransfer, 200)
		if created, err := f.fs.RecordFleetPayment(f.admin, again); err != nil || created || again.ID != first.ID {
			t.Fatalf("replayed: %v, %+v, %v", created, again, err)
		}
		if _, err := f.fs.RecordFleetPayment(f.admin, pay("BACS 0001", volt.FleetPaidByBankTransfer, 250)); volt.ErrorCode(err) != volt.ECONFLICT {
			t.Errorf("another payment under the same reference: %v", err)
		}
		if o := owed(); o != 250 {
			t.Errorf("owed after 2.00 paid: %d, want 250", o)
		}
		inv, err := f.fs.FleetInvoice(f.mgr, f.fleet, "2026-03") // the manager reads the state
		if err != nil || inv.Paid != 200 || inv.Outstanding != 250 || inv.State != volt.FleetInvoicePartPaid || len(inv.Payments) != 1 ||
			inv.Payments[0].Reference != "BACS 0001" {
			t.Fatalf("part paid invoice: %+v, %v", inv, err)
		}
		if _, err := f.fs.RecordFleetPayment(f.admin, pay("CARD 1", volt.FleetPaidByCard, 251)); volt.ErrorCode(err) != volt.EUNPROCESSABLE {
			t.Errorf("2.51 against 2.50 outstanding: %v", err)
		}
		card := pay("CARD 1", volt.FleetPaidByCard, 250)
		if created, err := f.fs.RecordFleetPayment(f.admin, card); err != nil || !created {
			t.Fatalf("card: %v, %v", created, err)
		}
		inv, err = f.fs.FleetInvoice(f.mgr, f.fleet, "2026-03")
		if err != nil || inv.Paid != 450 || inv.Outstanding != 0 || inv.State != volt.FleetInvoicePaid || len(inv.Payments) != 2 {
			t.Fatalf("paid invoice: %+v, %v", inv, err)
		}
		if o := owed(); o != 0 {
			t.Errorf("owed after the invoice is paid: %d", o)
		}
		for acct, want := range map[string]int64{volt.AccountProvider(volt.FleetPaidByBankTransfer): 200, volt.AccountProvider(volt.FleetPaidByCard): 250} {
			if b, err := f.ledger.Balance(ctx, acct, "GBP"); err != nil || b != want {
				t.Errorf("%s: %d, %v, want %d", acct, b, err, want)
			}
		}
		if inv, err := f.fs.FleetInvoice(f.mgr, f.fleet, "2026-02"); err != nil || inv.State != volt.FleetInvoiceNothingDue || len(inv.Payments) != 0 {
			t.Errorf("an empty month: %+v, %v", inv, err)
		}
		if p, err := f.fs.FindFleetPaymentByID(f.mgr, card.ID); err != nil || p.Amount != 250 || p.Method != volt.FleetPaidByCard {
			t.Errorf("the manager reads the payment: %+v, %v", p, err)
		}
		for name, c := range map[string]context.Context{"other fleet": f.vans, "other CPO": otherCPO} {
			if _, err := f.fs.FindFleetPaymentByID(c, card.ID); volt.ErrorCode(err) != volt.ENOTFOUND {
				t.Errorf("%s reads the payment: %v", name, err)
			}
		}
		f.audit(t)
	})
}
