package report

import (
	"bytes"
	"image"
	"strings"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/pdfqr"
)

func stickerCharger(cpid string) *volt.Charger {
	return &volt.Charger{CPID: cpid, Connectors: []volt.Connector{
		{ConnectorID: 1, Type: volt.ConnectorCCS2, PowerType: volt.PowerDC, MaxPowerW: 50_000},
		{ConnectorID: 2, Type: volt.ConnectorType2Socket, PowerType: volt.PowerAC3Phase, MaxPowerW: 22_000},
		{ConnectorID: 3},
	}}
}

var stickerBrand = Brand{Name: "Zap Énergie", PrimaryColor: "#0b6e4f", AccentColor: "#ffd23f", Phone: "0800 123 4567", Email: "help@zap.example"}

func TestConnectorLabel(t *testing.T) {
	s := StickerFor(stickerCharger("GB-ZAP-1"), "u")
	want := []string{"1: CCS DC 50 kW", "2: Type 2 AC 22 kW", "3: connector"}
	if strings.Join(s.Connectors, "|") != strings.Join(want, "|") {
		t.Errorf("connector labels %q, want %q", s.Connectors, want)
	}
	k := volt.Connector{ConnectorID: 1, Type: volt.ConnectorType2Tethered, PowerType: volt.PowerAC1Phase, MaxPowerW: 7_400}
	if got := ConnectorLabel(k); got != "1: Type 2 (cable) AC 7.4 kW" {
		t.Errorf("ConnectorLabel = %q", got)
	}
}

// TestStickerQR renders the sticker as a printer would and reads its QR
// code: it must open the charger's page.
func TestStickerQR(t *testing.T) {
	const url = "https://charge.example.com/app/c/GB-ZAP-0001"
	var b bytes.Buffer
	if err := WriteStickerPDF(&b, stickerBrand, StickerFor(stickerCharger("GB-ZAP-0001"), url)); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.20q", b.Bytes())
	}
	pages := pdfqr.Pages(t, b.Bytes(), 200)
	if len(pages) != 1 {
		t.Fatalf("%d pages, want 1", len(pages))
	}
	got, err := pdfqr.Decode(pages[0], image.Rectangle{})
	if err != nil {
		t.Fatal(err)
	}
	if got != url {
		t.Errorf("QR code reads %q, want %q", got, url)
	}
}

// TestStickerSheet puts 9 stickers on A4 label sheets: two pages, each
// label's QR code opening its own charger.
func TestStickerSheet(t *testing.T) {
	var ss []Sticker
	for i := range 9 {
		cpid := "GB-ZAP-" + string(rune('A'+i))
		ss = append(ss, StickerFor(stickerCharger(cpid), "https://x.example/app/c/"+cpid))
	}
	var b bytes.Buffer
	if err := WriteStickerSheetPDF(&b, stickerBrand, ss); err != nil {
		t.Fatal(err)
	}
	const dpi = 150
	pages := pdfqr.Pages(t, b.Bytes(), dpi)
	if len(pages) != 2 {
		t.Fatalf("%d pages, want 2", len(pages))
	}
	px := func(mm float64) int { return int(mm * dpi / 25.4) }
	for i, s := range ss {
		n := i % labelsPerSheet
		x, y := labelLeft+float64(n%2)*labelPitchX, labelTop+float64(n/2)*labelRow
		r := image.Rect(px(x), px(y), px(x+labelW), px(y+labelH))
		got, err := pdfqr.Decode(pages[i/labelsPerSheet], r)
		if err != nil {
			t.Fatalf("label %d: %v", i, err)
		}
		if got != s.URL {
			t.Errorf("label %d reads %q, want %q", i, got, s.URL)
		}
	}
	if err := WriteStickerSheetPDF(&b, stickerBrand, nil); volt.ErrorCode(err) != volt.EUNPROCESSABLE {
		t.Errorf("empty sheet: %v, want unprocessable", err)
	}
}

func TestPriceLines(t *testing.T) {
	max := volt.NewDecimalInt(30)
	tf := &volt.Tariff{Currency: "GBP", VATRate: dec(t, "0.20"), EnergyPricePerKWh: dec(t, "0.795"),
		SessionFee: dec(t, "1.00"), IdleFeePerMinute: dec(t, "0.10"), IdleGraceMinutes: 30, MaxPrice: &max}
	got := strings.Join(PriceLines(tf), "|")
	want := "79.5p per kWh including VAT (VAT 20%)|plus GBP 1.00 per session|overstay fee GBP 0.10 per minute after 30 minutes of not charging"
	if got != want {
		t.Errorf("PriceLines =\n%s\nwant\n%s", got, want)
	}
	eur := &volt.Tariff{Currency: "EUR", VATRate: dec(t, "0.19"), EnergyPricePerKWh: dec(t, "0.59")}
	if got := PriceLines(eur)[0]; got != "EUR 0.59 per kWh including VAT (VAT 19%)" {
		t.Errorf("EUR line %q", got)
	}
}

func TestPosterPDF(t *testing.T) {
	tf := &volt.Tariff{Name: "Public", Currency: "GBP", VATRate: dec(t, "0.20"), EnergyPricePerKWh: dec(t, "0.45")}
	p := Poster{SiteName: "Market Street car park", Address: "1 Market St, Leeds", AppURL: "https://charge.example.com/app",
		Prices: []Price{{Label: "Rapid chargers", Tariff: tf}}, Amenities: []string{"Step-free access", "Toilets"},
		Chargers: []Sticker{StickerFor(stickerCharger("GB-ZAP-1"), "")}}
	var b bytes.Buffer
	if err := WritePosterPDF(&b, stickerBrand, p); err != nil {
		t.Fatal(err)
	}
	pages := pdfqr.Pages(t, b.Bytes(), 150)
	// The QR code sits top right, beside the address.
	px := func(mm float64) int { return int(mm * 150 / 25.4) }
	got, err := pdfqr.Decode(pages[0], image.Rect(px(140), px(35), px(205), px(90)))
	if err != nil {
		t.Fatal(err)
	}
	if got != p.AppURL {
		t.Errorf("poster QR %q, want %q", got, p.AppURL)
	}
}

func dec(t *testing.T, s string) volt.Decimal {
	t.Helper()
	d, err := volt.ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
