package volt

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestChargePeriods: periods split where the price changes and only
// there (midnight under one slot is one period), and for random readings
// the periods' energy and charging time priced at their slot's prices give
// PriceSession's energy and time lines exactly.
func TestChargePeriods(t *testing.T) {
	night, nightTime := MustDecimal("0.10"), MustDecimal("0.30")
	banded := &TariffSnapshot{Tariff: Tariff{Currency: "GBP", VATRate: MustDecimal("0.20"), EnergyPricePerKWh: MustDecimal("0.35"),
		TimePricePerHour: MustDecimal("0.90"), Bands: []TariffBand{{StartMinute: 0, EndMinute: 7 * 60, EnergyPricePerKWh: &night, TimePricePerHour: &nightTime}}}}
	flat := &TariffSnapshot{Tariff: Tariff{Currency: "GBP", VATRate: MustDecimal("0.20"), EnergyPricePerKWh: MustDecimal("0.35")}}
	start := time.Date(2026, 3, 2, 23, 30, 0, 0, time.UTC)
	u := Usage{Start: start, MeterStartWh: 0, Readings: []MeterReading{{At: start.Add(time.Hour), Wh: 6000}}}
	if ps := ChargePeriods(banded, u); len(ps) != 2 || ps[0].Band != -1 || ps[1].Band != 0 || !ps[1].Start.Equal(start.Add(30*time.Minute)) ||
		ps[0].EnergyMWh != 3_000_000 || ps[1].EnergyMWh != 3_000_000 {
		t.Errorf("across midnight into the night band: %+v", ps)
	}
	if ps := ChargePeriods(flat, u); len(ps) != 1 || ps[0].EnergyMWh != 6_000_000 || ps[0].Charging != time.Hour {
		t.Errorf("across midnight without bands: %+v", ps)
	}

	prices := []struct{ e, h int64 }{{350_000, 900_000}, {100_000, 300_000}} // micro per kWh, per hour: base, band 0
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 200; n++ {
		u := Usage{Start: start.Add(time.Duration(rng.IntN(86400)) * time.Second), MeterStartWh: 1000}
		at, wh := u.Start, int64(1000)
		for i := 0; i < 1+rng.IntN(12); i++ {
			at = at.Add(time.Duration(rng.IntN(7200)) * time.Second)
			if rng.IntN(3) > 0 {
				wh += int64(rng.IntN(9000))
			}
			u.Readings = append(u.Readings, MeterReading{At: at, Wh: wh})
		}
		var eSum, tSum u128
		var mwh, ns int64
		for _, p := range ChargePeriods(banded, u) {
			pr := prices[p.Band+1]
			eSum = eSum.add(mul128(uint64(p.EnergyMWh), uint64(pr.e)))
			tSum = tSum.add(mul128(uint64(p.Charging), uint64(pr.h)))
			mwh += p.EnergyMWh
			ns += int64(p.Charging + p.Idle)
		}
		c := PriceSession(banded, u)
		energy, timeC := c.Components[0], c.Components[1]
		if got := eSum.divRound(uint64(pow10(10))); got != energy.InclVAT {
			t.Fatalf("usage %+v: periods price the energy at %d, the CDR at %d", u, got, energy.InclVAT)
		}
		if got := tSum.divRound(uint64(3_600_000_000_000_000_000 / pow10(2))); got != timeC.InclVAT {
			t.Fatalf("usage %+v: periods price the time at %d, the CDR at %d", u, got, timeC.InclVAT)
		}
		if mwh != (wh-1000)*1000 || ns != int64(at.Sub(u.Start)) {
			t.Fatalf("usage %+v: periods hold %d mWh over %d ns", u, mwh, ns)
		}
	}
}
