package volt

import (
	"fmt"
	"strings"
	"time"
)

// The ledger is double entry: every movement of money is a Posting whose
// Entries sum to zero per currency. An entry's Amount is in minor units;
// positive is a debit, negative a credit. An account's balance is the sum of
// its entries, so nothing can drift: there is no separate mutable balance.
//
// Accounts are named "kind:id" (AccountWallet("usr_1") is "wallet:usr_1"):
//
//   - provider:NAME  money held at a payment provider (asset, debit balance)
//   - wallet:USER    what the platform owes a driver (liability, credit
//     balance; WalletBalance = -sum)
//   - owner:OWNER    income owed to an owner (liability)
//   - vat:CPO        VAT collected, payable (liability)
//   - fees:platform  platform fees earned (income)
//   - receivable:CPO socket fees billed to a CPO, not yet paid (asset)
//   - hold:PAYMENT   a card pre-authorisation in force (memo, debit), against
//     holds:outstanding (its contra); released or captured, it returns to 0
//   - reimburse:OWNER home reimbursement a company owes (liability)
const (
	AccountFees             = "fees:platform"
	AccountHoldsOutstanding = "holds:outstanding"
)

// AccountWallet is the wallet account of a user.
func AccountWallet(userID string) string { return "wallet:" + userID }

// AccountProvider is the account of money held at a payment provider.
func AccountProvider(name string) string { return "provider:" + name }

// AccountOwner is the income account of an owner.
func AccountOwner(ownerID string) string { return "owner:" + ownerID }

// AccountVAT is the VAT payable account of a CPO.
func AccountVAT(cpoID string) string { return "vat:" + cpoID }

// AccountReceivable is what a CPO owes the platform (socket fees).
func AccountReceivable(cpoID string) string { return "receivable:" + cpoID }

// AccountHold is the memo account of one card pre-authorisation.
func AccountHold(paymentID string) string { return "hold:" + paymentID }

// AccountReimburse is what a company (owner) owes for home reimbursement.
func AccountReimburse(ownerID string) string { return "reimburse:" + ownerID }

// PostingKind names the movement a posting records.
type PostingKind string

// Posting kinds: one per movement of money.
const (
	PostTopUp         PostingKind = "topup"
	PostHold          PostingKind = "hold"
	PostRelease       PostingKind = "release"
	PostCapture       PostingKind = "capture"       // a card payment of a session
	PostCreditCharge  PostingKind = "credit_charge" // a session paid from the wallet
	PostRefund        PostingKind = "refund"
	PostSocketFee     PostingKind = "socket_fee"
	PostPayout        PostingKind = "payout"
	PostReimbursement PostingKind = "reimbursement"
	PostExportCredit  PostingKind = "export_credit" // V2X credit beyond a session's cost, to the wallet
)

// maxEntryAmount bounds one entry (10^13 minor units) so sums never overflow.
const maxEntryAmount = 10_000_000_000_000

// Entry is one line of a posting.
type Entry struct {
	Account  string `json:"account"`
	Amount   int64  `json:"amount"` // minor units; debit > 0, credit < 0
	Currency string `json:"currency"`
}

// Posting is one balanced movement. IdempotencyKey is unique in the ledger:
// posting the same key twice records it once.
type Posting struct {
	ID             string      `json:"id"`
	IdempotencyKey string      `json:"idempotencyKey"`
	Kind           PostingKind `json:"kind"`
	Currency       string      `json:"currency"`
	Ref            string      `json:"ref,omitempty"` // the payment, session or CDR it is about
	Memo           string      `json:"memo,omitempty"`
	Entries        []Entry     `json:"entries"`
	CreatedAt      time.Time   `json:"createdAt"`
}

// Balanced reports whether entries sum to zero in every currency.
func Balanced(entries []Entry) bool {
	sums := map[string]int64{}
	for _, e := range entries {
		sums[e.Currency] += e.Amount
	}
	for _, s := range sums {
		if s != 0 {
			return false
		}
	}
	return true
}

// Validate checks a posting before it is recorded: an idempotency key, a
// known kind and currency, at least two entries, each with an account, a
// non-zero amount within bounds and the posting's currency, and balance.
func (p *Posting) Validate() error {
	if strings.TrimSpace(p.IdempotencyKey) == "" {
		return FieldError("idempotencyKey", "A posting needs an idempotency key.")
	}
	if p.Kind == "" {
		return FieldError("kind", "A posting needs a kind.")
	}
	if !ValidCurrency(p.Currency) {
		return FieldError("currency", "Unknown currency %q.", p.Currency)
	}
	if len(p.Entries) < 2 {
		return FieldError("entries", "A posting needs at least two entries.")
	}
	for i, e := range p.Entries {
		field := fmt.Sprintf("entries[%d]", i)
		switch {
		case !strings.Contains(e.Account, ":"):
			return FieldError(field, "Account %q is not of the form kind:id.", e.Account)
		case e.Amount == 0:
			return FieldError(field, "Entry amount must not be zero.")
		case e.Amount > maxEntryAmount || e.Amount < -maxEntryAmount:
			return FieldError(field, "Entry amount %d is out of range.", e.Amount)
		case e.Currency != p.Currency:
			return FieldError(field, "Entry currency %s differs from the posting's %s.", e.Currency, p.Currency)
		}
	}
	if !Balanced(p.Entries) {
		return Errorf(EINVALID, "Posting %s (%s) does not balance.", p.IdempotencyKey, p.Kind)
	}
	return nil
}

