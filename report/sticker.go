package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"codeberg.org/go-pdf/fpdf"
	"github.com/skip2/go-qrcode"

	"github.com/volt-ev/volt"
)

// Brand is whose name, colours and helpline a sticker or poster carries:
// the CPO's theme.
type Brand struct {
	Name         string
	PrimaryColor string // #rrggbb; "" for the default
	AccentColor  string // #rrggbb; "" for the default
	Phone        string // the helpline's phone, may be ""
	Email        string // the helpline's e-mail, may be ""
}

// Helpline is the brand's contact as one line ("" when none is known).
func (b Brand) Helpline() string {
	return strings.Join(nonEmpty(b.Phone, b.Email), " - ")
}

// Sticker is what one charger's sticker shows: its CPID large, a QR code of
// URL (the driver app's charger page) and the connector labels.
type Sticker struct {
	CPID       string
	URL        string
	Connectors []string // one label per connector, see ConnectorLabel
}

// StickerFor returns the sticker of a charger whose driver app page is url.
func StickerFor(c *volt.Charger, url string) Sticker {
	s := Sticker{CPID: c.CPID, URL: url}
	for _, k := range c.Connectors {
		s.Connectors = append(s.Connectors, ConnectorLabel(k))
	}
	return s
}

// ConnectorLabel says a connector in a driver's words: "1: CCS DC 50 kW";
// facts the operator has not set are left out.
func ConnectorLabel(k volt.Connector) string {
	parts := []string{strconv.Itoa(k.ConnectorID) + ":"}
	parts = append(parts, nonEmpty(k.Type.Label(), k.PowerType.Label())...)
	if k.MaxPowerW > 0 {
		parts = append(parts, volt.DecimalFromMinor(int64(k.MaxPowerW), 3).String()+" kW")
	}
	if len(parts) == 1 {
		parts = append(parts, "connector")
	}
	return strings.Join(parts, " ")
}

// Price is a public price of a poster: the Public tariff of a charger group.
type Price struct {
	Label  string // the charger group's name
	Tariff *volt.Tariff
}

// Poster is a site's signage: how to charge, the public prices including
// VAT, the helpline and the accessibility notes.
type Poster struct {
	SiteName  string
	Address   string
	AppURL    string // the driver app, shown as text and a QR code
	Prices    []Price
	Amenities []string
	Chargers  []Sticker
}

// Label sheet geometry (mm): A4 with 2 x 4 labels of 99.1 x 67.7 mm, the
// common "8 per sheet" layout.
const (
	labelW, labelH        = 99.1, 67.7
	labelLeft, labelTop   = 4.65, 13.1
	labelPitchX, labelRow = 101.6, 67.7
	labelsPerSheet        = 8
)

// WriteStickerPDF writes one charger's sticker as a one-page PDF the size
// of a label.
func WriteStickerPDF(w io.Writer, b Brand, s Sticker) error {
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", Size: fpdf.SizeType{Wd: labelW, Ht: labelH}})
	pdf.SetTitle("Sticker "+s.CPID, true)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(0, 0, 0)
	pdf.AddPage()
	drawSticker(pdf, 0, 0, b, s)
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("write sticker pdf: %w", err)
	}
	return nil
}

