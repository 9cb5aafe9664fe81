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
	var b bytes.Buffer
	if err := WriteFleetInvoiceCSV(&b, inv); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"month,driver,vehicle,charger,cdr,started_at,stopped_at,energy_kwh,net,vat,gross,currency",
		"2026-03,ann@example.com,AB12 CDE,000123,cdr_1,2026-03-04T18:30:00Z,2026-03-04T19:30:00Z,10.000,3.75,0.75,4.50,GBP",
		"2026-03,'=cmd@example.com,XY99 ZZZ",
		"2026-03,Total,,,3 sessions,,,22.500,8.44,1.69,10.13,GBP",
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
		"Driver: ann@example.com", "AB12 CDE", "2026-03-06 18:30", "0.94", "0.19", "1.13", "Subtotal", "4.69", "0.94", "5.63",
		"Driver: =cmd@example.com", "Total: net 8.44 GBP, VAT 1.69 GBP, gross 10.13 GBP"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF lacks %q:\n%s", want, text)
		}
	}
}
