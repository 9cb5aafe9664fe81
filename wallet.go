package volt

import (
	"context"
	"time"
)

// DefaultMinBalance is the wallet balance a driver needs to start a session on
// credit when the CPO has set none: £5 (500 minor units of the CPO currency).
const DefaultMinBalance = 500

// DefaultHoldAmount is the card pre-authorisation for PAYG, guest and
// contactless sessions when the CPO has set none: £30.
const DefaultHoldAmount = 3000

// MoneySettings are a CPO's money settings.
type MoneySettings struct {
	CPOID      string `json:"cpoId"`
	Currency   string `json:"currency"`
	MinBalance int64  `json:"minBalance"` // minor units, to start on credit
	HoldAmount int64  `json:"holdAmount"` // minor units, card pre-authorisation
	MaxTopUp   int64  `json:"maxTopUp"`   // minor units, the largest wallet top-up (0: DefaultMaxTopUp)
	Fees       *Fees  `json:"fees,omitempty"`
}

// Validate checks the settings.
func (m *MoneySettings) Validate() error {
	if m.MinBalance < 0 || m.MinBalance > maxEntryAmount {
		return FieldError("minBalance", "Minimum balance must be from 0, got %d.", m.MinBalance)
	}
	if m.HoldAmount <= 0 || m.HoldAmount > maxEntryAmount {
		return FieldError("holdAmount", "Pre-authorisation amount must be positive, got %d.", m.HoldAmount)
	}
	if m.MaxTopUp < 0 || m.MaxTopUp > maxEntryAmount {
		return FieldError("maxTopUp", "Maximum top-up must be positive, got %d.", m.MaxTopUp)
	}
	if m.Fees != nil {
		if m.Fees.Currency != m.Currency {
			return FieldError("fees.currency", "Fee currency %s differs from the CPO's currency %s.", m.Fees.Currency, m.Currency)
		}
		return m.Fees.Validate()
	}
	return nil
}

// WalletBalance returns the balance of a wallet from the sum of its ledger
// entries (a liability: the driver's money is a credit balance).
func WalletBalance(entrySum int64) int64 { return -entrySum }

// CanStartOnCredit reports whether a wallet balance admits a new session on
// credit under the CPO's minimum, with the refusal reason.
func CanStartOnCredit(balance, minBalance int64) (bool, string) {
	if balance < minBalance {
		return false, "insufficient credit: balance below the minimum to start"
	}
	return true, ""
}

// CreditGuard decides, on each meter reading of a session paid from a wallet,
// whether to stop it now (RemoteStopTransaction): when the balance left after
// the live cost could not pay for another interval like the last one. A
// session that follows this rule overdraws the wallet by at most one
// metering interval's cost (only when an interval costs more than the one
// before it). liveCost and lastInterval are in minor units.
func CreditGuard(balance, liveCost, lastInterval int64) bool {
	left := balance - liveCost
	return left <= 0 || left < max(lastInterval, 0)
}

// WalletLine is one movement of a wallet, for its history.
type WalletLine struct {
	PostingID string      `json:"postingId"`
	Kind      PostingKind `json:"kind"`
	Ref       string      `json:"ref,omitempty"`
	Amount    int64       `json:"amount"` // credit to the driver > 0
	Currency  string      `json:"currency"`
	At        time.Time   `json:"at"`
}

// Wallet is a driver's credit: balance and currency.
type Wallet struct {
	UserID   string `json:"userId"`
	Currency string `json:"currency"`
	Balance  int64  `json:"balance"`
}

// WalletService manages drivers' credit. Balances are sums of ledger entries.
type WalletService interface {
	FindWallet(ctx context.Context, userID, currency string) (*Wallet, error)
	WalletHistory(ctx context.Context, userID string, page Page) ([]*WalletLine, int, error)
	// TopUp charges the card through the provider and credits the wallet;
	// idempotencyKey makes a retried request charge once.
	TopUp(ctx context.Context, userID string, amount Money, card, idempotencyKey string) (*Payment, error)
	// CheckCreditStart refuses (EUNPROCESSABLE) a start on credit below the
	// CPO's minimum balance.
	CheckCreditStart(ctx context.Context, userID, cpoID string) error
	// GuardSession applies CreditGuard to a session on credit after a meter
	// reading: true means send RemoteStopTransaction now.
	GuardSession(ctx context.Context, s *Session, lastInterval int64) (bool, error)
	// MaxTopUp is the largest top-up the user may make (TopUpLimits); TopUp
	// refuses more with an EINVALID error on the field amount.
	TopUpLimits
}

// DomesticVATRate is UK VAT on domestic energy (5 %), the rate home
// reimbursement is stated at.
var DomesticVATRate = NewDecimalMicro(50_000)

// ReimbursementAmount is a home reimbursement: energyWh at rate per kWh
// (VAT included), rounded half up to minor units of a currency with exponent
// exp. A negative energy or rate is refused.
func ReimbursementAmount(energyWh int64, rate Decimal, exp int) (int64, error) {
	if energyWh < 0 {
		return 0, FieldError("energyWh", "Energy must not be negative, got %d.", energyWh)
	}
	if err := checkPrice("rate", rate); err != nil {
		return 0, err
	}
	// energyWh × rate(micro) / 1000 Wh per kWh / 10^(6-exp) micro per minor unit.
	return mul128(uint64(energyWh), uint64(rate.micro)).divRound(uint64(1000 * pow10(DecimalPlaces-exp))), nil
}

// ReimbursementStatement is a driver's monthly home-charging statement from
// a company (owner).
type ReimbursementStatement struct {
	ID        string    `json:"id"`
	OwnerID   string    `json:"ownerId"`
	UserID    string    `json:"userId"`
	Month     string    `json:"month"` // "2026-03"
	Sessions  int64     `json:"sessions"`
	EnergyWh  int64     `json:"energyWh"`
	Rate      Decimal   `json:"rate"` // per kWh, VAT included
	VATRate   Decimal   `json:"vatRate"`
	Currency  string    `json:"currency"`
	Amount    int64     `json:"amount"`
	CreatedAt time.Time `json:"createdAt"`
	// CPID is the home charger of the agreement the statement is for
	// (empty for one run over all the owner's chargers by ReimburseHome).
	CPID string `json:"homeChargerCpid,omitempty"`
	// VAT is the VAT inside Amount at VATRate, minor units.
	VAT int64 `json:"vat"`
}