// WriteStickerSheetPDF writes the stickers on A4 label sheets, 2 x 4 per
// page, as many pages as needed. No stickers is EUNPROCESSABLE.
func WriteStickerSheetPDF(w io.Writer, b Brand, stickers []Sticker) error {
	if len(stickers) == 0 {
		return volt.Errorf(volt.EUNPROCESSABLE, "There are no chargers to print stickers for.")
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle(b.Name+" charger stickers", true)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(0, 0, 0)
	for i, s := range stickers {
		if i%labelsPerSheet == 0 {
			pdf.AddPage()
		}
		n := i % labelsPerSheet
		drawSticker(pdf, labelLeft+float64(n%2)*labelPitchX, labelTop+float64(n/2)*labelRow, b, s)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("write sticker sheet pdf: %w", err)
	}
	return nil
}

// drawSticker draws one label with its top left corner at x, y: the brand
// band, the QR code on the left, the CPID, connectors and helpline on the
// right.
func drawSticker(pdf *fpdf.Fpdf, x, y float64, b Brand, s Sticker) {
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pr, pg, pb := rgb(b.PrimaryColor, 21, 101, 192)
	ar, ag, ab := rgb(b.AccentColor, 255, 193, 7)
	pdf.SetDrawColor(200, 200, 200)
	pdf.Rect(x, y, labelW, labelH, "D")
	// Brand band.
	pdf.SetFillColor(pr, pg, pb)
	pdf.Rect(x, y, labelW, 11, "F")
	pdf.SetFillColor(ar, ag, ab)
	pdf.Rect(x, y+11, labelW, 1.2, "F")
	pdf.SetTextColor(textOn(pr, pg, pb))
	pdf.SetFont("Helvetica", "B", 14)
	pdf.SetXY(x+3, y+1.5)
	pdf.CellFormat(labelW-6, 8, tr(b.Name), "", 0, "L", false, 0, "")
	// QR code of the charger page.
	drawQR(pdf, s.URL, x+2, y+14, 44)
	// CPID, scan line, connectors.
	tx, tw := x+48, labelW-50
	pdf.SetTextColor(0, 0, 0)
	pdf.SetFont("Helvetica", "", 7)
	pdf.SetXY(tx, y+14)
	pdf.CellFormat(tw, 4, "Charger ID", "", 2, "L", false, 0, "")
	pdf.SetFont("Helvetica", "B", fitSize(pdf, s.CPID, tw-3, 22))
	pdf.CellFormat(tw, 10, tr(s.CPID), "", 2, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 7.5)
	pdf.MultiCell(tw, 3.5, "Scan to charge and pay, or open the app and enter the charger ID.", "", "L", false)
	pdf.SetX(tx)
	pdf.SetFont("Helvetica", "B", 8)
	for _, c := range s.Connectors {
		pdf.SetX(tx)
		pdf.CellFormat(tw, 4, tr(c), "", 2, "L", false, 0, "")
	}
	// Helpline at the foot.
	if h := b.Helpline(); h != "" {
		pdf.SetFont("Helvetica", "", 7.5)
		pdf.SetXY(x+3, y+labelH-6)
		pdf.CellFormat(labelW-6, 4, tr("Help 24/7: "+h), "", 0, "L", false, 0, "")
	}
}

// drawQR draws a QR code of text as filled squares (vector, sharp in
// print), size mm wide with its quiet zone.
func drawQR(pdf *fpdf.Fpdf, text string, x, y, size float64) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil { // only a text too long for any QR version
		pdf.SetError(fmt.Errorf("qr code: %w", err))
		return
	}
	bm := q.Bitmap()
	m := size / float64(len(bm))
	pdf.SetFillColor(255, 255, 255)
	pdf.Rect(x, y, size, size, "F")
	pdf.SetFillColor(0, 0, 0)
	for r, row := range bm {
		for c := 0; c < len(row); {
			if !row[c] {
				c++
				continue
			}
			run := c
			for run < len(row) && row[run] {
				run++
			}
			// A run of dark modules as one rectangle, slightly taller so
			// rows join without hairline gaps.
			pdf.Rect(x+float64(c)*m, y+float64(r)*m, float64(run-c)*m, m*1.02, "F")
			c = run
		}
	}
}

