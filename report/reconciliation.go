package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/volt-ev/volt"
)

// WriteReconciliationCSV writes a partner's monthly roaming
// reconciliation: the totals, then one line per CDR or session.
func WriteReconciliationCSV(w io.Writer, r *volt.RoamingReconciliation) error {
	cw := csv.NewWriter(w)
	write := func(rec ...string) { _ = cw.Write(rec) }
	write("partner", "partner_id", "month", "currency", "their_cdrs", "their_total", "payable", "mismatches")
	write(r.PartnerName, r.PartnerID, r.Month, r.Currency, strconv.Itoa(r.TheirCDRs), Amount(r.TheirTotal, r.Currency),
		Amount(r.Payable, r.Currency), strconv.Itoa(r.Mismatches))
	write()
	write("cdr_id", "session_id", "token_uid", "ended_at", "their_cost", "our_payable", "status")
	for _, l := range r.Lines {
		write(l.CDRID, l.SessionID, l.TokenUID, l.EndedAt, Amount(l.TheirCost, r.Currency), Amount(l.OurPayable, r.Currency), l.Status)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write reconciliation csv: %w", err)
	}
	return nil
}
