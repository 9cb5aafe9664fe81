package volt

import (
	"context"
	"strings"
	"time"
)

// PaymentKind is how a payment came about.
type PaymentKind string

// Payment kinds. The card kinds pre-authorise, then capture the CDR cost.
const (
	PaymentPAYG        PaymentKind = "payg"        // app, card, one-off
	PaymentGuest       PaymentKind = "guest"       // no account, receipt by e-mail
	PaymentContactless PaymentKind = "contactless" // terminal on the charger
	PaymentCardOnFile  PaymentKind = "card"        // RFID against an account's card
	PaymentTopUp       PaymentKind = "topup"       // wallet credit, charged at once
)

// PaymentState is where a payment is in its life.
type PaymentState string

// Payment states.
const (
	PaymentPending    PaymentState = "pending"    // the provider call is in flight or to be retried
	PaymentAuthorized PaymentState = "authorized" // held, not captured
	PaymentCaptured   PaymentState = "captured"   // the CDR cost taken, the rest released
	PaymentReleased   PaymentState = "released"   // nothing captured (free or zero session)
	PaymentSucceeded  PaymentState = "succeeded"  // a top-up charged
	PaymentFailed     PaymentState = "failed"     // declined or refused: the reason is recorded
)

// Payment is a card payment: a pre-authorisation bound to a session and
// captured at its CDR, or a wallet top-up. Amounts are minor units.
type Payment struct {
	ID             string       `json:"id"`
	Kind           PaymentKind  `json:"kind"`
	State          PaymentState `json:"state"`
	Provider       string       `json:"provider"`
	ProviderRef    string       `json:"providerRef,omitempty"`
	UserID         string       `json:"userId,omitempty"`
	Email          string       `json:"email,omitempty"` // guest receipts
	CPOID          string       `json:"cpoId,omitempty"`
	CPID           string       `json:"cpid,omitempty"`
	ConnectorID    int          `json:"connectorId,omitempty"`
	TerminalID     string       `json:"terminalId,omitempty"`
	SessionID      string       `json:"sessionId,omitempty"`
	Currency       string       `json:"currency"`
	Amount         int64        `json:"amount"` // held, or charged for a top-up
	Captured       int64        `json:"captured"`
	Refunded       int64        `json:"refunded"`
	IdempotencyKey string       `json:"idempotencyKey"`
	Failure        string       `json:"failure,omitempty"`
	CardBrand      string       `json:"cardBrand,omitempty"` // as the provider names it: "visa", ...
	CardLast4      string       `json:"cardLast4,omitempty"`
	CreatedAt      time.Time    `json:"createdAt"`
	UpdatedAt      time.Time    `json:"updatedAt"`
}

// ValidateAmount checks an amount of money from outside: a known currency,
// positive, within bounds.
func ValidateAmount(m Money) error {
	if !ValidCurrency(m.Currency) {
		return FieldError("currency", "Unknown currency %q.", m.Currency)
	}
	if m.Amount <= 0 {
		return FieldError("amount", "Amount must be positive, got %d.", m.Amount)
	}
	if m.Amount > maxEntryAmount {
		return FieldError("amount", "Amount %d is too large.", m.Amount)
	}
	return nil
}

// ProviderResult is a provider's answer to a call.
type ProviderResult struct {
	Ref    string // the provider's id (PaymentIntent id)
	Status string // the provider's status, for the record
	// CardBrand ("visa", "mastercard", ...) and CardLast4 are the card an
	// authorisation was taken from, when the provider says: for the
	// receipt, and for a guest to find their receipts again.
	CardBrand, CardLast4 string
}

// AuthorizeRequest asks a provider to pre-authorise (or, with Capture, to
// charge at once) an amount on a card.
type AuthorizeRequest struct {
	Amount         Money
	Card           string // a card or payment-method token from the client
	Capture        bool   // charge now (top-up) rather than hold
	Description    string
	IdempotencyKey string
	Metadata       map[string]string
	OffSession     bool // the cardholder is not present: a card on file charged later (issue 14)
}

// WebhookEvent is a verified provider event.
type WebhookEvent struct {
	ID     string // unique per provider: a replay has the same ID
	Type   string // "payment.captured", "payment.failed", ... or the provider's own
	Ref    string // the provider payment id it is about
	Amount int64
}

// PaymentProvider is a card payment provider (Stripe, the sandbox). Every
// call carries an idempotency key so a retry never charges twice. A card
// refused by the issuer is EUNPROCESSABLE; a provider that cannot be reached
// or fails is EUNAVAILABLE (retry later).
type PaymentProvider interface {
	Name() string
	Authorize(ctx context.Context, r AuthorizeRequest) (*ProviderResult, error)
	// Capture takes exactly amount (≤ the hold) and releases the rest.
	Capture(ctx context.Context, ref string, amount Money, idempotencyKey string) (*ProviderResult, error)
	// Release cancels a hold without taking anything.
	Release(ctx context.Context, ref, idempotencyKey string) (*ProviderResult, error)
	Refund(ctx context.Context, ref string, amount Money, idempotencyKey string) (*ProviderResult, error)
	// VerifyWebhook checks the signature of a webhook and parses it; a
	// forged or stale one is EUNAUTHORIZED.
	VerifyWebhook(payload []byte, signature string) (*WebhookEvent, error)
}

// PreAuthRequest asks for a card pre-authorisation before a session starts.
// UserID is empty for a guest, who gives Email for the receipt. A
// contactless terminal gives its TerminalID.
type PreAuthRequest struct {
	Kind           PaymentKind
	UserID         string
	Email          string
	CPID           string
	ConnectorID    int
	TerminalID     string
	Card           string
	IdempotencyKey string
	// Amount is the hold in minor units; 0 means the CPO's HoldAmount.
	Amount int64
}

// PaymentService runs the card flows: pre-authorise before start, bind to
// the session, capture the exact CDR cost, release the rest; top-ups; the
// ledger postings of each; provider webhooks; retries of failed calls.
type PaymentService interface {
	PreAuthorize(ctx context.Context, r PreAuthRequest) (*Payment, error)
	BindSession(ctx context.Context, paymentID, sessionID string) error
	// OnCDR settles the session of a CDR once it is committed: capture for a
	// card, a wallet charge for credit. Idempotent: call it again freely.
	OnCDR(ctx context.Context, cdr *CDR) error
	Refund(ctx context.Context, paymentID string, amount int64, idempotencyKey string) (*Payment, error)
	HandleWebhook(ctx context.Context, provider string, payload []byte, signature string) error
	// RetryFailed retries provider calls that failed and are due; it returns
	// how many succeeded.
	RetryFailed(ctx context.Context) (int, error)
	FindPaymentByID(ctx context.Context, id string) (*Payment, error)
}

// GuestPaymentFinder finds a guest's card payments again by the e-mail
// given at checkout and the card's last four digits, the two things a guest
// without an account has (the app's "Find my receipt"). Only payments bound
// to a session, newest first. Implemented by the store's MoneyService.
type GuestPaymentFinder interface {
	FindGuestPayments(ctx context.Context, email, last4 string) ([]*Payment, error)
}

// CardBrandLabel names a provider's card brand for a receipt ("visa" is
// "Visa"); an unknown brand is shown as given.
func CardBrandLabel(brand string) string {
	switch strings.ToLower(brand) {
	case "visa":
		return "Visa"
	case "mastercard":
		return "Mastercard"
	case "amex":
		return "American Express"
	case "maestro":
		return "Maestro"
	case "discover":
		return "Discover"
	}
	return brand
}
