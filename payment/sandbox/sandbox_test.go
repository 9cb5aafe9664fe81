package sandbox

import (
	"context"
	"testing"
	"time"

	"github.com/volt-ev/volt"
)

func TestCardsAndIdempotency(t *testing.T) {
	ctx := context.Background()
	p := New("s")
	gbp := func(n int64) volt.Money { return volt.Money{Amount: n, Currency: "GBP"} }
	r1, err := p.Authorize(ctx, volt.AuthorizeRequest{Amount: gbp(3000), Card: CardOK, IdempotencyKey: "a"})
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := p.Authorize(ctx, volt.AuthorizeRequest{Amount: gbp(3000), Card: CardOK, IdempotencyKey: "a"})
	if r1.Ref != r2.Ref {
		t.Errorf("same key gave two payments %s %s", r1.Ref, r2.Ref)
	}
	if _, err := p.Authorize(ctx, volt.AuthorizeRequest{Amount: gbp(3000), Card: CardDeclined, IdempotencyKey: "b"}); volt.ErrorCode(err) != volt.EUNPROCESSABLE {
		t.Errorf("declined card: %v", err)
	}
	if _, err := p.Authorize(ctx, volt.AuthorizeRequest{Amount: gbp(3000), Card: CardDown, IdempotencyKey: "c"}); volt.ErrorCode(err) != volt.EUNAVAILABLE {
		t.Errorf("down card: %v", err)
	}
	if _, err := p.Capture(ctx, r1.Ref, gbp(3001), "cap0"); err == nil {
		t.Error("capture above the hold accepted")
	}
	for range 2 {
		if _, err := p.Capture(ctx, r1.Ref, gbp(450), "cap"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.Capture(ctx, r1.Ref, gbp(450), "cap2"); err == nil {
		t.Error("second capture with a new key accepted")
	}
	if c, _, _ := p.Captured(r1.Ref); c != 450 {
		t.Errorf("captured %d", c)
	}
}

func TestWebhookSignatures(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := New("secret")
	p.Now = func() time.Time { return now }
	body, sig := p.SignWebhook(volt.WebhookEvent{ID: "evt_1", Type: "payment.captured", Ref: "sbx_1", Amount: 5})
	ev, err := p.VerifyWebhook(body, sig)
	if err != nil || ev.ID != "evt_1" || ev.Amount != 5 {
		t.Fatalf("genuine webhook: %+v, %v", ev, err)
	}
	other := New("other")
	other.Now = p.Now
	if _, err := other.VerifyWebhook(body, sig); volt.ErrorCode(err) != volt.EUNAUTHORIZED {
		t.Errorf("wrong secret: %v", err)
	}
	tampered := append([]byte{}, body...)
	tampered[len(tampered)-2] = '9'
	if _, err := p.VerifyWebhook(tampered, sig); volt.ErrorCode(err) != volt.EUNAUTHORIZED {
		t.Errorf("tampered body: %v", err)
	}
	now = now.Add(time.Hour)
	if _, err := p.VerifyWebhook(body, sig); volt.ErrorCode(err) != volt.EUNAUTHORIZED {
		t.Errorf("stale signature: %v", err)
	}
}
