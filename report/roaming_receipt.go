package report

import (
	"fmt"
	"io"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/volt-ev/volt"
)

// WriteRoamingReceiptPDF writes a driver's receipt of a session on a
// partner's network (issue 14), in the layout of WriteReceiptPDF: the
// operator, the partner network and location, times, energy, the
// partner's cost with its VAT, the roaming margin, the total and how it
// was paid.
func WriteRoamingReceiptPDF(w io.Writer, operator string, issuer []string, r *volt.RoamingReceipt) error {
	if r == nil {
		return volt.Errorf(volt.EUNPROCESSABLE, "A receipt needs a billed CDR.")
	}
	b, cur := &r.Bill, r.Bill.Currency
	pdf := fpdf.New("P", "mm", "A5", "")
	pdf.SetTitle("Receipt "+b.CDRID, true)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 14)
	pdf.CellFormat(0, 8, operator+" - charging receipt", "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	for _, l := range issuer {
		pdf.CellFormat(0, 4.5, l, "", 1, "L", false, 0, "")
	}
	pdf.Ln(2)
	rows := [][2]string{
		{"Receipt", b.CDRID}, {"Partner network", r.PartnerName}, {"Location", r.LocationName}, {"Address", r.Address},
		{"Charge point", r.EVSEID}, {"Started", stamp(r.StartedAt)}, {"Stopped", stamp(r.StoppedAt)},
		{"Energy", kWh(r.EnergyWh) + " kWh"},
		{"Partner's price excl. VAT", cur + " " + Amount(r.CostExclVAT, cur)},
		{"VAT in the partner's price", cur + " " + Amount(r.CostVAT, cur)},
		{"Partner's price incl. VAT", cur + " " + Amount(b.Cost, cur)},
		{"Roaming margin (" + r.MarginPercent.String() + " %)", cur + " " + Amount(b.Margin, cur)},
	}
	for _, l := range rows {
		pdf.CellFormat(50, 5, l[0], "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 5, l[1], "", 1, "L", false, 0, "")
	}
	pdf.SetFont("Helvetica", "B", 9)
	pdf.CellFormat(0, 6, fmt.Sprintf("Total %s %s", cur, Amount(b.Total, cur)), "T", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	pdf.CellFormat(0, 6, volt.RoamingPaidBy(b, r.Card), "", 1, "L", false, 0, "")
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("write roaming receipt pdf: %w", err)
	}
	return nil
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
