package volt

import (
	"context"
	"time"
)

// Billing Volt's driver for a partner CPO's CDR (issue 14, eMSP side):
// the wallet pays when it covers the partner's cost plus the roaming
// margin; otherwise the card on file is charged the whole amount at once,
// as a session on Volt's own network that the wallet cannot cover is paid
// whole by the card (never split between the two). A card refused, or no
// card, leaves a debt: the wallet is charged below zero (the next top-up
// pays it, and credit starts are refused meanwhile) and the bill says so,
// for the operator to follow up.

// PaymentRoaming is a card on file charged at once for a partner's CDR.
const PaymentRoaming PaymentKind = "roaming"

// States and payers of a RoamingBill.
const (
	RoamingBillPaid    = "paid"
	RoamingBillPending = "pending" // the card call is in flight or to be retried
	RoamingBillDebt    = "debt"    // the card was refused or there was none
	RoamingPaidWallet  = "wallet"
	RoamingPaidCard    = "card"
)

// RoamingCardEntries charge a partner's CDR to a card: the provider
// receives the total, the partner is owed its cost, the CPO earns the
// margin.
func RoamingCardEntries(provider, partnerID, cpoID string, cost, margin int64, currency string) []Entry {
	return entries(currency, AccountProvider(provider), cost+margin, AccountRoamingPayable(partnerID), -cost, AccountRoamingMargin(cpoID), -margin)
}

// RoamingBillFilter selects roaming bills; zero fields do not filter.
type RoamingBillFilter struct {
	CPOID  string
	UserID string
	State  string
	Page   Page
}

// RoamingBills reads what drivers were billed for partners' CDRs.
// FindRoamingBills authorises the actor in ctx (the CPO's support staff;
// another CPO's bills are not there); FindRoamingBill is system level.
type RoamingBills interface {
	FindRoamingBills(ctx context.Context, f RoamingBillFilter) ([]RoamingBill, int, error)
	FindRoamingBill(ctx context.Context, partnerID, cdrID string) (*RoamingBill, error)
}

// RoamingDebt is a roaming bill the driver owes (RoamingBillDebt), with
// the partner network's name.
type RoamingDebt struct {
	Bill        RoamingBill `json:"bill"`
	PartnerName string      `json:"partnerName"`
}

// RoamingDebts is what a driver owes for partner networks' CDRs (a
// roaming debt) and how they settle it; the actor in ctx is the driver
// (or a super admin), anyone else ENOTFOUND. RoamingDebtsOf lists the
// open debts, oldest first. PayRoamingDebts charges the card on file the
// wallet's shortfall, once per idempotency key (the app's request key;
// "" when a card is saved: once per card), nil, nil when nothing is owed,
// EUNPROCESSABLE when the card is refused or there is none.
type RoamingDebts interface {
	RoamingDebtsOf(ctx context.Context, userID string) ([]RoamingDebt, error)
	PayRoamingDebts(ctx context.Context, userID, key string) (*Payment, error)
}

// RoamingReceipt is the driver's receipt of a session on a partner's
// network: where, how much energy, the partner's cost with its VAT, the
// roaming margin, and how it was paid (Bill). Amounts in minor units.
type RoamingReceipt struct {
	Bill          RoamingBill
	PartnerName   string
	LocationName  string
	Address       string // street, city
	EVSEID        string
	StartedAt     time.Time
	StoppedAt     time.Time
	EnergyWh      int64
	CostExclVAT   int64 // the partner's cost before VAT
	CostVAT       int64 // the VAT in the partner's cost
	MarginPercent Decimal
	// Card is the card on file charged ("Visa ending 4242"), when the
	// provider said.
	Card string
}

// RoamingReceiptDue is a roaming bill whose receipt is still to be
// e-mailed to its driver.
type RoamingReceiptDue struct {
	Bill  RoamingBill
	Email string
}

// RoamingReceiptOutbox keeps which roaming receipts were e-mailed, so each
// goes out once (at least once: a crash between the mail and its mark
// sends it again).
type RoamingReceiptOutbox interface {
	PendingRoamingReceipts(ctx context.Context, limit int) ([]RoamingReceiptDue, error)
	MarkRoamingReceiptSent(ctx context.Context, partnerID, cdrID string) error
}

// RoamingPaidBy says how a roaming bill was paid, in the driver's words.
func RoamingPaidBy(b *RoamingBill, card string) string {
	switch {
	case b.State == RoamingBillDebt && b.PaidBy == RoamingPaidCard:
		return "Not paid: your card was refused. The amount is owed from your wallet."
	case b.State == RoamingBillDebt:
		return "Not paid: no card on file. The amount is owed from your wallet."
	case b.State == RoamingBillPending:
		return "Being charged to your card on file"
	case b.PaidBy == RoamingPaidCard && card != "":
		return "Paid by " + card
	case b.PaidBy == RoamingPaidCard:
		return "Paid by your card on file"
	}
	return "Paid from your wallet"
}
