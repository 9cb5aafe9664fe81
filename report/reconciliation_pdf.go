package report

import (
	"fmt"
	"io"
	"strconv"

	"codeberg.org/go-pdf/fpdf"

	"github.com/volt-ev/volt"
)

// reconSection is one part of the reconciliation PDF: the lines of one
// state, what it means, and whose record is missing.
type reconSection struct {
	status, title, meaning string
}

// reconSections are the PDF's parts in the order a reader settles them:
// what agrees, then each side's gaps, then the amounts that differ.
var reconSections = []reconSection{
	{volt.ReconMatched, "Matched", "Their CDR and our payable agree."},
	{volt.ReconNoCDR, "Missing on their side", "A session they reported completed, with no CDR from them yet."},
	{volt.ReconNotBilled, "Missing on our side", "Their CDR, with nothing owed on our books: no driver of ours had that token."},
	{volt.ReconAmountDiffers, "Amount differs", "Their CDR's cost and what we owe for it differ."},
}

// WriteReconciliationPDF writes a partner CPO's monthly roaming
// reconciliation (issue 14) as an A4 PDF: the totals (their CDRs and cost,
// our payable, the difference, counts per state), then the lines of each
// state with their CDR's cost against our payable and a subtotal.
func WriteReconciliationPDF(w io.Writer, r *volt.RoamingReconciliation, brand string) error {
	if r == nil {
		return volt.Errorf(volt.EUNPROCESSABLE, "A reconciliation is required.")
	}
	cur := r.Currency
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(compressPDF)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.SetTitle("Roaming reconciliation "+r.Month+" - "+r.PartnerName, true)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 16)
	pdf.CellFormat(0, 10, tr("Roaming reconciliation - "+r.Month), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	counts := map[string]int{}
	for _, l := range r.Lines {
		counts[l.Status]++
	}
	facts := [][2]string{{"Prepared by", brand}, {"Partner CPO", r.PartnerName + " (" + r.PartnerID + ")"},
		{"Period", r.Month + " (CDRs and sessions that ended in the month, UTC)"}, {"Currency", cur}}
	for _, f := range facts {
		pdf.CellFormat(35, 6, f[0], "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 6, tr(f[1]), "", 1, "L", false, 0, "")
	}
	pdf.Ln(3)
	totals := [][2]string{
		{"Their CDRs", strconv.Itoa(r.TheirCDRs)},
		{"Their total (incl. VAT)", Amount(r.TheirTotal, cur)},
		{"Our payable", Amount(r.Payable, cur)},
		{"Difference (theirs - ours)", Amount(r.TheirTotal-r.Payable, cur)},
		{"Lines to settle", strconv.Itoa(r.Mismatches)},
	}
	for _, s := range reconSections {
		totals = append(totals, [2]string{s.title, strconv.Itoa(counts[s.status])})
	}
	for _, t := range totals {
		pdf.SetFont("Helvetica", map[bool]string{true: "B", false: ""}[t[0] == "Difference (theirs - ours)"], 10)
		pdf.CellFormat(70, 6, t[0], "B", 0, "L", false, 0, "")
		pdf.CellFormat(40, 6, t[1], "B", 1, "R", false, 0, "")
	}
	for _, s := range reconSections {
		reconLines(pdf, tr, r, s)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("write reconciliation pdf: %w", err)
	}
	return nil
}

// reconLines writes one state's section: its lines and their subtotal;
// "None." when it has none.
func reconLines(pdf *fpdf.Fpdf, tr func(string) string, r *volt.RoamingReconciliation, s reconSection) {
	cur := r.Currency
	widths := []float64{40, 40, 30, 28, 26, 26}
	pdf.Ln(5)
	pdf.SetFont("Helvetica", "B", 12)
	pdf.CellFormat(0, 7, s.title, "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "I", 9)
	pdf.CellFormat(0, 5, s.meaning, "", 1, "L", false, 0, "")
	var n int
	var theirs, ours int64
	for _, l := range r.Lines {
		if l.Status != s.status {
			continue
		}
		if n == 0 {
			pdf.SetFont("Helvetica", "B", 9)
			for i, c := range []string{"CDR", "Session", "Token", "Ended (UTC)", "Their cost", "Our payable"} {
				pdf.CellFormat(widths[i], 6, c, "B", 0, map[bool]string{true: "L", false: "R"}[i < 4], false, 0, "")
			}
			pdf.Ln(-1)
		}
		n++
		theirs, ours = theirs+l.TheirCost, ours+l.OurPayable
		ended := l.EndedAt
		if len(ended) > 16 {
			ended = ended[:10] + " " + ended[11:16]
		}
		cells := []string{orDash(l.CDRID), orDash(l.SessionID), orDash(l.TokenUID), ended, Amount(l.TheirCost, cur), Amount(l.OurPayable, cur)}
		if s.status == volt.ReconNoCDR { // no CDR: no cost of theirs to compare
			cells[4], cells[5] = "-", "-"
		}
		pdf.SetFont("Helvetica", "", 9)
		for i, c := range cells {
			pdf.CellFormat(widths[i], 5, tr(clip(c, 24)), "", 0, map[bool]string{true: "L", false: "R"}[i < 4], false, 0, "")
		}
		pdf.Ln(-1)
	}
	pdf.SetFont("Helvetica", "", 9)
	if n == 0 {
		pdf.CellFormat(0, 5, "None.", "", 1, "L", false, 0, "")
		return
	}
	if s.status == volt.ReconNoCDR {
		pdf.CellFormat(0, 5, fmt.Sprintf("Sessions without a CDR: %d", n), "T", 1, "L", false, 0, "")
		return
	}
	pdf.SetFont("Helvetica", "B", 9)
	pdf.CellFormat(widths[0]+widths[1]+widths[2]+widths[3], 5, fmt.Sprintf("Subtotal of %d CDRs", n), "T", 0, "L", false, 0, "")
	pdf.CellFormat(widths[4], 5, Amount(theirs, cur), "T", 0, "R", false, 0, "")
	pdf.CellFormat(widths[5], 5, Amount(ours, cur), "T", 1, "R", false, 0, "")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// clip shortens s to n characters (ids longer than a column).
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "~"
}
