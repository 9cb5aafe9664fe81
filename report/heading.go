package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"time"

	"github.com/volt-ev/volt"
)

// IncomeHeading says whose report it is: the brand of the CPO it is issued
// under and the CPO, owner or site reported on ("Owner Harbour Retail
// Parks").
type IncomeHeading struct {
	Brand   string
	Subject string
}

// Period is the report's one period line, with the last day inclusive
// ("2026-12-01 to 2026-12-31"): the filter's To is exclusive.
func Period(f volt.IncomeFilter) string {
	last := f.To.Add(-time.Nanosecond)
	return f.From.UTC().Format(time.DateOnly) + " to " + last.UTC().Format(time.DateOnly)
}

// WriteIncomePDFWith writes the report as WriteIncomePDF does, headed by
// the brand, the subject and one period line.
func WriteIncomePDFWith(w io.Writer, r *volt.IncomeReport, h IncomeHeading) error {
	return writeIncomePDF(w, r, h)
}

// WriteIncomeCSVWith writes the report as WriteIncomeCSV does, after three
// heading lines: brand, subject, period (first and last day, inclusive).
func WriteIncomeCSVWith(w io.Writer, r *volt.IncomeReport, h IncomeHeading) error {
	cw := csv.NewWriter(w)
	last := r.Filter.To.Add(-time.Nanosecond)
	_ = cw.Write([]string{"brand", h.Brand})
	_ = cw.Write([]string{"report of", h.Subject})
	_ = cw.Write([]string{"period", r.Filter.From.UTC().Format(time.DateOnly), last.UTC().Format(time.DateOnly)})
	_ = cw.Write(nil)
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write income csv heading: %w", err)
	}
	return WriteIncomeCSV(w, r)
}
