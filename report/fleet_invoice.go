package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"codeberg.org/go-pdf/fpdf"

	"github.com/volt-ev/volt"
)

// Issue 19: the monthly fleet invoice, as CSV and PDF. It lists the
// sessions the fleet paid for its drivers, by driver and vehicle, with net,
// VAT and gross in the fleet's currency, and a subtotal per driver.

// FleetInvoiceHeading names the parties on a fleet invoice.
type FleetInvoiceHeading struct {
	Issuer  string // the CPO
	Company string // the owner the fleet belongs to
}

// csvText keeps a cell from being read as a formula by a spreadsheet.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteFleetInvoiceCSV writes the invoice: one line per session, then the
// totals.
func WriteFleetInvoiceCSV(w io.Writer, inv *volt.FleetInvoice) error {
	cw := csv.NewWriter(w)
	write := func(rec ...string) { _ = cw.Write(rec) }
	cur := inv.Currency
	write("month", "driver", "vehicle", "charger", "cdr", "started_at", "stopped_at", "energy_kwh", "net", "vat", "gross", "currency",
		"roaming_network", "location", "over_limit")
	for _, l := range inv.Lines {
		over := ""
		if l.OverLimit > 0 {
			over = Amount(l.OverLimit, cur)
		}
		write(inv.Month, csvText(l.DriverEmail), csvText(l.Registration), csvText(l.CPID), csvText(l.CDRID),
			l.StartedAt.UTC().Format("2006-01-02T15:04:05Z"), l.StoppedAt.UTC().Format("2006-01-02T15:04:05Z"),
			kWh(l.EnergyWh), Amount(l.Net, cur), Amount(l.VAT, cur), Amount(l.Gross, cur), cur,
			csvText(l.PartnerName), csvText(l.Location), over)
	}
	over := ""
	if inv.OverLimit > 0 {
		over = Amount(inv.OverLimit, cur)
	}
	write(inv.Month, "Total", "", "", strconv.Itoa(len(inv.Lines))+" sessions", "", "", kWh(inv.EnergyWh),
		Amount(inv.Net, cur), Amount(inv.VAT, cur), Amount(inv.Gross, cur), cur, "", "", over)
	// Issue 19: the payments received (the method in the vehicle column,
	// the reference in the cdr column, the day in started_at, the amount
	// in gross), then what is outstanding and the invoice's state.
	for _, p := range inv.Payments {
		write(inv.Month, "Payment", p.Method, "", csvText(p.Reference), p.PaidOn, "", "", "", "", Amount(p.Amount, cur), cur, "", "", "")
	}
	if inv.State != "" {
		write(inv.Month, "Outstanding", inv.State, "", "", "", "", "", "", "", Amount(inv.Outstanding, cur), cur, "", "", "")
	}
	return csvDone(cw, "fleet invoice")
}

// fleetLineNote says where a roaming session was and flags a charge
// beyond the driver's monthly limit.
func fleetLineNote(l *volt.FleetCharge, cur string) string {
	var parts []string
	if l.PartnerID != "" {
		parts = append(parts, "Roaming: "+l.Where())
	}
	if l.OverLimit > 0 {
		parts = append(parts, "over the driver's monthly limit by "+Amount(l.OverLimit, cur)+" "+cur)
	}
	return strings.Join(parts, "; ")
}

