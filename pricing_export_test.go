package volt

import (
	"errors"
	"testing"
	"time"
)

// TestExportCredit (issue 15 item 5): energy given back is credited at the
// tariff's export price as a negative line, exactly, and never takes the
// total below zero; free vend and a tariff without an export price credit
// nothing.
func TestExportCredit(t *testing.T) {
	start := time.Date(2026, 1, 14, 10, 0, 0, 0, time.UTC)
	usage := func(importWh, exportWh int64) Usage {
		return Usage{Start: start, Readings: []MeterReading{{At: start.Add(time.Hour), Wh: importWh}}, ExportedWh: exportWh}
	}
	cases := []struct {
		name       string
		tariff     Tariff
		u          Usage
		credit     int64 // inclVat of the export_credit line (0: no line)
		creditExcl int64
		qty        string
		incl, excl int64
	}{
		{
			// 10 kWh × 0.45 = 4.50; 3.333 kWh × 0.15 = 0.49995 → 0.50.
			// Excl: 375 − 50/1.2 = 375 − 42 = 333.
			name:   "credit rounded half away from zero",
			tariff: Tariff{EnergyPricePerKWh: MustDecimal("0.45"), ExportPricePerKWh: dp("0.15")},
			u:      usage(10_000, 3_333), credit: -50, creditExcl: -42, qty: "3.333", incl: 400, excl: 333,
		},
		{
			// 1 kWh × 0.45 = 0.45; 9 kWh × 0.15 = 1.35 → capped at 0.45.
			name:   "credit never takes the total below zero",
			tariff: Tariff{EnergyPricePerKWh: MustDecimal("0.45"), ExportPricePerKWh: dp("0.15")},
			u:      usage(1_000, 9_000), credit: -45, creditExcl: -38, qty: "9", incl: 0, excl: 0,
		},
		{
			// Minimum 2.00 first, then 2 kWh × 0.25 = 0.50 off.
			name:   "credit after the minimum",
			tariff: Tariff{EnergyPricePerKWh: MustDecimal("0.45"), MinPrice: MustDecimal("2.00"), ExportPricePerKWh: dp("0.25")},
			u:      usage(1_000, 2_000), credit: -50, creditExcl: -42, qty: "2", incl: 150, excl: 125,
		},
		{
			name:   "no export price, no credit",
			tariff: Tariff{EnergyPricePerKWh: MustDecimal("0.45")},
			u:      usage(10_000, 5_000), incl: 450, excl: 375,
		},
		{
			name:   "free vend credits nothing",
			tariff: Tariff{EnergyPricePerKWh: MustDecimal("0.45"), ExportPricePerKWh: dp("0.15"), FreeVend: true},
			u:      usage(10_000, 5_000), credit: 0, qty: "5", incl: 0, excl: 0,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := snap(c.tariff)
			s.TimeZone = "UTC"
			got := PriceSession(s, c.u)
			var line *CostLine
			for i := range got.Components {
				if got.Components[i].Component == "export_credit" {
					line = &got.Components[i]
				}
			}
			if c.qty == "" {
				if line != nil {
					t.Fatalf("export_credit line %+v, want none", *line)
				}
			} else if line == nil || line.InclVAT != c.credit || line.ExclVAT != c.creditExcl || line.Quantity != c.qty || line.Unit != "kWh" {
				t.Fatalf("export_credit line %+v, want %d incl, %d excl, %s kWh (cost %+v)", line, c.credit, c.creditExcl, c.qty, got)
			}
			if got.InclVAT != c.incl || got.ExclVAT != c.excl {
				t.Fatalf("total %d incl, %d excl; want %d, %d (%+v)", got.InclVAT, got.ExclVAT, c.incl, c.excl, got.Components)
			}
			// The live pricer agrees with PriceSession.
			p := NewLivePricer(s, c.u.Start, c.u.MeterStartWh)
			for _, r := range c.u.Readings {
				p.Add(r)
			}
			p.SetExported(c.u.ExportedWh)
			if live := p.Cost(); live.InclVAT != got.InclVAT || live.ExclVAT != got.ExclVAT {
				t.Fatalf("live %d/%d, CDR %d/%d", live.InclVAT, live.ExclVAT, got.InclVAT, got.ExclVAT)
			}
		})
	}
}

// TestTariffExportPriceValidated: a negative export price is refused with
// the field named.
func TestTariffExportPriceValidated(t *testing.T) {
	tf := Tariff{Name: "x", Currency: "GBP", VATRate: MustDecimal("0.2"), ExportPricePerKWh: dp("-0.10")}
	var e *Error
	if err := tf.Validate(); !errors.As(err, &e) || e.Code != EINVALID || e.Field != "exportPricePerKwh" {
		t.Fatalf("Validate = %v, want an invalid exportPricePerKwh", e)
	}
}

// TestExportPayout (issue 15): the export credit beyond a session's cost
// is Cost.ExportPayout, outside the total; within the cost, and on a free
// vend, there is none.
func TestExportPayout(t *testing.T) {
	start := time.Date(2026, 1, 14, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name           string
		free           bool
		importWh, expo int64
		incl, payout   int64
	}{
		{"beyond the cost", false, 1_000, 9_000, 0, 90}, // 1.35 credit − 0.45 cost
		{"within the cost", false, 10_000, 3_000, 405, 0},
		{"exactly the cost", false, 3_000, 9_000, 0, 0},
		{"free vend", true, 1_000, 9_000, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := snap(Tariff{EnergyPricePerKWh: MustDecimal("0.45"), ExportPricePerKWh: dp("0.15"), FreeVend: c.free})
			s.TimeZone = "UTC"
			got := PriceSession(s, Usage{Start: start, Readings: []MeterReading{{At: start.Add(time.Hour), Wh: c.importWh}}, ExportedWh: c.expo})
			if got.InclVAT != c.incl || got.ExportPayout != c.payout {
				t.Fatalf("total %d, payout %d; want %d, %d (%+v)", got.InclVAT, got.ExportPayout, c.incl, c.payout, got)
			}
		})
	}
}
