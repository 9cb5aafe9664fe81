package volt

import (
	"context"
	"regexp"
	"time"
)

// ReimbursementAgreement is a company's (owner's) promise to reimburse a
// driver's charging on a home charger (for a company vehicle) at Rate per
// kWh, VAT included at the domestic rate (DomesticVATRate, LESSONS: 5 % on
// domestic energy). The monthly job turns it into one statement per month,
// credited to the driver's wallet.
type ReimbursementAgreement struct {
	ID        string    `json:"id"`
	OwnerID   string    `json:"ownerId"`
	UserID    string    `json:"userId"`
	CPID      string    `json:"homeChargerCpid"`
	Rate      Decimal   `json:"ratePerKwh"`
	Currency  string    `json:"currency"`
	CPOID     string    `json:"cpoId"`
	CreatedAt time.Time `json:"createdAt"`
}

// Validate checks an agreement before it is stored.
func (a *ReimbursementAgreement) Validate() error {
	switch {
	case a.OwnerID == "":
		return FieldError("ownerId", "An agreement is made by an owner (the company).")
	case a.UserID == "":
		return FieldError("userId", "An agreement reimburses a driver.")
	case a.CPID == "":
		return FieldError("homeChargerCpid", "An agreement names the driver's home charger.")
	case a.Rate.Sign() <= 0:
		return FieldError("ratePerKwh", "The rate per kWh must be positive, got %s.", a.Rate)
	case a.Rate.Cmp(NewDecimalInt(10)) > 0:
		return FieldError("ratePerKwh", "The rate per kWh %s is implausibly high.", a.Rate)
	}
	return nil
}

// ReimbursementFilter selects agreements or statements; empty fields match
// everything in the actor's scope.
type ReimbursementFilter struct {
	OwnerID string
	UserID  string
	Month   string // statements: "2026-03"
	Page    Page
}

var monthRe = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// ParseMonth reads a statement month ("2026-03") as its first instant (UTC).
func ParseMonth(s string) (time.Time, error) {
	if !monthRe.MatchString(s) {
		return time.Time{}, FieldError("month", "Month must be YYYY-MM, got %q.", s)
	}
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return time.Time{}, FieldError("month", "Month must be YYYY-MM, got %q.", s)
	}
	return t.UTC(), nil
}

// VATIncluded is the VAT inside a VAT-inclusive amount at rate, rounded half
// up to minor units: amount × rate / (1 + rate).
func VATIncluded(amount int64, rate Decimal) int64 {
	if amount <= 0 || rate.Sign() <= 0 {
		return 0
	}
	num := mul128(uint64(amount), uint64(rate.micro))
	return num.divRound(uint64(decimalScale + rate.micro))
}

// ReimbursementService keeps home reimbursement agreements and statements.
// Owner admins (and above) manage agreements of their owner; a driver reads
// their own statements; the company's staff read theirs.
type ReimbursementService interface {
	CreateReimbursementAgreement(ctx context.Context, a *ReimbursementAgreement) error
	FindReimbursementAgreements(ctx context.Context, f ReimbursementFilter) ([]*ReimbursementAgreement, int, error)
	DeleteReimbursementAgreement(ctx context.Context, id string) error
	// RunReimbursements is the monthly job: one statement per agreement for
	// month (any instant in it), credited to the wallet once. It returns how
	// many statements were new.
	RunReimbursements(ctx context.Context, month time.Time) (int, error)
	FindReimbursementStatements(ctx context.Context, f ReimbursementFilter) ([]*ReimbursementStatement, int, error)
	FindReimbursementStatementByID(ctx context.Context, id string) (*ReimbursementStatement, error)
}
