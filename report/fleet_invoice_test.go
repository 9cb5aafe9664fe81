package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/pdfqr"
)

// TestFleetInvoiceFiles (issue 19 item 3): the invoice's CSV has a line per
// session with net, VAT and gross and exact totals; the PDF's text names
// the parties, each driver with their vehicle's sessions and subtotal, and
// the totals; a driver e-mail cannot smuggle a spreadsheet formula.
func TestFleetInvoiceFiles(t *testing.T) {
	at := time.Date(2026, 3, 4, 18, 30, 0, 0, time.UTC)
	inv := &volt.FleetInvoice{FleetID: "ugr_1", FleetName: "Sales cars", Month: "2026-03", Currency: "GBP", EnergyWh: 22_500,
		Net: 844, VAT: 169, Gross: 1013, Lines: []*volt.FleetCharge{
			{CDRID: "cdr_1", DriverEmail: "ann@example.com", Registration: "AB12 CDE", CPID: "000123", StartedAt: at, StoppedAt: at.Add(time.Hour),
				EnergyWh: 10_000, Net: 375, VAT: 75, Gross: 450},
			{CDRID: "cdr_2", DriverEmail: "ann@example.com", Registration: "AB12 CDE", CPID: "000123", StartedAt: at.Add(48 * time.Hour),
				StoppedAt: at.Add(49 * time.Hour), EnergyWh: 2_500, Net: 94, VAT: 19, Gross: 113},
			{CDRID: "cdr_3", DriverEmail: "=cmd@example.com", Registration: "XY99 ZZZ", CPID: "000777", StartedAt: at, StoppedAt: at.Add(time.Hour),
				EnergyWh: 10_000, Net: 375, VAT: 75, Gross: 450},
		}}
	// A roaming session of ann's (issue 19: the fleet wallet on roaming
	// networks), partly beyond her monthly limit.
	inv.Lines = append(inv.Lines[:2:2], append([]*volt.FleetCharge{{CDRID: "roaming:ocp_1:NGR-1", DriverEmail: "ann@example.com",
		Registration: "AB12 CDE", PartnerID: "ocp_1", PartnerName: "Northern Grid", Location: "Harbour Car Park, Leeds",
		StartedAt: at.Add(72 * time.Hour), StoppedAt: at.Add(73 * time.Hour), EnergyWh: 12_500, Net: 440, VAT: 88, Gross: 528, OverLimit: 42}},
		inv.Lines[2:]...)...)
	inv.EnergyWh, inv.Net, inv.VAT, inv.Gross, inv.OverLimit = 35_000, 1284, 257, 1541, 42
	// Paid in part (issue 19: recording the payment of a fleet invoice).
	inv.Payments = []*volt.FleetInvoicePayment{{Month: "2026-03", Amount: 1000, Currency: "GBP", PaidOn: "2026-04-03", Reference: "BACS 77", Method: "bank_transfer"}}
	inv.Paid, inv.Outstanding, inv.State = 1000, 541, volt.FleetInvoicePartPaid
	var b bytes.Buffer
	if err := WriteFleetInvoiceCSV(&b, inv); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"month,driver,vehicle,charger,cdr,started_at,stopped_at,energy_kwh,net,vat,gross,currency,roaming_network,location,over_limit\n",
		"2026-03,ann@example.com,AB12 CDE,000123,cdr_1,2026-03-04T18:30:00Z,2026-03-04T19:30:00Z,10.000,3.75,0.75,4.50,GBP,,,\n",
		"2026-03,ann@example.com,AB12 CDE,,roaming:ocp_1:NGR-1,2026-03-07T18:30:00Z,2026-03-07T19:30:00Z,12.500,4.40,0.88,5.28,GBP,Northern Grid,\"Harbour Car Park, Leeds\",0.42\n",
		"2026-03,'=cmd@example.com,XY99 ZZZ",
		"2026-03,Total,,,4 sessions,,,35.000,12.84,2.57,15.41,GBP,,,0.42\n",
		"2026-03,Payment,bank_transfer,,BACS 77,2026-04-03,,,,,10.00,GBP,,,\n",
		"2026-03,Outstanding,part_paid,,,,,,,,5.41,GBP,,,\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("CSV lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := WriteFleetInvoicePDF(&b, inv, FleetInvoiceHeading{Issuer: "Spark Networks", Company: "Harbour Car Parks"}); err != nil {
		t.Fatal(err)
	}
	text := pdfqr.Text(t, b.Bytes())
	for _, want := range []string{"Fleet charging invoice - 2026-03", "Spark Networks", "Harbour Car Parks", "Sales cars",
		"Driver: ann@example.com", "AB12 CDE", "2026-03-06 18:30", "0.94", "0.19", "1.13", "Subtotal", "9.09", "1.82", "10.91",
		"Roaming: Northern Grid, Harbour Car Park, Leeds; over the driver's monthly limit by 0.42 GBP", "2026-03-07 18:30", "5.28",
		"Driver: =cmd@example.com", "Total: net 12.84 GBP, VAT 2.57 GBP, gross 15.41 GBP", "beyond drivers' monthly limits (roaming sessions billed after the fact): 0.42 GBP",
		"2026-04-03 bank transfer BACS 77 10.00 GBP", "Paid 10.00 GBP, outstanding 5.41 GBP (part paid)"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF lacks %q:\n%s", want, text)
		}
	}
}
