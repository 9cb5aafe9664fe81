package report

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/volt-ev/volt"
)

// WriteIncomePDF writes the report as a one-page A4 PDF: the totals table
// and a bar chart of income, fees, VAT and net payment drawn with fpdf
// rectangles.
func WriteIncomePDF(w io.Writer, r *volt.IncomeReport, title string) error {
	return writeIncomePDF(w, r, IncomeHeading{Brand: title})
}

func writeIncomePDF(w io.Writer, r *volt.IncomeReport, h IncomeHeading) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(compressPDF)
	title := h.Brand
	if h.Subject != "" {
		title += " - income of " + h.Subject
	}
	pdf.SetTitle(title, true)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 16)
	pdf.CellFormat(0, 10, h.Brand, "", 1, "L", false, 0, "")
	if h.Subject != "" {
		pdf.SetFont("Helvetica", "B", 12)
		pdf.CellFormat(0, 7, "Income of "+h.Subject, "", 1, "L", false, 0, "")
	}
	pdf.SetFont("Helvetica", "", 10)
	pdf.CellFormat(0, 6, fmt.Sprintf("Period %s (UTC) - %d sessions, %s kWh - amounts in %s",
		Period(r.Filter), r.Sessions, kWh(r.EnergyWh), r.Currency), "", 1, "L", false, 0, "")
	pdf.Ln(4)
	for _, row := range incomeRows(r) {
		label, amt := row[0].(string), row[1].(int64)
		style := ""
		if label == "Direct income" || label == "Net payment to you" {
			style = "B"
		}
		pdf.SetFont("Helvetica", style, 10)
		pdf.CellFormat(70, 6, label, "B", 0, "L", false, 0, "")
		pdf.CellFormat(40, 6, Amount(amt, r.Currency), "B", 1, "R", false, 0, "")
	}
	pdf.Ln(8)
	barChart(pdf, r)
	partnerTable(pdf, r)
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("write income pdf: %w", err)
	}
	return nil
}

// compressPDF is off in tests that read the income PDF's text.
var compressPDF = true

// partnerTable lists the third-party (roaming) income per partner below
// the chart (issue 14); nothing when there is none.
func partnerTable(pdf *fpdf.Fpdf, r *volt.IncomeReport) {
	if len(r.ThirdPartyByPartner) == 0 {
		return
	}
	pdf.SetY(215)
	pdf.SetFont("Helvetica", "B", 10)
	pdf.CellFormat(0, 6, "Third-party income by roaming partner (net of VAT)", "", 1, "L", false, 0, "")
	for i, h := range []string{"Partner", "Sessions", "kWh", "Income", "VAT"} {
		pdf.CellFormat([]float64{70, 25, 30, 30, 30}[i], 6, h, "B", 0, "L", false, 0, "")
	}
	pdf.Ln(6)
	pdf.SetFont("Helvetica", "", 9)
	for _, p := range r.ThirdPartyByPartner {
		pdf.CellFormat(70, 5, p.PartnerName, "", 0, "L", false, 0, "")
		pdf.CellFormat(25, 5, strconv.FormatInt(p.Sessions, 10), "", 0, "L", false, 0, "")
		pdf.CellFormat(30, 5, kWh(p.EnergyWh), "", 0, "L", false, 0, "")
		pdf.CellFormat(30, 5, Amount(p.Income, r.Currency), "", 0, "L", false, 0, "")
		pdf.CellFormat(30, 5, Amount(p.VAT, r.Currency), "", 1, "L", false, 0, "")
	}
}

// barChart draws one bar per figure, scaled to the largest, with its label
// and amount.
func barChart(pdf *fpdf.Fpdf, r *volt.IncomeReport) {
	bars := []struct {
		label   string
		v       int64
		r, g, b int
	}{
		{"Direct", r.DirectIncome, 46, 125, 50}, {"3rd party", r.ThirdPartyIncome, 102, 187, 106},
		{"Tx fees", r.TransactionFees, 239, 108, 0}, {"Socket fees", r.SocketFees, 255, 167, 38},
		{"VAT", r.VAT, 120, 144, 156}, {"Net", r.NetPayment, 21, 101, 192},
	}
	var top int64 = 1
	for _, b := range bars {
		top = max(top, b.v, -b.v)
	}
	const x0, base, height, width, gap = 20.0, 200.0, 70.0, 22.0, 6.0
	pdf.SetDrawColor(0, 0, 0)
	pdf.Line(x0-2, base, x0+float64(len(bars))*(width+gap), base)
	pdf.SetFont("Helvetica", "", 8)
	for i, b := range bars {
		h := height * float64(max(b.v, 0)) / float64(top) // page geometry, not money
		x := x0 + float64(i)*(width+gap)
		pdf.SetFillColor(b.r, b.g, b.b)
		pdf.Rect(x, base-h, width, h, "F")
		pdf.Text(x, base+5, b.label)
		pdf.Text(x, base-h-2, Amount(b.v, r.Currency))
	}
}

