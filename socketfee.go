package volt

import (
	"context"
	"time"
)

// SocketFeeStatement is what the platform bills a CPO for its sockets in one
// period (issue 17 item 1): per owner, the sockets of its live chargers at
// billing time × the flat rate, plus the rate's percentage of the income
// those sockets earned in the period. Amounts are minor units of Currency,
// VAT included (VAT is the part of Amount that is VAT at the fees' rate). A
// re-run of the period replaces the statement (Revision + 1) and posts only
// the difference to the ledger, so a period is never billed twice.
type SocketFeeStatement struct {
	ID        string          `json:"id"`
	CPOID     string          `json:"cpoId"`
	Period    string          `json:"period"`    // "2026-03" (monthly) or "2026" (annual)
	FeePeriod FeePeriod       `json:"feePeriod"` // monthly or annual
	From      time.Time       `json:"from"`
	To        time.Time       `json:"to"`
	Currency  string          `json:"currency"`
	Sockets   int             `json:"sockets"`
	Income    int64           `json:"income"`
	Flat      Decimal         `json:"flatPerSocket"`
	Percent   Decimal         `json:"percentOfIncome"`
	Amount    int64           `json:"amount"`
	VAT       int64           `json:"vat"`
	Revision  int             `json:"revision"`
	CreatedAt time.Time       `json:"createdAt"`
	Lines     []SocketFeeLine `json:"lines"`
}

// SocketFeeLine is one owner's part of a statement.
type SocketFeeLine struct {
	OwnerID string `json:"ownerId"`
	Sockets int    `json:"sockets"`
	Income  int64  `json:"income"`
	Amount  int64  `json:"amount"`
}

// SocketFeeFilter narrows a list of statements; empty fields are not set.
type SocketFeeFilter struct {
	CPOID  string
	Period string
	Page
}

// ParseBillingPeriod reads a billing period: "YYYY-MM" is a month, "YYYY" a
// year. It returns the period's key, kind and [start, end) in UTC.
func ParseBillingPeriod(s string) (string, FeePeriod, time.Time, time.Time, error) {
	if t, err := time.Parse("2006-01", s); err == nil && len(s) == 7 {
		return s, FeeMonthly, t, t.AddDate(0, 1, 0), nil
	}
	if t, err := time.Parse("2006", s); err == nil && len(s) == 4 {
		return s, FeeAnnual, t, t.AddDate(1, 0, 0), nil
	}
	return "", "", time.Time{}, time.Time{}, FieldError("period", "Period must be a month YYYY-MM or a year YYYY, got %q.", s)
}

// BillingPeriodBefore returns the key of the whole period of kind p that
// ended last before at ("2026-02" on any day of March 2026).
func BillingPeriodBefore(p FeePeriod, at time.Time) string {
	at = at.UTC()
	if p == FeeAnnual {
		return time.Date(at.Year()-1, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006")
	}
	return time.Date(at.Year(), at.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0).Format("2006-01")
}

// SocketFeeService bills socket fees. Reading: the CPO's readers (income
// area) and super admins. Billing is the platform's: super admins (and the
// scheduled job as the system) only.
type SocketFeeService interface {
	// BillSocketFees bills a CPO's period ("YYYY-MM" for a monthly fee,
	// "YYYY" for an annual one; a month given for an annual fee bills its
	// year). Billing a period again replaces its statement.
	BillSocketFees(ctx context.Context, cpoID, period string) (*SocketFeeStatement, error)
	// RunSocketFees is the scheduled job: for every CPO with a socket fee,
	// the last whole period before at, if not billed yet. It returns how
	// many statements it wrote.
	RunSocketFees(ctx context.Context, at time.Time) (int, error)
	FindSocketFeeStatements(ctx context.Context, f SocketFeeFilter) ([]*SocketFeeStatement, int, error)
	FindSocketFeeStatementByID(ctx context.Context, id string) (*SocketFeeStatement, error)
}
