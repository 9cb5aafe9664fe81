package report

import (
	"fmt"
	"io"

	"codeberg.org/go-pdf/fpdf"
	"github.com/volt-ev/volt"
)

// ClaimStatement is a driver's monthly home reimbursement claim checked by
// telematics (issue 19), with its payout once paid and the names to print.
type ClaimStatement struct {
	Company string // the owner reimbursing
	Driver  string
	Vehicle string // make, model and registration
	Claim   *volt.ReimbursementClaim
	Payout  *volt.ClaimPayout // nil until paid
}

// payoutHow says in words how a payout reached the driver.
func payoutHow(p *volt.ClaimPayout) string {
	switch p.Method {
	case volt.PayoutBacs18:
		return "by Bacs bank transfer, reference " + p.Reference
	case volt.PayoutPayrollCSV:
		return "with your salary through payroll, reference " + p.Reference
	case volt.PayoutWallet:
		return "credited to your Volt wallet"
	}
	return "by " + p.Method
}

var claimStateWords = map[string]string{
	volt.ClaimMatched: "matched by telematics", volt.ClaimApproved: "approved by the fleet manager",
	volt.ClaimRejected: "rejected - not paid", volt.ClaimFlagged: "flagged - awaits the fleet manager",
	volt.ClaimPending: "waits for the telematics provider",
}

// WriteClaimStatementPDF writes the claim's statement: each home session
// with its verdict (matched, approved, rejected), the energy and amount
// paid at the agreed rate, and what was paid, how and when; a claim not
// yet paid says so.
func WriteClaimStatementPDF(w io.Writer, s ClaimStatement) error {
	c := s.Claim
	if c == nil {
		return volt.Errorf(volt.EUNPROCESSABLE, "A claim is required.")
	}
	cur := c.Currency
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(compressPDF)
	pdf.SetTitle("Home charging reimbursement claim "+c.Month, true)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 14)
	pdf.CellFormat(0, 8, "Home charging reimbursement claim - "+c.Month, "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	for _, l := range [][2]string{
		{"Claim", c.ID}, {"Company", s.Company}, {"Driver", s.Driver}, {"Company vehicle", s.Vehicle},
		{"Home charger", c.CPID}, {"Rate", cur + " " + c.Rate.String() + " per kWh"},
	} {
		pdf.CellFormat(35, 5, l[0], "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 5, l[1], "", 1, "L", false, 0, "")
	}
	pdf.Ln(3)
	pdf.SetFont("Helvetica", "B", 9)
	for _, h := range [][2]any{{"Started (UTC)", 35.0}, {"Stopped (UTC)", 35.0}, {"kWh", 20.0}, {"Verdict", 0.0}} {
		pdf.CellFormat(h[1].(float64), 6, h[0].(string), "B", 0, "L", false, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("Helvetica", "", 8)
	for _, cs := range c.Sessions {
		pdf.CellFormat(35, 5, cs.StartedAt.UTC().Format("2006-01-02 15:04"), "", 0, "L", false, 0, "")
		pdf.CellFormat(35, 5, cs.StoppedAt.UTC().Format("2006-01-02 15:04"), "", 0, "L", false, 0, "")
		pdf.CellFormat(20, 5, kWh(cs.EnergyWh), "", 0, "L", false, 0, "")
		verdict := claimStateWords[cs.State]
		if verdict == "" {
			verdict = cs.State
		}
		pdf.CellFormat(0, 5, verdict, "", 1, "L", false, 0, "")
	}
	if len(c.Sessions) == 0 {
		pdf.CellFormat(0, 5, "No sessions on the home charger this month.", "", 1, "L", false, 0, "")
	}
	pdf.Ln(3)
	pdf.SetFont("Helvetica", "B", 9)
	pdf.CellFormat(0, 6, fmt.Sprintf("Reimbursed energy: %s kWh - amount %s %s", kWh(c.PaidWh), cur, Amount(c.Amount, cur)), "T", 1, "L", false, 0, "")
	if p := s.Payout; p != nil {
		pdf.CellFormat(0, 6, fmt.Sprintf("Paid %s %s on %s %s", p.Currency, Amount(p.Amount, p.Currency),
			p.CreatedAt.UTC().Format("2 January 2006"), payoutHow(p)), "", 1, "L", false, 0, "")
	} else {
		pdf.CellFormat(0, 6, "Not paid yet (claim "+c.State+").", "", 1, "L", false, 0, "")
	}
	pdf.SetFont("Helvetica", "", 8)
	pdf.MultiCell(0, 4, "Only sessions the company vehicle's telematics confirmed (the car at home, its battery gaining "+
		"energy consistent with the metered kWh) or that the fleet manager approved are reimbursed.", "", "L", false)
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("write claim statement pdf: %w", err)
	}
	return nil
}
