package api

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/volt-ev/volt"
)

type paymentListInput struct {
	UserID    string `query:"userId" maxLength:"64"`
	CPOID     string `query:"cpoId" maxLength:"64"`
	CPID      string `query:"cpid" maxLength:"32"`
	SessionID string `query:"sessionId" maxLength:"64"`
	Kind      string `query:"kind" enum:"payg,guest,contactless,card,topup"`
	State     string `query:"state" enum:"pending,authorized,captured,released,succeeded,failed"`
	PageParams
}

// listPayments lists the payments in the caller's scope (operators: their
// CPOs'; drivers: their own), through the service's volt.PaymentFinder.
func (s *server) listPayments(ctx context.Context, in *paymentListInput) (*ListOutput[*volt.Payment], error) {
	finder, ok := s.Payments.(volt.PaymentFinder)
	if !ok {
		// TODO(api): served once the money service implements
		// volt.PaymentFinder.
		return nil, notWired("payment listing")
	}
	f := volt.PaymentFilter{UserID: in.UserID, CPOID: in.CPOID, CPID: in.CPID, SessionID: in.SessionID,
		Kind: volt.PaymentKind(in.Kind), State: volt.PaymentState(in.State), Page: in.page()}
	items, total, err := finder.FindPayments(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) getPayment(ctx context.Context, in *IDInput) (*Out[*volt.Payment], error) {
	if s.Payments == nil {
		return nil, notWired("payment")
	}
	p, err := s.Payments.FindPaymentByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(p), nil
}

// RefundCreate is the body of POST /api/v1/payments/{id}/refund.
type RefundCreate struct {
	Amount volt.Decimal `json:"amount" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"2.50\"" doc:"In the payment's currency units: \"2.50\" is £2.50; at most what was captured and not yet refunded."`
	Reason string       `json:"reason" minLength:"1" maxLength:"500" doc:"Why, for the audit log."`
}

type refundInput struct {
	IDInput
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"Required: a retried request with the same key refunds once."`
	Body           RefundCreate
}

// refundDetails is what the audit log keeps of a refund.
type refundDetails struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	Reason   string `json:"reason"`
}

// refundPayment gives part or all of a captured payment back to the card
// (support and admins of the payment's CPO) and records it, with its reason,
// in the audit log, refused attempts included.
func (s *server) refundPayment(ctx context.Context, in *refundInput) (*Out[*volt.Payment], error) {
	if s.Payments == nil {
		return nil, notWired("payment")
	}
	if in.IdempotencyKey == "" {
		return nil, newError(volt.EINVALID, "The Idempotency-Key header is required.", "Idempotency-Key")
	}
	p, err := s.Payments.FindPaymentByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	amount, err := minorUnits("amount", in.Body.Amount, p.Currency)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	after, err := s.Payments.Refund(ctx, p.ID, amount, in.IdempotencyKey)
	s.auditRefund(ctx, p, after, refundDetails{Amount: amount, Currency: p.Currency, Reason: in.Body.Reason}, err)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(after), nil
}

// auditRefund records a refund attempt, when an audit log is configured.
// The entry is written after the refund; a failure to write it is logged
// and never fails the refund.
func (s *server) auditRefund(ctx context.Context, before, after *volt.Payment, d refundDetails, refundErr error) {
	if s.Audit == nil {
		return
	}
	e := &volt.AuditEntry{Action: "payment.refund", ResourceType: "payment", ResourceID: before.ID, CPOID: before.CPOID}
	e.Before, _ = json.Marshal(before)
	if after != nil {
		e.After, _ = json.Marshal(after)
	}
	e.Details, _ = json.Marshal(d)
	e.SetResult(refundErr)
	if err := s.Audit.Record(context.WithoutCancel(ctx), e); err != nil {
		s.Logger.ErrorContext(ctx, "api: refund not recorded in the audit log", "payment", before.ID, "err", err)
	}
}

type webhookInput struct {
	Provider  string `path:"provider" maxLength:"32" doc:"The payment provider's name (stripe, sandbox)."`
	Signature string `header:"Stripe-Signature" maxLength:"2000" doc:"The provider's signature of the raw body."`
	RawBody   []byte
}

// WebhookReceived is the answer to an accepted webhook.
type WebhookReceived struct {
	Received bool `json:"received"`
}

// receiveWebhook passes a provider's webhook, raw, to the payment service,
// which verifies its signature and applies it once: a forged or stale
// signature is 400, a replayed event 200 with nothing applied again.
func (s *server) receiveWebhook(ctx context.Context, in *webhookInput) (*Out[WebhookReceived], error) {
	if s.Payments == nil {
		return nil, notWired("payment")
	}
	if s.WebhookProviders != nil && !slices.Contains(s.WebhookProviders, in.Provider) {
		return nil, newError(volt.ENOTFOUND, "No payment provider "+in.Provider+".", "provider")
	}
	if in.Signature == "" {
		return nil, newError(volt.EINVALID, "The Stripe-Signature header is required.", "Stripe-Signature")
	}
	err := s.Payments.HandleWebhook(ctx, in.Provider, in.RawBody, in.Signature)
	if volt.IsCode(err, volt.EUNAUTHORIZED) {
		return nil, newError(volt.EINVALID, "Webhook signature invalid or stale.", "Stripe-Signature")
	} else if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(WebhookReceived{Received: true}), nil
}
