package report

import (
	"fmt"
	"io"

	"codeberg.org/go-pdf/fpdf"
	"github.com/volt-ev/volt"
)

// Statement is a driver's monthly home reimbursement statement with the
// names to print on it.
type Statement struct {
	Company string // the owner reimbursing
	Driver  string
	St      *volt.ReimbursementStatement
}

// WriteStatementPDF writes a home reimbursement statement: the month, the
// home charger, sessions and energy, the rate per kWh and the amount
// credited to the wallet with the VAT in it at the domestic rate.
func WriteStatementPDF(w io.Writer, s Statement) error {
	st := s.St
	if st == nil {
		return volt.Errorf(volt.EUNPROCESSABLE, "A statement is required.")
	}
	cur := st.Currency
	pdf := fpdf.New("P", "mm", "A5", "")
	pdf.SetTitle("Home reimbursement statement "+st.Month, true)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 14)
	pdf.CellFormat(0, 8, "Home charging reimbursement - "+st.Month, "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	charger := st.CPID
	if charger == "" {
		charger = "the company's chargers"
	}
	for _, l := range [][2]string{
		{"Statement", st.ID}, {"Company", s.Company}, {"Driver", s.Driver}, {"Home charger", charger},
		{"Sessions", fmt.Sprint(st.Sessions)}, {"Energy", kWh(st.EnergyWh) + " kWh"},
		{"Rate", cur + " " + st.Rate.String() + " per kWh, VAT included"},
	} {
		pdf.CellFormat(35, 5, l[0], "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 5, l[1], "", 1, "L", false, 0, "")
	}
	pdf.Ln(3)
	pdf.SetFont("Helvetica", "B", 9)
	pdf.CellFormat(0, 6, fmt.Sprintf("Credited to your wallet: %s %s (of which VAT at %s: %s %s)", cur, Amount(st.Amount, cur),
		st.VATRate, cur, Amount(st.VAT, cur)), "T", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 8)
	pdf.MultiCell(0, 4, "Domestic energy is stated at the reduced VAT rate. The energy is the sum of the sessions on the "+
		"home charger that ended in this month (UTC).", "", "L", false)
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("write statement pdf: %w", err)
	}
	return nil
}