// WriteFleetInvoicePDF writes the invoice on A4 pages: the parties, a
// table of sessions grouped by driver with a subtotal each, and the totals.
func WriteFleetInvoicePDF(w io.Writer, inv *volt.FleetInvoice, h FleetInvoiceHeading) error {
	if inv == nil {
		return volt.Errorf(volt.EUNPROCESSABLE, "An invoice is required.")
	}
	cur := inv.Currency
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(compressPDF)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.SetTitle("Fleet invoice "+inv.Month+" - "+inv.FleetName, true)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 16)
	pdf.CellFormat(0, 10, "Fleet charging invoice - "+inv.Month, "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	for _, r := range [][2]string{
		{"Issued by", h.Issuer}, {"Company", h.Company}, {"Fleet", inv.FleetName},
		{"Period", inv.Month + " (sessions that ended in the month, UTC)"},
		{"Sessions", fmt.Sprintf("%d, %s kWh", len(inv.Lines), kWh(inv.EnergyWh))},
	} {
		pdf.CellFormat(35, 6, r[0], "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 6, tr(r[1]), "", 1, "L", false, 0, "")
	}
	pdf.Ln(3)
	widths := []float64{32, 28, 22, 20, 26, 26, 26}
	header := func() {
		pdf.SetFont("Helvetica", "B", 9)
		for i, c := range []string{"Started (UTC)", "Vehicle", "Charger", "kWh", "Net", "VAT", "Gross"} {
			pdf.CellFormat(widths[i], 6, c, "B", 0, map[bool]string{true: "L", false: "R"}[i < 3], false, 0, "")
		}
		pdf.Ln(-1)
	}
	row := func(style string, cells ...string) {
		pdf.SetFont("Helvetica", style, 9)
		for i, c := range cells {
			pdf.CellFormat(widths[i], 5, tr(c), "", 0, map[bool]string{true: "L", false: "R"}[i < 3], false, 0, "")
		}
		pdf.Ln(-1)
	}
	header()
	var driver string
	var sub volt.FleetInvoice
	flush := func() {
		if driver == "" {
			return
		}
		row("B", "Subtotal", "", "", kWh(sub.EnergyWh), Amount(sub.Net, cur), Amount(sub.VAT, cur), Amount(sub.Gross, cur))
		pdf.Ln(2)
	}
	for _, l := range inv.Lines {
		if l.DriverEmail != driver || driver == "" {
			flush()
			driver, sub = l.DriverEmail, volt.FleetInvoice{}
			if driver == "" {
				driver = l.UserID
			}
			pdf.SetFont("Helvetica", "B", 10)
			pdf.CellFormat(0, 6, tr("Driver: "+driver), "", 1, "L", false, 0, "")
		}
		charger := l.CPID
		if l.PartnerID != "" {
			charger = "Roaming"
		}
		row("", l.StartedAt.UTC().Format("2006-01-02 15:04"), l.Registration, charger, kWh(l.EnergyWh),
			Amount(l.Net, cur), Amount(l.VAT, cur), Amount(l.Gross, cur))
		if note := fleetLineNote(l, cur); note != "" {
			pdf.SetFont("Helvetica", "I", 8)
			pdf.CellFormat(0, 4, tr("    "+note), "", 1, "L", false, 0, "")
		}
		sub.EnergyWh += l.EnergyWh
		sub.Net += l.Net
		sub.VAT += l.VAT
		sub.Gross += l.Gross
	}
	flush()
	if len(inv.Lines) == 0 {
		pdf.SetFont("Helvetica", "", 10)
		pdf.CellFormat(0, 6, "The fleet paid for no sessions in this month.", "", 1, "L", false, 0, "")
	}
	pdf.Ln(2)
	pdf.SetFont("Helvetica", "B", 10)
	pdf.CellFormat(0, 7, fmt.Sprintf("Total: net %s %s, VAT %s %s, gross %s %s", Amount(inv.Net, cur), cur, Amount(inv.VAT, cur), cur,
		Amount(inv.Gross, cur), cur), "T", 1, "L", false, 0, "")
	if inv.OverLimit > 0 {
		pdf.SetFont("Helvetica", "", 9)
		pdf.CellFormat(0, 6, fmt.Sprintf("Of which beyond drivers' monthly limits (roaming sessions billed after the fact): %s %s",
			Amount(inv.OverLimit, cur), cur), "", 1, "L", false, 0, "")
	}
	if inv.State != "" {
		pdf.Ln(2)
		pdf.SetFont("Helvetica", "B", 10)
		pdf.CellFormat(0, 6, "Payments", "", 1, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 9)
		for _, p := range inv.Payments {
			pdf.CellFormat(0, 5, tr(fmt.Sprintf("%s %s %s %s %s", p.PaidOn, strings.ReplaceAll(p.Method, "_", " "), p.Reference,
				Amount(p.Amount, cur), cur)), "", 1, "L", false, 0, "")
		}
		pdf.SetFont("Helvetica", "B", 10)
		pdf.CellFormat(0, 6, fmt.Sprintf("Paid %s %s, outstanding %s %s (%s)", Amount(inv.Paid, cur), cur, Amount(inv.Outstanding, cur), cur,
			strings.ReplaceAll(inv.State, "_", " ")), "", 1, "L", false, 0, "")
	}
	pdf.SetFont("Helvetica", "", 8)
	pdf.MultiCell(0, 4, "Each session's VAT is the VAT of its tariff (of a roaming session: the partner's VAT rate, on its cost and the roaming margin); amounts are exact to the minor unit and sum to the totals.", "", "L", false)
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("write fleet invoice pdf: %w", err)
	}
	return nil
}
