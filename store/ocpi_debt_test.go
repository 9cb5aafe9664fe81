package store_test

import (
	"context"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/payment/stripe"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// debtFixture is a driver of CPO A billed by a partner CPO of A.
type debtFixture struct {
	*moneyFixture
	svc     *store.OCPIService
	partner *volt.OCPIPartner
	self    context.Context // the driver
}

func newDebtFixture(t *testing.T, f *moneyFixture) *debtFixture {
	t.Helper()
	d := &debtFixture{moneyFixture: f, svc: store.NewOCPIService(f.db)}
	d.svc.Cards = f.money
	f.exec(t, `UPDATE users SET cpo_id = ? WHERE id = ?`, f.cpoA, f.driver)
	d.partner = &volt.OCPIPartner{CPOID: f.cpoA, Name: "Roam CPO", CountryCode: "NL", PartyID: "RCP", Role: volt.OCPIRoleCPO}
	if _, err := d.svc.CreateOCPIPartner(sys(), d.partner); err != nil {
		t.Fatal(err)
	}
	d.self = volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: f.driver})
	return d
}

func (d *debtFixture) bill(t *testing.T, cdr string, cost int64) *volt.RoamingBill {
	t.Helper()
	b, err := d.svc.BillRoamingCDR(sys(), d.partner.ID, cdr, "CARD-A", cost, "GBP")
	if err != nil {
		t.Fatalf("bill %s: %v", cdr, err)
	}
	return b
}

func (d *debtFixture) state(t *testing.T, cdr string) string {
	t.Helper()
	b, err := d.svc.FindRoamingBill(sys(), d.partner.ID, cdr)
	if err != nil {
		t.Fatal(err)
	}
	return b.State
}

func (d *debtFixture) wallet(t *testing.T) int64 {
	t.Helper()
	s, err := d.ledger.Balance(context.Background(), volt.AccountWallet(d.driver), "GBP")
	if err != nil {
		t.Fatal(err)
	}
	return -s
}

// TestRoamingDebtSettledByCard (issue 14) on both engines: a driver's
// roaming debt (no card, or a card refused) is charged once to a card
// when they save one. A refused retry stays a debt and a replay with the
// same card never calls the provider again; a good card saved by four
// concurrent requests charges what is owed once, the wallet back to zero
// and the bill paid, with one top-up posting and no second roaming
// charge. "Pay what you owe" from the app without a card is refused, and
// owing nothing charges nothing; another user may not pay it.
func TestRoamingDebtSettledByCard(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		d := newDebtFixture(t, newMoneyFixture(t, db))
		if b := d.bill(t, "cdr_owed", 1000); b.State != volt.RoamingBillDebt {
			t.Fatalf("bill without a card: %+v", b)
		}
		if debts, err := d.money.RoamingDebtsOf(d.self, d.driver); err != nil || len(debts) != 1 || debts[0].PartnerName != "Roam CPO" ||
			debts[0].Bill.Total != 1000 {
			t.Errorf("what the driver owes: %+v %v", debts, err)
		}
		if _, err := d.money.PayRoamingDebts(d.self, d.driver, ""); volt.ErrorCode(err) != volt.EUNPROCESSABLE {
			t.Errorf("pay what you owe without a card: %v, want unprocessable", err)
		}
		stranger := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_other"})
		if _, err := d.money.PayRoamingDebts(stranger, d.driver, "k0"); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("another user pays the debt: %v, want not found", err)
		}

		// A declined card: tried once, still a debt; the same card again
		// (saved twice, or "Pay what you owe") is not charged again.
		calls := d.sbx.Calls()
		if err := d.money.SaveCard(d.self, d.driver, sandbox.CardDeclined, "Visa"); err != nil {
			t.Fatalf("save a declined card: %v", err)
		}
		if n := d.sbx.Calls() - calls; n != 1 {
			t.Errorf("%d provider calls on saving a card with a debt, want 1", n)
		}
		if st := d.state(t, "cdr_owed"); st != volt.RoamingBillDebt {
			t.Errorf("bill after a refused retry: %s, want debt", st)
		}
		if err := d.money.SaveCard(d.self, d.driver, sandbox.CardDeclined, "Visa"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.money.PayRoamingDebts(d.self, d.driver, ""); volt.ErrorCode(err) != volt.EUNPROCESSABLE {
			t.Errorf("pay what you owe with the refused card: %v, want unprocessable", err)
		}
		if n := d.sbx.Calls() - calls; n != 1 {
			t.Errorf("%d provider calls for one refused card, want 1", n)
		}
		if w := d.wallet(t); w != -1000 {
			t.Errorf("wallet after refusals: %d, want -1000", w)
		}

		// A good card saved by four concurrent requests: charged once.
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := d.money.SaveCard(d.self, d.driver, sandbox.CardOK, "Visa"); err != nil {
					t.Errorf("save card %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		if n := d.sbx.Calls() - calls; n != 2 {
			t.Errorf("%d provider calls, want 2 (the refusal and one charge)", n)
		}
		if st := d.state(t, "cdr_owed"); st != volt.RoamingBillPaid {
			t.Errorf("bill after the good card: %s, want paid", st)
		}
		if w := d.wallet(t); w != 0 {
			t.Errorf("wallet after the debt paid: %d, want 0", w)
		}
		if debts, err := d.money.RoamingDebtsOf(d.self, d.driver); err != nil || len(debts) != 0 {
			t.Errorf("owed after paying: %+v %v", debts, err)
		}
		if p, err := d.money.PayRoamingDebts(d.self, d.driver, ""); err != nil || p != nil {
			t.Errorf("pay with nothing owed: %+v %v, want nothing", p, err)
		}
		if n := d.count(t, `SELECT count(*) FROM payments WHERE kind = 'topup' AND state = 'succeeded' AND amount = 1000`); n != 1 {
			t.Errorf("%d debt payments, want 1", n)
		}
		if n := d.count(t, `SELECT count(*) FROM ledger_postings WHERE kind = 'roaming_charge'`); n != 1 {
			t.Errorf("%d roaming postings for one CDR, want 1", n)
		}
		if n := d.count(t, `SELECT count(*) FROM ledger_postings WHERE kind = 'topup'`); n != 1 {
			t.Errorf("%d top-up postings, want 1", n)
		}
		d.audit(t)

		// "Pay what you owe" from the app: a new debt left by a declined
		// card; the app's request refused once however often it is sent,
		// then (the issuer accepting the card now: its sandbox token
		// changed) a new request pays it, and its replay charges nothing.
		if err := d.money.SaveCard(d.self, d.driver, sandbox.CardDeclined, "Visa"); err != nil {
			t.Fatal(err)
		}
		if b := d.bill(t, "cdr_declined", 200); b.State != volt.RoamingBillDebt {
			t.Fatalf("declined bill: %+v", b)
		}
		calls = d.sbx.Calls()
		for range 2 {
			if _, err := d.money.PayRoamingDebts(d.self, d.driver, "app-1"); volt.ErrorCode(err) != volt.EUNPROCESSABLE {
				t.Errorf("pay what you owe, declined: %v", err)
			}
		}
		if n := d.sbx.Calls() - calls; n != 1 {
			t.Errorf("%d provider calls for one app request, want 1", n)
		}
		d.exec(t, `UPDATE payment_cards SET token = ? WHERE user_id = ?`, sandbox.CardOK, d.driver)
		p, err := d.money.PayRoamingDebts(d.self, d.driver, "app-2")
		if err != nil || p == nil || p.State != volt.PaymentSucceeded || p.Amount != 200 {
			t.Fatalf("pay what you owe: %+v %v", p, err)
		}
		if p, err := d.money.PayRoamingDebts(d.self, d.driver, "app-2"); err != nil || p != nil {
			t.Errorf("replayed pay what you owe: %+v %v, want nothing owed", p, err)
		}
		if st := d.state(t, "cdr_declined"); st != volt.RoamingBillPaid {
			t.Errorf("bill after paying what is owed: %s", st)
		}
		if n := d.sbx.Calls() - calls; n != 2 {
			t.Errorf("%d provider calls, want 2", n)
		}
		if w := d.wallet(t); w != 0 {
			t.Errorf("wallet after paying what is owed: %d", w)
		}
		d.audit(t)
	})
}

