package stripe

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/volt-ev/volt"
)

// MockEnv names the stripe-mock URL the tests run against.
const MockEnv = "VOLT_TEST_STRIPE_MOCK_URL"

// keyRecorder records the Idempotency-Key header of every request.
type keyRecorder struct {
	mu   sync.Mutex
	keys []string
}

func (k *keyRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	k.mu.Lock()
	k.keys = append(k.keys, r.Method+" "+r.URL.Path+" "+r.Header.Get("Idempotency-Key"))
	k.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func mockProvider(t *testing.T) (*Provider, *keyRecorder) {
	url := os.Getenv(MockEnv)
	if url == "" {
		t.Skip(MockEnv + " unset: start stripe-mock (~/go/bin/stripe-mock -http-addr 127.0.0.1:12111) and set it to run the Stripe tests")
	}
	rec := &keyRecorder{}
	return New(Config{APIKey: "sk_test_123", WebhookSecret: "whsec_test", URL: url, HTTPClient: &http.Client{Transport: rec, Timeout: 10 * time.Second}}), rec
}

func TestStripeCallsCarryIdempotencyKeys(t *testing.T) {
	p, rec := mockProvider(t)
	ctx := context.Background()
	gbp := volt.Money{Amount: 3000, Currency: "GBP"}
	r, err := p.Authorize(ctx, volt.AuthorizeRequest{Amount: gbp, Card: "pm_card_visa", IdempotencyKey: "authorize:pay_1",
		Metadata: map[string]string{"payment": "pay_1"}})
	if err != nil || r.Ref == "" {
		t.Fatalf("authorize: %+v, %v", r, err)
	}
	if len(r.CardLast4) != 4 || r.CardBrand == "" {
		t.Errorf("authorize did not report the card: brand %q, last 4 %q", r.CardBrand, r.CardLast4)
	}
	if _, err := p.Capture(ctx, r.Ref, volt.Money{Amount: 450, Currency: "GBP"}, "capture:pay_1"); err != nil {
		t.Fatalf("capture: %v", err)
	}
	if _, err := p.Release(ctx, r.Ref, "release:pay_1"); err != nil {
		t.Fatalf("release: %v", err)
	}
	if _, err := p.Refund(ctx, r.Ref, volt.Money{Amount: 100, Currency: "GBP"}, "refund:pay_1:a"); err != nil {
		t.Fatalf("refund: %v", err)
	}
	want := []string{"authorize:pay_1", "capture:pay_1", "release:pay_1", "refund:pay_1:a"}
	if len(rec.keys) != len(want) {
		t.Fatalf("requests %v", rec.keys)
	}
	for i, k := range rec.keys {
		if k[len(k)-len(want[i]):] != want[i] {
			t.Errorf("request %q lacks idempotency key %q", k, want[i])
		}
	}
	if _, err := p.Authorize(ctx, volt.AuthorizeRequest{Amount: volt.Money{Amount: -1, Currency: "GBP"}, Card: "pm_card_visa", IdempotencyKey: "x"}); volt.ErrorCode(err) != volt.EINVALID {
		t.Errorf("negative amount: %v", err)
	}
	if _, err := p.Capture(ctx, "", gbp, "k"); err == nil {
		t.Error("capture of no intent accepted")
	}
}

func TestStripeUnreachableIsUnavailable(t *testing.T) {
	p := New(Config{APIKey: "sk_test_123", URL: "http://127.0.0.1:1", HTTPClient: &http.Client{Timeout: 2 * time.Second}})
	_, err := p.Authorize(context.Background(), volt.AuthorizeRequest{Amount: volt.Money{Amount: 100, Currency: "GBP"}, Card: "pm_card_visa", IdempotencyKey: "k"})
	if volt.ErrorCode(err) != volt.EUNAVAILABLE {
		t.Errorf("unreachable Stripe: %v, want unavailable", err)
	}
}

func TestStripeWebhookVerification(t *testing.T) {
	p := New(Config{APIKey: "sk_test_123", WebhookSecret: "whsec_test"})
	body, _ := json.Marshal(map[string]any{"id": "evt_1", "object": "event", "type": "payment_intent.succeeded",
		"api_version": "2020-08-27", "data": map[string]any{"object": map[string]any{"id": "pi_1", "object": "payment_intent", "amount_received": 450}}})
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: "whsec_test"})
	ev, err := p.VerifyWebhook(signed.Payload, signed.Header)
	if err != nil || ev.ID != "evt_1" || ev.Ref != "pi_1" || ev.Amount != 450 || ev.Type != "payment_intent.succeeded" {
		t.Fatalf("genuine webhook: %+v, %v", ev, err)
	}
	forged := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: "whsec_other"})
	if _, err := p.VerifyWebhook(forged.Payload, forged.Header); volt.ErrorCode(err) != volt.EUNAUTHORIZED {
		t.Errorf("forged webhook: %v", err)
	}
	old := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: "whsec_test", Timestamp: time.Now().Add(-time.Hour)})
	if _, err := p.VerifyWebhook(old.Payload, old.Header); volt.ErrorCode(err) != volt.EUNAUTHORIZED {
		t.Errorf("stale webhook: %v", err)
	}
}
