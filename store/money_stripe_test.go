package store_test

import (
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/stripe"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestPAYGOnStripeMock runs the PAYG flow with the Stripe provider against
// stripe-mock (VOLT_TEST_STRIPE_MOCK_URL): pre-authorise, charge, capture
// at the CDR; the ledger records the CDR cost once.
func TestPAYGOnStripeMock(t *testing.T) {
	url := os.Getenv("VOLT_TEST_STRIPE_MOCK_URL")
	if url == "" {
		t.Skip("VOLT_TEST_STRIPE_MOCK_URL unset: Stripe flow skipped (start ~/go/bin/stripe-mock -http-addr 127.0.0.1:12111)")
	}
	f := newMoneyFixture(t, storetest.SQLite(t))
	prov := stripe.New(stripe.Config{APIKey: "sk_test_123", WebhookSecret: "whsec_test", URL: url, HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	f.money = store.NewMoneyService(f.db, prov)
	p, err := f.money.PreAuthorize(sys(), volt.PreAuthRequest{Kind: volt.PaymentPAYG, UserID: f.driver, CPID: f.cpidA, ConnectorID: 1,
		Card: "pm_card_visa", IdempotencyKey: "stripe-1"})
	if err != nil || p.State != volt.PaymentAuthorized || p.ProviderRef == "" || p.Provider != "stripe" {
		t.Fatalf("pre-authorise on stripe-mock: %+v, %v", p, err)
	}
	cdr := f.session(t, 1, "CARD-A", 10_000)
	for range 2 {
		if err := f.money.OnCDR(sys(), cdr); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := f.money.FindPaymentByID(sys(), p.ID)
	if got.State != volt.PaymentCaptured || got.Captured != 450 {
		t.Errorf("after CDR: %s captured %d, want 450", got.State, got.Captured)
	}
	if n := f.count(t, `SELECT count(*) FROM ledger_postings WHERE kind = 'capture'`); n != 1 {
		t.Errorf("%d capture postings", n)
	}
	f.audit(t)
}