// WritePosterPDF writes a site's A4 signage poster.
func WritePosterPDF(w io.Writer, b Brand, p Poster) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.SetTitle(b.Name+" - charging at "+p.SiteName, true)
	pdf.SetMargins(15, 15, 15)
	pdf.SetAutoPageBreak(true, 15)
	pdf.AddPage()
	pr, pg, pb := rgb(b.PrimaryColor, 21, 101, 192)
	ar, ag, ab := rgb(b.AccentColor, 255, 193, 7)
	pdf.SetFillColor(pr, pg, pb)
	pdf.Rect(0, 0, 210, 32, "F")
	pdf.SetFillColor(ar, ag, ab)
	pdf.Rect(0, 32, 210, 2.5, "F")
	pdf.SetTextColor(textOn(pr, pg, pb))
	pdf.SetFont("Helvetica", "B", 26)
	pdf.SetXY(15, 6)
	pdf.CellFormat(180, 12, tr(b.Name), "", 2, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 14)
	pdf.CellFormat(180, 8, tr("EV charging at "+p.SiteName), "", 2, "L", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
	pdf.SetY(40)
	if p.Address != "" {
		pdf.SetFont("Helvetica", "", 11)
		pdf.MultiCell(130, 5.5, tr(p.Address), "", "L", false)
	}
	drawQR(pdf, p.AppURL, 150, 38, 45)
	pdf.SetY(max(pdf.GetY()+4, 86))
	heading := func(s string) {
		pdf.Ln(3)
		pdf.SetFont("Helvetica", "B", 16)
		pdf.SetTextColor(pr, pg, pb)
		pdf.CellFormat(130, 9, tr(s), "", 1, "L", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
		pdf.SetFont("Helvetica", "", 11)
	}
	heading("How to charge")
	for i, step := range []string{
		"Scan the QR code on the charger, or open " + p.AppURL + " and enter the charger ID.",
		"Choose the connector and pay by card in the app, or tap your RFID card on the charger.",
		"Plug in your car. Charging starts once payment is authorised.",
		"Stop in the app or with your card, then unplug. Your receipt is in the app.",
	} {
		pdf.MultiCell(180, 6, tr(fmt.Sprintf("%d. %s", i+1, step)), "", "L", false)
	}
	heading("Price (including VAT)")
	if len(p.Prices) == 0 {
		pdf.MultiCell(180, 6, "The price is shown in the app before you start charging.", "", "L", false)
	}
	for _, price := range p.Prices {
		pdf.SetFont("Helvetica", "B", 13)
		lines := PriceLines(price.Tariff)
		pdf.MultiCell(180, 7, tr(price.Label+": "+lines[0]), "", "L", false)
		pdf.SetFont("Helvetica", "", 10.5)
		for _, l := range lines[1:] {
			pdf.MultiCell(180, 5.5, tr(l), "", "L", false)
		}
	}
	heading("Help")
	if h := b.Helpline(); h != "" {
		pdf.SetFont("Helvetica", "B", 13)
		pdf.MultiCell(180, 7, tr("Helpline, 24 hours a day: "+h), "", "L", false)
	} else {
		pdf.MultiCell(180, 6, "Report a problem from the charger's page in the app.", "", "L", false)
	}
	heading("Accessibility and facilities")
	if len(p.Amenities) == 0 {
		pdf.MultiCell(180, 6, "Call the helpline for help with accessing a charger.", "", "L", false)
	}
	for _, a := range p.Amenities {
		pdf.MultiCell(180, 6, tr("- "+a), "", "L", false)
	}
	if len(p.Chargers) > 0 {
		heading("Chargers here")
		pdf.SetFont("Helvetica", "", 10)
		for _, c := range p.Chargers {
			pdf.MultiCell(180, 5.5, tr(c.CPID+"   "+strings.Join(c.Connectors, ", ")), "", "L", false)
		}
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("write poster pdf: %w", err)
	}
	return nil
}

// PriceLines says a tariff's ad hoc price including VAT, energy first
// ("45p per kWh", AFIR's price per kWh), then the other components that
// apply. Prices of a tariff include VAT.
func PriceLines(t *volt.Tariff) []string {
	if t.FreeVend {
		return []string{"free of charge"}
	}
	vat := ""
	if pct, err := t.VATRate.MulInt(100); err == nil {
		vat = " (VAT " + pct.String() + "%)"
	}
	lines := []string{perKWh(t.EnergyPricePerKWh, t.Currency) + " per kWh including VAT" + vat}
	money := func(d volt.Decimal) string {
		exp := volt.CurrencyExponent(t.Currency)
		if exp < 0 {
			exp = 2
		}
		return t.Currency + " " + d.StringFixed(exp)
	}
	if !t.TimePricePerHour.IsZero() {
		lines = append(lines, "plus "+money(t.TimePricePerHour)+" per hour of charging")
	}
	if !t.SessionFee.IsZero() {
		lines = append(lines, "plus "+money(t.SessionFee)+" per session")
	}
	if !t.IdleFeePerMinute.IsZero() {
		lines = append(lines, fmt.Sprintf("overstay fee %s per minute after %d minutes of not charging",
			money(t.IdleFeePerMinute), t.IdleGraceMinutes))
	}
	if !t.MinPrice.IsZero() {
		lines = append(lines, "minimum "+money(t.MinPrice)+" per session")
	}
	if len(t.Bands) > 0 {
		lines = append(lines, "prices vary by time of day: the app shows the price now")
	}
	return lines
}

// perKWh says a price per kWh in minor units where the currency has a
// common name for them ("45p", "39.5p"), else in the currency.
func perKWh(d volt.Decimal, currency string) string {
	if currency == "GBP" {
		if p, err := d.MulInt(100); err == nil {
			return p.String() + "p"
		}
	}
	return currency + " " + d.String()
}

// fitSize returns the font size at most want that fits text in width.
func fitSize(pdf *fpdf.Fpdf, text string, width, want float64) float64 {
	pdf.SetFontSize(want)
	if sw := pdf.GetStringWidth(text); sw > width {
		return max(want*width/sw, 8)
	}
	return want
}

// rgb parses #rrggbb, else returns the default.
func rgb(hex string, r, g, b int) (int, int, int) {
	if len(hex) == 7 && hex[0] == '#' {
		if v, err := strconv.ParseUint(hex[1:], 16, 32); err == nil {
			return int(v >> 16 & 0xff), int(v >> 8 & 0xff), int(v & 0xff)
		}
	}
	return r, g, b
}

// textOn returns black or white, whichever reads better on the colour.
func textOn(r, g, b int) (int, int, int) {
	if 299*r+587*g+114*b > 150_000 {
		return 0, 0, 0
	}
	return 255, 255, 255
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
