// Package stripe is the Stripe payment provider: PaymentIntents with
// capture_method=manual for pre-authorisations (PAYG, guest, contactless),
// automatic capture for wallet top-ups, an idempotency key on every call, and
// webhooks verified with webhook.ConstructEvent (signature and tolerance).
package stripe

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	stripe "github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/volt-ev/volt"
)

// Config configures the provider.
type Config struct {
	// APIKey is the secret key (sk_test_... for tests).
	APIKey string
	// WebhookSecret is the endpoint's signing secret (whsec_...).
	WebhookSecret string
	// URL overrides the API base URL (stripe-mock: http://127.0.0.1:12111).
	URL string
	// HTTPClient overrides the HTTP client.
	HTTPClient *http.Client
}

// Provider is the Stripe provider.
type Provider struct {
	client *stripe.Client
	secret string
}

var _ volt.PaymentProvider = (*Provider)(nil)

// New returns the Stripe provider for cfg.
func New(cfg Config) *Provider {
	bc := &stripe.BackendConfig{HTTPClient: cfg.HTTPClient, MaxNetworkRetries: stripe.Int64(0)}
	if cfg.URL != "" {
		bc.URL = stripe.String(cfg.URL)
	}
	c := stripe.NewClient(cfg.APIKey, stripe.WithBackends(stripe.NewBackendsWithConfig(bc)))
	return &Provider{client: c, secret: cfg.WebhookSecret}
}

// Name is "stripe".
func (p *Provider) Name() string { return "stripe" }

// mapErr turns a Stripe error into a volt error: a card error is
// EUNPROCESSABLE (declined), an invalid request EINVALID, anything else
// (network, 5xx, rate limit) EUNAVAILABLE so the call is retried.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *stripe.Error
	if errors.As(err, &se) {
		switch {
		case se.Type == stripe.ErrorTypeCard:
			return volt.Errorf(volt.EUNPROCESSABLE, "Card declined: %s", se.Msg)
		case se.Type == stripe.ErrorTypeInvalidRequest && se.HTTPStatusCode < 500 && se.HTTPStatusCode != 429:
			return volt.Errorf(volt.EINVALID, "Stripe %s refused: %s", op, se.Msg)
		case se.Type == stripe.ErrorTypeIdempotency:
			return volt.Errorf(volt.ECONFLICT, "Stripe %s: idempotency key reused with other parameters.", op)
		}
	}
	return &volt.Error{Code: volt.EUNAVAILABLE, Message: "Stripe unavailable (" + op + ")."}
}

func result(pi *stripe.PaymentIntent) *volt.ProviderResult {
	return &volt.ProviderResult{Ref: pi.ID, Status: string(pi.Status)}
}

// Authorize creates and confirms a PaymentIntent on the card (a
// PaymentMethod id or test token such as "pm_card_visa"), held for manual
// capture unless r.Capture.
func (p *Provider) Authorize(ctx context.Context, r volt.AuthorizeRequest) (*volt.ProviderResult, error) {
	if err := volt.ValidateAmount(r.Amount); err != nil {
		return nil, err
	}
	if r.IdempotencyKey == "" {
		return nil, volt.Errorf(volt.EINVALID, "Idempotency key required.")
	}
	method := "manual"
	if r.Capture {
		method = "automatic"
	}
	params := &stripe.PaymentIntentCreateParams{
		Amount: stripe.Int64(r.Amount.Amount), Currency: stripe.String(strings.ToLower(r.Amount.Currency)),
		CaptureMethod: stripe.String(method), PaymentMethod: stripe.String(r.Card), Confirm: stripe.Bool(true),
		PaymentMethodTypes: []*string{stripe.String("card")}, Description: stripe.String(r.Description),
	}
	if r.OffSession {
		params.OffSession = stripe.Bool(true)
	}
	for k, v := range r.Metadata {
		params.AddMetadata(k, v)
	}
	params.AddExpand("latest_charge") // the card's brand and last 4, for the receipt
	params.SetIdempotencyKey(r.IdempotencyKey)
	pi, err := p.client.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		return nil, mapErr("authorize", err)
	}
	res := result(pi)
	if ch := pi.LatestCharge; ch != nil && ch.PaymentMethodDetails != nil && ch.PaymentMethodDetails.Card != nil {
		res.CardBrand, res.CardLast4 = string(ch.PaymentMethodDetails.Card.Brand), ch.PaymentMethodDetails.Card.Last4
	}
	return res, nil
}

// Capture captures exactly amount; Stripe releases the rest of the hold.
func (p *Provider) Capture(ctx context.Context, ref string, amount volt.Money, key string) (*volt.ProviderResult, error) {
	params := &stripe.PaymentIntentCaptureParams{AmountToCapture: stripe.Int64(amount.Amount)}
	params.SetIdempotencyKey(key)
	pi, err := p.client.V1PaymentIntents.Capture(ctx, ref, params)
	if err != nil {
		return nil, mapErr("capture", err)
	}
	return result(pi), nil
}

// Release cancels the PaymentIntent, releasing the hold.
func (p *Provider) Release(ctx context.Context, ref, key string) (*volt.ProviderResult, error) {
	params := &stripe.PaymentIntentCancelParams{}
	params.SetIdempotencyKey(key)
	pi, err := p.client.V1PaymentIntents.Cancel(ctx, ref, params)
	if err != nil {
		return nil, mapErr("release", err)
	}
	return result(pi), nil
}

// Refund refunds amount of a captured PaymentIntent.
func (p *Provider) Refund(ctx context.Context, ref string, amount volt.Money, key string) (*volt.ProviderResult, error) {
	params := &stripe.RefundCreateParams{PaymentIntent: stripe.String(ref), Amount: stripe.Int64(amount.Amount)}
	params.SetIdempotencyKey(key)
	rf, err := p.client.V1Refunds.Create(ctx, params)
	if err != nil {
		return nil, mapErr("refund", err)
	}
	return &volt.ProviderResult{Ref: ref, Status: string(rf.Status)}, nil
}

// VerifyWebhook checks the Stripe-Signature header with webhook.ConstructEvent
// (signature and the default five-minute tolerance) and maps the event:
// payment_intent.succeeded and payment_intent.canceled are understood by the
// money service; other types are recorded and ignored.
func (p *Provider) VerifyWebhook(payload []byte, signature string) (*volt.WebhookEvent, error) {
	ev, err := webhook.ConstructEventWithOptions(payload, signature, p.secret, webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	if err != nil {
		return nil, volt.Errorf(volt.EUNAUTHORIZED, "Stripe webhook signature invalid: %v", err)
	}
	out := &volt.WebhookEvent{ID: ev.ID, Type: string(ev.Type)}
	if ev.Data != nil && len(ev.Data.Raw) > 0 {
		var obj struct {
			ID             string `json:"id"`
			AmountReceived int64  `json:"amount_received"`
		}
		if err := json.Unmarshal(ev.Data.Raw, &obj); err != nil {
			return nil, volt.Errorf(volt.EINVALID, "Stripe webhook object malformed.")
		}
		out.Ref, out.Amount = obj.ID, obj.AmountReceived
	}
	return out, nil
}
