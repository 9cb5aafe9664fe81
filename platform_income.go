package volt

import (
	"context"
	"time"
)

// PlatformIncomeFilter selects the months of the platform's own income
// report: [From, To) cut into calendar months (UTC), optionally one CPO.
type PlatformIncomeFilter struct {
	CPOID string    `json:"cpoId,omitempty"`
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
}

// MaxPlatformIncomeMonths bounds a platform income report.
const MaxPlatformIncomeMonths = 36

// Validate checks the filter: a non-empty period of at most
// MaxPlatformIncomeMonths months.
func (f *PlatformIncomeFilter) Validate() error {
	if !f.From.Before(f.To) {
		return FieldError("to", "The report period must end after it starts.")
	}
	if len(Months(f.From, f.To)) > MaxPlatformIncomeMonths {
		return FieldError("to", "A platform income report covers at most %d months.", MaxPlatformIncomeMonths)
	}
	return nil
}

// Months returns the calendar months (UTC) that [from, to) touches, each
// as its [start, end) clipped to the period.
func Months(from, to time.Time) [][2]time.Time {
	var out [][2]time.Time
	from, to = from.UTC(), to.UTC()
	for s := from; s.Before(to); {
		e := time.Date(s.Year(), s.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
		if e.After(to) {
			e = to
		}
		out = append(out, [2]time.Time{s, e})
		s = e
		if len(out) > MaxPlatformIncomeMonths {
			break
		}
	}
	return out
}

// PlatformIncomeLine is what the platform earned from one CPO in one month:
// transaction fees on the CPO's charged sessions and socket fees billed
// for periods starting that month. Fees include VAT at the CPO's fee VAT
// rate; VAT is that part, stated separately, and FeesExclVAT the rest.
type PlatformIncomeLine struct {
	CPOID           string `json:"cpoId"`
	CPOName         string `json:"cpoName"`
	Month           string `json:"month"` // "2026-03"
	Currency        string `json:"currency"`
	Sessions        int64  `json:"sessions"`
	TransactionFees int64  `json:"transactionFees"`
	SocketFees      int64  `json:"socketFees"`
	Fees            int64  `json:"fees"`
	VAT             int64  `json:"vat"`
	FeesExclVAT     int64  `json:"feesExclVat"`
}

// Add adds o's amounts to l.
func (l *PlatformIncomeLine) Add(o PlatformIncomeLine) {
	l.Sessions += o.Sessions
	l.TransactionFees += o.TransactionFees
	l.SocketFees += o.SocketFees
	l.Fees += o.Fees
	l.VAT += o.VAT
	l.FeesExclVAT += o.FeesExclVAT
}

// PlatformIncomeReport is the super admin's own income: a line per CPO and
// month with any fee, and totals per currency (never summed across
// currencies).
type PlatformIncomeReport struct {
	Filter PlatformIncomeFilter `json:"filter"`
	Lines  []PlatformIncomeLine `json:"lines"`
	Totals []PlatformIncomeLine `json:"totals"` // per currency; CPOID and Month empty
}

// PlatformReportService answers the platform's own income report: super
// admins only (anyone else ENOTFOUND: it is outside every tenant's scope).
type PlatformReportService interface {
	PlatformIncome(ctx context.Context, f PlatformIncomeFilter) (*PlatformIncomeReport, error)
}