// Receipt is what a driver's receipt shows: the CDR and, when paid by card,
// its payment.
type Receipt struct {
	Operator string // the CPO's (whitelabel's) name
	CDR      *volt.CDR
	Payment  *volt.Payment
	// Issuer are the lines saying who the receipt is from: legal name,
	// registered address, "VAT no. ...". Card is the card paid with
	// ("Visa ending 4242").
	Issuer []string
	Card   string
}

// WriteReceiptPDF writes a driver's receipt: charger, times, energy, the cost
// per component with VAT, and how it was paid.
func WriteReceiptPDF(w io.Writer, rc Receipt) error {
	c := rc.CDR
	if c == nil || c.TotalCost == nil {
		return volt.Errorf(volt.EUNPROCESSABLE, "A receipt needs a priced CDR.")
	}
	cur := c.TotalCost.Currency
	pdf := fpdf.New("P", "mm", "A5", "")
	pdf.SetTitle("Receipt "+c.ID, true)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 14)
	pdf.CellFormat(0, 8, rc.Operator+" - charging receipt", "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	for _, l := range rc.Issuer {
		pdf.CellFormat(0, 4.5, l, "", 1, "L", false, 0, "")
	}
	pdf.Ln(2)
	facts := [][2]string{
		{"Receipt", c.ID}, {"Charger", c.CPID + " connector " + strconv.Itoa(c.ConnectorID)},
		{"Started", c.StartedAt.UTC().Format(time.RFC3339)}, {"Stopped", c.StoppedAt.UTC().Format(time.RFC3339)},
	}
	if !hasComponent(c.TotalCost, "energy") { // else the energy line says it, once
		facts = append(facts, [2]string{"Energy", kWh(c.EnergyWh) + " kWh"})
	}
	for _, l := range facts {
		pdf.CellFormat(35, 5, l[0], "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 5, l[1], "", 1, "L", false, 0, "")
	}
	pdf.Ln(3)
	pdf.SetFont("Helvetica", "B", 9)
	for _, h := range []string{"Component", "Quantity", "Excl. VAT", "Incl. VAT"} {
		pdf.CellFormat(30, 6, h, "B", 0, "L", false, 0, "")
	}
	pdf.Ln(6)
	pdf.SetFont("Helvetica", "", 9)
	for _, l := range c.TotalCost.Components {
		pdf.CellFormat(30, 5, l.Component, "", 0, "L", false, 0, "")
		pdf.CellFormat(30, 5, l.Quantity+" "+l.Unit, "", 0, "L", false, 0, "")
		pdf.CellFormat(30, 5, Amount(l.ExclVAT, cur), "", 0, "L", false, 0, "")
		pdf.CellFormat(30, 5, Amount(l.InclVAT, cur), "", 1, "L", false, 0, "")
	}
	pdf.SetFont("Helvetica", "B", 9)
	vat := c.TotalCost.InclVAT - c.TotalCost.ExclVAT
	pdf.CellFormat(0, 6, fmt.Sprintf("Total %s %s (of which VAT at %s: %s)", cur, Amount(c.TotalCost.InclVAT, cur),
		c.TotalCost.VATRate, Amount(vat, cur)), "T", 1, "L", false, 0, "")
	if p := c.TotalCost.ExportPayout; p > 0 {
		pdf.SetFont("Helvetica", "", 9)
		pdf.CellFormat(0, 6, fmt.Sprintf("Paid into your wallet, energy given back beyond the cost: %s %s", cur, Amount(p, cur)), "", 1, "L", false, 0, "")
	}
	paid := "Paid by: " + c.PaymentMethod
	if rc.Payment != nil {
		paid = fmt.Sprintf("Paid by %s card: %s %s captured (payment %s)", rc.Payment.Kind, cur, Amount(rc.Payment.Captured, cur), rc.Payment.ID)
	}
	if rc.Card != "" {
		paid = "Paid by " + rc.Card
	}
	pdf.SetFont("Helvetica", "", 9)
	pdf.CellFormat(0, 6, paid, "", 1, "L", false, 0, "")
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("write receipt pdf: %w", err)
	}
	return nil
}

func hasComponent(c *volt.Cost, name string) bool {
	for _, l := range c.Components {
		if l.Component == name {
			return true
		}
	}
	return false
}