// entries builds a posting's entries, dropping zero amounts.
func entries(currency string, pairs ...any) []Entry {
	var out []Entry
	for i := 0; i+1 < len(pairs); i += 2 {
		if amt := pairs[i+1].(int64); amt != 0 {
			out = append(out, Entry{Account: pairs[i].(string), Amount: amt, Currency: currency})
		}
	}
	return out
}

// SessionCharge is what a session's payment splits into: the amount paid
// (VAT included), the VAT in it, and the platform's transaction fee.
type SessionCharge struct {
	Currency       string
	InclVAT        int64
	VAT            int64
	TransactionFee int64
	CPOID, OwnerID string
}

// ChargeSplit computes the SessionCharge of a cost under the fees: VAT from
// the cost's own lines, the transaction fee by fees.Transaction (none when
// fees is nil or the cost is zero).
func ChargeSplit(c *Cost, fees *Fees, cpoID, ownerID string) SessionCharge {
	sc := SessionCharge{Currency: c.Currency, InclVAT: c.InclVAT, VAT: c.InclVAT - c.ExclVAT, CPOID: cpoID, OwnerID: ownerID}
	if fees != nil && c.InclVAT > 0 {
		sc.TransactionFee = min(fees.Transaction.Apply(c.InclVAT, CurrencyExponent(c.Currency)), c.InclVAT-sc.VAT)
	}
	return sc
}

// CaptureEntries are the entries of a card capture of a session: the
// provider receives the amount, VAT is payable, the platform earns its fee
// and the owner the rest; the hold is released in full.
func CaptureEntries(provider, paymentID string, hold int64, sc SessionCharge) []Entry {
	e := entries(sc.Currency,
		AccountProvider(provider), sc.InclVAT,
		AccountVAT(sc.CPOID), -sc.VAT,
		AccountFees, -sc.TransactionFee,
		AccountOwner(sc.OwnerID), -(sc.InclVAT - sc.VAT - sc.TransactionFee))
	return append(e, ReleaseEntries(paymentID, hold, sc.Currency)...)
}

// CreditChargeEntries are the entries of a session paid from a wallet.
func CreditChargeEntries(userID string, sc SessionCharge) []Entry {
	return entries(sc.Currency,
		AccountWallet(userID), sc.InclVAT,
		AccountVAT(sc.CPOID), -sc.VAT,
		AccountFees, -sc.TransactionFee,
		AccountOwner(sc.OwnerID), -(sc.InclVAT - sc.VAT - sc.TransactionFee))
}

// HoldEntries record a pre-authorisation of amount.
func HoldEntries(paymentID string, amount int64, currency string) []Entry {
	return entries(currency, AccountHold(paymentID), amount, AccountHoldsOutstanding, -amount)
}

// ReleaseEntries release a pre-authorisation of amount.
func ReleaseEntries(paymentID string, amount int64, currency string) []Entry {
	return entries(currency, AccountHold(paymentID), -amount, AccountHoldsOutstanding, amount)
}

// TopUpEntries credit a wallet with money received by a provider.
func TopUpEntries(provider, userID string, amount int64, currency string) []Entry {
	return entries(currency, AccountProvider(provider), amount, AccountWallet(userID), -amount)
}

// RefundEntries give amount of a captured session back to the card: the
// owner's income, VAT and fee are reversed pro rata of sc (fee and VAT
// rounded down, the owner bearing the rest).
func RefundEntries(provider string, amount int64, sc SessionCharge) []Entry {
	if sc.InclVAT <= 0 {
		return nil
	}
	vat := sc.VAT * amount / sc.InclVAT
	fee := sc.TransactionFee * amount / sc.InclVAT
	return entries(sc.Currency,
		AccountProvider(provider), -amount,
		AccountVAT(sc.CPOID), vat,
		AccountFees, fee,
		AccountOwner(sc.OwnerID), amount-vat-fee)
}

// SocketFeeEntries bill a socket fee to a CPO.
func SocketFeeEntries(cpoID string, amount int64, currency string) []Entry {
	return entries(currency, AccountReceivable(cpoID), amount, AccountFees, -amount)
}

// PayoutEntries pay an owner's income out through a provider.
func PayoutEntries(provider, ownerID string, amount int64, currency string) []Entry {
	return entries(currency, AccountOwner(ownerID), amount, AccountProvider(provider), -amount)
}

// ExportCreditEntries pay a driver's wallet the export credit (V2X) a
// session earned beyond its cost (Cost.ExportPayout): the site's owner,
// whose site the car helped keep within its grid connection, pays it from
// its income. VAT included as priced; nothing of it is VAT the platform
// collects, so no VAT account moves.
func ExportCreditEntries(ownerID, userID string, amount int64, currency string) []Entry {
	return entries(currency, AccountOwner(ownerID), amount, AccountWallet(userID), -amount)
}

// ReimbursementEntries credit a driver's wallet with home reimbursement owed
// by a company (owner).
func ReimbursementEntries(ownerID, userID string, amount int64, currency string) []Entry {
	return entries(currency, AccountReimburse(ownerID), amount, AccountWallet(userID), -amount)
}
