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

// TestBillRoamingCDRCardOnFile bills Volt's driver for partner CPOs' CDRs
// (issue 14) on both engines: the wallet when it covers cost plus margin,
// else the card on file for the whole amount, charged once however often
// the CDR is replayed (also towards the provider); a declined card or no
// card leaves a debt the CPO's support staff list, another CPO's staff
// not; an outage leaves the bill pending until RetryFailed charges it.
func TestBillRoamingCDRCardOnFile(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newMoneyFixture(t, db)
		ctx := context.Background()
		svc := store.NewOCPIService(db)
		svc.Cards = f.money
		f.exec(t, `UPDATE users SET cpo_id = ? WHERE id = ?`, f.cpoA, f.driver) // a driver of CPO A
		p := &volt.OCPIPartner{CPOID: f.cpoA, Name: "Roam CPO", CountryCode: "NL", PartyID: "RCP", Role: volt.OCPIRoleCPO}
		if _, err := svc.CreateOCPIPartner(sys(), p); err != nil {
			t.Fatal(err)
		}
		margin := volt.MustDecimal("10")
		if _, err := svc.UpdateOCPIPartner(sys(), p.ID, volt.OCPIPartnerUpdate{RoamingMarginPercent: &margin}); err != nil {
			t.Fatal(err)
		}
		wallet := func() int64 {
			t.Helper()
			s, err := f.ledger.Balance(ctx, volt.AccountWallet(f.driver), "GBP")
			if err != nil {
				t.Fatal(err)
			}
			return -s
		}
		bill := func(cdr string, cost int64) *volt.RoamingBill {
			t.Helper()
			b, err := svc.BillRoamingCDR(sys(), p.ID, cdr, "CARD-A", cost, "GBP")
			if err != nil {
				t.Fatalf("bill %s: %v", cdr, err)
			}
			return b
		}
		if _, err := f.money.TopUp(sys(), f.driver, volt.Money{Amount: 1000, Currency: "GBP"}, sandbox.CardOK, "top-1"); err != nil {
			t.Fatal(err)
		}

		// The wallet covers 4.80 + 10 %: it pays.
		if b := bill("cdr_wallet", 480); b.PaidBy != volt.RoamingPaidWallet || b.State != volt.RoamingBillPaid || b.Total != 528 || b.Margin != 48 {
			t.Errorf("wallet bill: %+v", b)
		}
		if w := wallet(); w != 472 {
			t.Errorf("wallet after 5.28: %d, want 472", w)
		}

		// Short and no card: a debt, the wallet below zero, not silently.
		if b := bill("cdr_nocard", 1000); b.PaidBy != volt.RoamingPaidWallet || b.State != volt.RoamingBillDebt || b.Failure == "" {
			t.Errorf("no-card bill: %+v", b)
		}
		if w := wallet(); w != 472-1100 {
			t.Errorf("wallet after the debt: %d, want %d", w, 472-1100)
		}

		// A card on file pays the whole 22.00, once, however often the
		// partner replays the CDR (concurrently too). Saving it first pays
		// the debt (TestRoamingDebtSettledByCard).
		if err := f.money.SaveCard(sys(), f.driver, sandbox.CardOK, "Visa"); err != nil {
			t.Fatal(err)
		}
		if w := wallet(); w != 0 {
			t.Errorf("wallet after the card paid the debt: %d, want 0", w)
		}
		calls := f.sbx.Calls()
		var wg sync.WaitGroup
		bills := make([]*volt.RoamingBill, 4)
		for i := range bills {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b, err := svc.BillRoamingCDR(sys(), p.ID, "cdr_card", "CARD-A", 2000, "GBP")
				if err != nil {
					t.Errorf("bill replay %d: %v", i, err)
				}
				bills[i] = b
			}()
		}
		wg.Wait()
		b := bill("cdr_card", 2000)
		if b.PaidBy != volt.RoamingPaidCard || b.State != volt.RoamingBillPaid || b.Total != 2200 || b.PaymentID == "" {
			t.Fatalf("card bill: %+v", b)
		}
		for i, o := range bills {
			if o == nil || o.PaymentID != b.PaymentID {
				t.Errorf("replay %d billed %+v, want payment %s", i, o, b.PaymentID)
			}
		}
		pay, err := f.money.FindPaymentByID(sys(), b.PaymentID)
		if err != nil || pay.Kind != volt.PaymentRoaming || pay.State != volt.PaymentSucceeded || pay.Captured != 2200 {
			t.Fatalf("card payment: %+v %v", pay, err)
		}
		if c, _, st := f.sbx.Captured(pay.ProviderRef); c != 2200 || st != "succeeded" {
			t.Errorf("provider charged %d (%s), want 2200", c, st)
		}
		if n := f.sbx.Calls() - calls; n != 1 {
			t.Errorf("%d provider calls for one CDR billed 5 times, want 1", n)
		}
		if w := wallet(); w != 0 {
			t.Errorf("the card-paid CDR moved the wallet: %d", w)
		}
		if n := f.count(t, `SELECT count(*) FROM payments WHERE kind = 'roaming'`); n != 1 {
			t.Errorf("%d roaming payments, want 1", n)
		}

		// A declined card: a debt with the reason, the wallet owes it.
		if err := f.money.SaveCard(sys(), f.driver, sandbox.CardDeclined, "Visa"); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			b = bill("cdr_declined", 500)
			if b.PaidBy != volt.RoamingPaidCard || b.State != volt.RoamingBillDebt || b.Failure != "Card refused: Card declined." {
				t.Errorf("declined bill: %+v", b)
			}
		}
		if pay, _ := f.money.FindPaymentByID(sys(), b.PaymentID); pay == nil || pay.State != volt.PaymentFailed {
			t.Errorf("declined payment: %+v", pay)
		}
		if w := wallet(); w != -550 {
			t.Errorf("wallet after the declined card: %d, want %d", w, -550)
		}

		// An outage: pending, nothing posted, until the retry charges it.
		if err := f.money.SaveCard(sys(), f.driver, sandbox.CardOK, "Visa"); err != nil {
			t.Fatal(err)
		}
		f.sbx.Down.Store(true)
		if b = bill("cdr_outage", 100); b.State != volt.RoamingBillPending || b.PaidBy != volt.RoamingPaidCard {
			t.Errorf("bill in an outage: %+v", b)
		}
		f.sbx.Down.Store(false)
		f.now = f.now.Add(2 * time.Hour)
		if _, err := f.money.RetryFailed(sys()); err != nil {
			t.Fatal(err)
		}
		if got, err := svc.FindRoamingBill(sys(), p.ID, "cdr_outage"); err != nil || got.State != volt.RoamingBillPaid {
			t.Errorf("bill after the retry: %+v %v", got, err)
		}
		if w := wallet(); w != 0 { // the good card saved paid the declined debt
			t.Errorf("the retried card moved the wallet: %d", w)
		}
		if n := f.count(t, `SELECT count(*) FROM ledger_postings WHERE kind = 'roaming_charge'`); n != 5 {
			t.Errorf("%d roaming postings for 5 CDRs", n)
		}
		payable, _ := f.ledger.Balance(ctx, volt.AccountRoamingPayable(p.ID), "GBP")
		if payable != -(480 + 1000 + 2000 + 500 + 100) {
			t.Errorf("owed to the partner: %d", payable)
		}
		f.audit(t)

		// A declined card and a new CDR: a debt again.
		if err := f.money.SaveCard(sys(), f.driver, sandbox.CardDeclined, "Visa"); err != nil {
			t.Fatal(err)
		}
		if b = bill("cdr_late", 300); b.State != volt.RoamingBillDebt {
			t.Errorf("late bill: %+v", b)
		}

		// The operator sees the debts; another CPO's staff do not.
		support := volt.NewContextWithActor(ctx, &volt.Actor{UserID: "usr_sup", Grants: []volt.Grant{{Role: volt.RoleSupport, CPOID: f.cpoA}}})
		debts, total, err := svc.FindRoamingBills(support, volt.RoamingBillFilter{State: volt.RoamingBillDebt})
		if err != nil || total != 1 || len(debts) != 1 || debts[0].CDRID != "cdr_late" {
			t.Fatalf("debts: %d %+v %v", total, debts, err)
		}
		other := volt.NewContextWithActor(ctx, &volt.Actor{UserID: "usr_b", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: f.cpoB}}})
		if _, total, err := svc.FindRoamingBills(other, volt.RoamingBillFilter{}); err != nil || total != 0 {
			t.Errorf("another CPO sees %d roaming bills (%v)", total, err)
		}
	})
}

