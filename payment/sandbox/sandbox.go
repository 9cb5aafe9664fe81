// Package sandbox is Volt's built-in payment provider for the demo and tests:
// it keeps payments in memory and answers deterministically by test card.
//
//	CardOK       "4242424242424242" (or "tok_visa"): every call succeeds
//	CardDeclined "4000000000000002": the issuer declines (EUNPROCESSABLE)
//	CardDown     "4000000000000119": the provider is unreachable (EUNAVAILABLE)
//
// Provider.Down simulates an outage of every call, Provider.LoseAnswers a
// call that takes effect but whose answer is lost. Webhooks are signed with
// HMAC-SHA256 over "timestamp.payload" in a "t=...,v1=..." header, like
// Stripe's, and verified with a tolerance.
package sandbox

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/volt-ev/volt"
)

// Test cards.
const (
	CardOK       = "4242424242424242"
	CardDeclined = "4000000000000002"
	CardDown     = "4000000000000119"
)

// Tolerance is how old a webhook signature may be.
const Tolerance = 5 * time.Minute

type intent struct {
	amount, captured, refunded int64
	currency, status           string
}

// Provider is the sandbox provider. Safe for concurrent use.
type Provider struct {
	// Secret signs and verifies webhooks.
	Secret string
	// Down makes every call fail with EUNAVAILABLE while set.
	Down atomic.Bool
	// LoseAnswers makes calls take effect but answer EUNAVAILABLE, as when
	// the connection drops after the provider acted; a retry with the same
	// idempotency key then gets the stored answer.
	LoseAnswers atomic.Bool
	// Now is the clock for webhook signatures (time.Now when nil).
	Now func() time.Time

	mu      sync.Mutex
	seq     int
	intents map[string]*intent
	results map[string]*volt.ProviderResult // by idempotency key
	calls   atomic.Int64
}

var _ volt.PaymentProvider = (*Provider)(nil)

// New returns a sandbox provider signing webhooks with secret.
func New(secret string) *Provider {
	return &Provider{Secret: secret, intents: map[string]*intent{}, results: map[string]*volt.ProviderResult{}}
}

// Name is "sandbox".
func (p *Provider) Name() string { return "sandbox" }

// Calls returns how many calls reached the provider (replays included).
func (p *Provider) Calls() int64 { return p.calls.Load() }

func unavailable() error {
	return volt.Errorf(volt.EUNAVAILABLE, "Payment provider unavailable (sandbox).")
}