// TestRoamingDebtOnStripeMock settles a roaming debt by saving a card with
// the Stripe provider against stripe-mock (VOLT_TEST_STRIPE_MOCK_URL):
// charged once, a replay charging nothing.
func TestRoamingDebtOnStripeMock(t *testing.T) {
	url := os.Getenv("VOLT_TEST_STRIPE_MOCK_URL")
	if url == "" {
		t.Skip("VOLT_TEST_STRIPE_MOCK_URL unset: Stripe flow skipped (start ~/go/bin/stripe-mock -http-addr 127.0.0.1:12111)")
	}
	f := newMoneyFixture(t, storetest.SQLite(t))
	prov := stripe.New(stripe.Config{APIKey: "sk_test_123", WebhookSecret: "whsec_test", URL: url, HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	f.money = store.NewMoneyService(f.db, prov)
	d := newDebtFixture(t, f)
	if b := d.bill(t, "cdr_stripe", 750); b.State != volt.RoamingBillDebt {
		t.Fatalf("bill without a card: %+v", b)
	}
	if err := d.money.SaveCard(d.self, d.driver, "pm_card_visa", "Visa"); err != nil {
		t.Fatal(err)
	}
	if st := d.state(t, "cdr_stripe"); st != volt.RoamingBillPaid {
		t.Errorf("bill after saving a card: %s, want paid", st)
	}
	for range 2 {
		if err := d.money.SaveCard(d.self, d.driver, "pm_card_visa", "Visa"); err != nil {
			t.Fatal(err)
		}
		if p, err := d.money.PayRoamingDebts(d.self, d.driver, ""); err != nil || p != nil {
			t.Errorf("replay: %+v %v", p, err)
		}
	}
	if n := d.count(t, `SELECT count(*) FROM payments WHERE kind = 'topup' AND provider = 'stripe' AND state = 'succeeded' AND provider_ref <> ''`); n != 1 {
		t.Errorf("%d stripe payments for one debt, want 1", n)
	}
	if w := d.wallet(t); w != 0 {
		t.Errorf("wallet: %d, want 0", w)
	}
	d.audit(t)
}
