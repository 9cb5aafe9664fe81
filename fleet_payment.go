package volt

import (
	"context"
	"strings"
	"time"
	"unicode"
)

// Issue 19: the payment of a fleet's monthly invoice. The fleet wallet is a
// receivable: the fleet's charges (own network and roaming) are posted to
// AccountFleet, what the fleet owes, and invoiced monthly; the fleet pays
// the invoice afterwards, by bank transfer or card, and the owner's admin
// records what was received. (A prepaid top-up would not fit: nothing
// checks a fleet balance before a start, only the drivers' limits.) A
// payment moves the amount from what the fleet owes to the money received
// (AccountProvider of the method), once per fleet and payment reference.

// Ways a fleet pays its invoice.
const (
	FleetPaidByBankTransfer = "bank_transfer"
	FleetPaidByCard         = "card"
)

// PostFleetPayment is a fleet's payment of its invoice received.
const PostFleetPayment PostingKind = "fleet_payment"

// ResourceFleetPayment is the audit resource of a fleet invoice payment.
const ResourceFleetPayment = "fleet-payment"

// States of a fleet invoice.
const (
	FleetInvoiceNothingDue = "nothing_due"
	FleetInvoiceUnpaid     = "unpaid"
	FleetInvoicePartPaid   = "part_paid"
	FleetInvoicePaid       = "paid"
)

// FleetInvoiceState is the state of an invoice of gross with paid
// received.
func FleetInvoiceState(gross, paid int64) string {
	switch {
	case gross <= 0:
		return FleetInvoiceNothingDue
	case paid >= gross:
		return FleetInvoicePaid
	case paid > 0:
		return FleetInvoicePartPaid
	}
	return FleetInvoiceUnpaid
}

// FleetInvoicePayment is money received for a fleet's monthly invoice.
type FleetInvoicePayment struct {
	ID      string `json:"id"`
	FleetID string `json:"fleetId"`
	CPOID   string `json:"cpoId"`
	OwnerID string `json:"ownerId"`
	// Month is the invoice's month ("2006-01").
	Month    string `json:"month"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	// PaidOn is the day the money was received ("2006-01-02").
	PaidOn string `json:"paidOn"`
	// Reference is the bank transfer's or card payment's reference, unique
	// per fleet: recording it again changes nothing.
	Reference  string    `json:"reference"`
	Method     string    `json:"method"`
	RecordedBy string    `json:"recordedBy"`
	CreatedAt  time.Time `json:"createdAt"`
}

// Ref places the payment in the hierarchy (the fleet's owner).
func (p *FleetInvoicePayment) Ref() Ref { return Ref{CPOID: p.CPOID, OwnerID: p.OwnerID} }

// Normalize trims the reference.
func (p *FleetInvoicePayment) Normalize() {
	p.Reference = strings.Join(strings.Fields(p.Reference), " ")
	p.Method = strings.TrimSpace(p.Method)
}

// Validate checks a payment (after Normalize) against today (UTC).
func (p *FleetInvoicePayment) Validate(today time.Time) error {
	if _, err := time.Parse("2006-01", p.Month); err != nil || len(p.Month) != 7 {
		return FieldError("month", "Month must be YYYY-MM, got %q.", p.Month)
	}
	if p.Amount <= 0 {
		return FieldError("amount", "The amount must be more than 0 minor units, got %d.", p.Amount)
	}
	if p.Method != FleetPaidByBankTransfer && p.Method != FleetPaidByCard {
		return FieldError("method", "The method must be %s or %s, got %q.", FleetPaidByBankTransfer, FleetPaidByCard, p.Method)
	}
	if p.Reference == "" || len(p.Reference) > 64 || strings.IndexFunc(p.Reference, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return FieldError("reference", "The payment reference is required: up to 64 printable characters.")
	}
	d, err := time.Parse("2006-01-02", p.PaidOn)
	if err != nil {
		return FieldError("paidOn", "The payment date must be YYYY-MM-DD, got %q.", p.PaidOn)
	}
	if d.After(today.UTC()) {
		return FieldError("paidOn", "The payment date %s is in the future.", p.PaidOn)
	}
	return nil
}

// FleetPaymentEntries record a fleet's payment received: the money is in
// (provider:bank_transfer or provider:card) and the fleet owes that less.
func FleetPaymentEntries(fleetID, method string, amount int64, currency string) []Entry {
	return entries(currency, AccountProvider(method), amount, AccountFleet(fleetID), -amount)
}

// FleetPaymentService records the payments of fleet invoices: the owner's
// admins record them; whoever reads the fleet (its managers, the owner's
// readers) sees them on the invoice (FleetInvoice.Payments); outside that
// scope a fleet is not found.
type FleetPaymentService interface {
	// RecordFleetPayment records p (FleetID, Month, Amount, PaidOn,
	// Reference, Method) against the invoice of its month, at most what is
	// outstanding; created is false when the same payment (fleet and
	// reference) was recorded before, and a different one with that
	// reference is ECONFLICT.
	RecordFleetPayment(ctx context.Context, p *FleetInvoicePayment) (created bool, err error)
	// FindFleetPaymentByID returns a payment of a fleet the actor reads.
	FindFleetPaymentByID(ctx context.Context, id string) (*FleetInvoicePayment, error)
}