// once runs fn for a new idempotency key and returns the stored answer for
// a key seen before, like a real provider. Failures are not stored, so a
// retry after an outage runs again.
func (p *Provider) once(key string, fn func() (*volt.ProviderResult, error)) (*volt.ProviderResult, error) {
	p.calls.Add(1)
	if key == "" {
		return nil, volt.Errorf(volt.EINVALID, "Idempotency key required.")
	}
	if p.Down.Load() {
		return nil, unavailable()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if r, ok := p.results[key]; ok {
		return r, nil
	}
	r, err := fn()
	if err != nil {
		return nil, err
	}
	p.results[key] = r
	if p.LoseAnswers.Load() {
		return nil, unavailable()
	}
	return r, nil
}

// Authorize holds (or with Capture charges) the amount on the card.
func (p *Provider) Authorize(_ context.Context, r volt.AuthorizeRequest) (*volt.ProviderResult, error) {
	return p.once(r.IdempotencyKey, func() (*volt.ProviderResult, error) {
		if err := volt.ValidateAmount(r.Amount); err != nil {
			return nil, err
		}
		switch r.Card {
		case CardOK, "tok_visa":
		case CardDeclined:
			return nil, volt.Errorf(volt.EUNPROCESSABLE, "Card declined.")
		case CardDown:
			return nil, unavailable()
		default:
			return nil, volt.FieldError("card", "Unknown sandbox card %q.", r.Card)
		}
		p.seq++
		ref := fmt.Sprintf("sbx_%06d", p.seq)
		in := &intent{amount: r.Amount.Amount, currency: r.Amount.Currency, status: "requires_capture"}
		if r.Capture {
			in.captured, in.status = r.Amount.Amount, "succeeded"
		}
		p.intents[ref] = in
		res := &volt.ProviderResult{Ref: ref, Status: in.status}
		if len(r.Card) >= 12 { // a card number: the sandbox's test cards are Visa
			res.CardBrand, res.CardLast4 = "visa", r.Card[len(r.Card)-4:]
		}
		return res, nil
	})
}

func (p *Provider) intent(ref string) (*intent, error) {
	in := p.intents[ref]
	if in == nil {
		return nil, volt.Errorf(volt.ENOTFOUND, "Sandbox payment %q not found.", ref)
	}
	return in, nil
}

// Capture takes exactly amount of the hold and releases the rest.
func (p *Provider) Capture(_ context.Context, ref string, amount volt.Money, key string) (*volt.ProviderResult, error) {
	return p.once(key, func() (*volt.ProviderResult, error) {
		in, err := p.intent(ref)
		if err != nil {
			return nil, err
		}
		switch {
		case in.status != "requires_capture":
			return nil, volt.Errorf(volt.EUNPROCESSABLE, "Payment %s is %s, not capturable.", ref, in.status)
		case amount.Currency != in.currency || amount.Amount <= 0 || amount.Amount > in.amount:
			return nil, volt.Errorf(volt.EINVALID, "Capture of %d %s does not fit the hold of %d %s.", amount.Amount, amount.Currency, in.amount, in.currency)
		}
		in.captured, in.status = amount.Amount, "succeeded"
		return &volt.ProviderResult{Ref: ref, Status: in.status}, nil
	})
}

// Release cancels a hold.
func (p *Provider) Release(_ context.Context, ref, key string) (*volt.ProviderResult, error) {
	return p.once(key, func() (*volt.ProviderResult, error) {
		in, err := p.intent(ref)
		if err != nil {
			return nil, err
		}
		if in.status != "requires_capture" {
			return nil, volt.Errorf(volt.EUNPROCESSABLE, "Payment %s is %s, not cancelable.", ref, in.status)
		}
		in.status = "canceled"
		return &volt.ProviderResult{Ref: ref, Status: in.status}, nil
	})
}

// Refund gives back up to what was captured and not yet refunded.
func (p *Provider) Refund(_ context.Context, ref string, amount volt.Money, key string) (*volt.ProviderResult, error) {
	return p.once(key, func() (*volt.ProviderResult, error) {
		in, err := p.intent(ref)
		if err != nil {
			return nil, err
		}
		if amount.Amount <= 0 || amount.Amount > in.captured-in.refunded || amount.Currency != in.currency {
			return nil, volt.Errorf(volt.EINVALID, "Refund of %d %s exceeds what is refundable on %s.", amount.Amount, amount.Currency, ref)
		}
		in.refunded += amount.Amount
		return &volt.ProviderResult{Ref: ref, Status: "refunded"}, nil
	})
}

// Captured returns what the sandbox captured on ref and what it refunded.
func (p *Provider) Captured(ref string) (captured, refunded int64, status string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if in := p.intents[ref]; in != nil {
		return in.captured, in.refunded, in.status
	}
	return 0, 0, ""
}

// webhookBody is the JSON of a sandbox webhook.
type webhookBody struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	Ref    string `json:"ref"`
	Amount int64  `json:"amount"`
}

func (p *Provider) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// SignWebhook returns the payload and signature header of an event, as the
// sandbox would send it.
func (p *Provider) SignWebhook(ev volt.WebhookEvent) ([]byte, string) {
	payload, _ := json.Marshal(webhookBody{ID: ev.ID, Type: ev.Type, Ref: ev.Ref, Amount: ev.Amount})
	ts := strconv.FormatInt(p.now().Unix(), 10)
	return payload, "t=" + ts + ",v1=" + p.mac(ts, payload)
}

func (p *Provider) mac(ts string, payload []byte) string {
	m := hmac.New(sha256.New, []byte(p.Secret))
	m.Write([]byte(ts + "."))
	m.Write(payload)
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyWebhook checks the signature and age of a webhook and parses it.
func (p *Provider) VerifyWebhook(payload []byte, signature string) (*volt.WebhookEvent, error) {
	forged := volt.Errorf(volt.EUNAUTHORIZED, "Webhook signature invalid.")
	var ts, sig string
	for _, part := range strings.Split(signature, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" || !hmac.Equal([]byte(sig), []byte(p.mac(ts, payload))) {
		return nil, forged
	}
	if age := p.now().Sub(time.Unix(sec, 0)); age > Tolerance || age < -Tolerance {
		return nil, volt.Errorf(volt.EUNAUTHORIZED, "Webhook signature too old.")
	}
	var b webhookBody
	if err := json.Unmarshal(payload, &b); err != nil || b.ID == "" {
		return nil, volt.Errorf(volt.EINVALID, "Webhook payload malformed.")
	}
	return &volt.WebhookEvent{ID: b.ID, Type: b.Type, Ref: b.Ref, Amount: b.Amount}, nil
}