// TestBillRoamingCDROnStripeMock charges a roaming CDR the wallet cannot
// cover to the card on file with the Stripe provider against stripe-mock
// (VOLT_TEST_STRIPE_MOCK_URL): charged at once, off session, once for a
// replayed CDR.
func TestBillRoamingCDROnStripeMock(t *testing.T) {
	url := os.Getenv("VOLT_TEST_STRIPE_MOCK_URL")
	if url == "" {
		t.Skip("VOLT_TEST_STRIPE_MOCK_URL unset: Stripe flow skipped (start ~/go/bin/stripe-mock -http-addr 127.0.0.1:12111)")
	}
	f := newMoneyFixture(t, storetest.SQLite(t))
	prov := stripe.New(stripe.Config{APIKey: "sk_test_123", WebhookSecret: "whsec_test", URL: url, HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	f.money = store.NewMoneyService(f.db, prov)
	f.exec(t, `UPDATE users SET cpo_id = ? WHERE id = ?`, f.cpoA, f.driver)
	svc := store.NewOCPIService(f.db)
	svc.Cards = f.money
	p := &volt.OCPIPartner{CPOID: f.cpoA, Name: "Roam CPO", CountryCode: "NL", PartyID: "RCP", Role: volt.OCPIRoleCPO}
	if _, err := svc.CreateOCPIPartner(sys(), p); err != nil {
		t.Fatal(err)
	}
	if err := f.money.SaveCard(sys(), f.driver, "pm_card_visa", "Visa"); err != nil {
		t.Fatal(err)
	}
	var first *volt.RoamingBill
	for range 2 {
		b, err := svc.BillRoamingCDR(sys(), p.ID, "cdr_stripe", "CARD-A", 750, "GBP")
		if err != nil || b.PaidBy != volt.RoamingPaidCard || b.State != volt.RoamingBillPaid {
			t.Fatalf("bill on stripe-mock: %+v %v", b, err)
		}
		if first != nil && b.PaymentID != first.PaymentID {
			t.Errorf("replay made payment %s, first %s", b.PaymentID, first.PaymentID)
		}
		first = b
	}
	pay, err := f.money.FindPaymentByID(sys(), first.PaymentID)
	if err != nil || pay.Provider != "stripe" || pay.ProviderRef == "" || pay.State != volt.PaymentSucceeded {
		t.Errorf("stripe payment: %+v %v", pay, err)
	}
	if n := f.count(t, `SELECT count(*) FROM ledger_postings WHERE kind = 'roaming_charge'`); n != 1 {
		t.Errorf("%d roaming postings", n)
	}
	f.audit(t)
}
