package volt

import "time"

// ChargePeriod is a span of a session under one price slot of its tariff
// snapshot (the base prices or one time-of-day band), as a CDR's charging
// periods show it (OCPI 2.2.1 §10.4.6, issue 14).
type ChargePeriod struct {
	Start time.Time
	// Band is the index of the snapshot's band in force, -1 for the
	// tariff's base prices.
	Band int
	// EnergyMWh is the energy of the period in mWh.
	EnergyMWh int64
	// Charging is the time billed as charging (pauses included, as the
	// time price counts them); Idle the trailing time after the last
	// energy (parking).
	Charging time.Duration
	Idle     time.Duration
}

// ChargePeriods splits usage at the snapshot's price changes exactly as
// PriceSession prices it: the same slots (a band boundary or local
// midnight), the same share of each reading's energy per slot, the same
// pauses counted as charging and trailing idle as idle. So the periods'
// energy and charging time, times each period's prices, are what the
// cost's energy and time lines were priced on, and the volumes add up to
// the session's totals. Adjacent spans of one slot are one period.
func ChargePeriods(snap *TariffSnapshot, u Usage) []ChargePeriod {
	p := NewLivePricer(snap, u.Start, u.MeterStartWh)
	var out []ChargePeriod
	slots := []int{} // slot of each period
	type idle struct {
		period int
		d      time.Duration
	}
	var pending []idle
	at := func(t time.Time, slot int) int {
		if n := len(out); n > 0 && slots[n-1] == slot {
			return n - 1
		}
		out = append(out, ChargePeriod{Start: t, Band: slot - 1})
		slots = append(slots, slot)
		return len(out) - 1
	}
	last, high := u.Start, u.MeterStartWh
	for _, r := range u.Readings {
		end := r.At
		if end.Before(last) {
			end = last
		}
		var mwh int64
		if r.Wh > high {
			mwh = min(r.Wh-high, maxIntervalWh) * 1000
			high = r.Wh
		}
		dur := int64(end.Sub(last))
		if dur <= 0 {
			slot, _ := p.segment(last)
			out[at(last, slot)].EnergyMWh += mwh
		}
		t, cum, assigned := last, int64(0), int64(0)
		for t.Before(end) {
			slot, segEnd := p.segment(t)
			if segEnd.After(end) {
				segEnd = end
			}
			d := int64(segEnd.Sub(t))
			cum += d
			share := mulDivFloor(uint64(mwh), uint64(cum), uint64(dur)) - assigned
			assigned += share
			i := at(t, slot)
			out[i].EnergyMWh += share
			if mwh > 0 {
				out[i].Charging += time.Duration(d)
			} else {
				pending = append(pending, idle{i, time.Duration(d)})
			}
			t = segEnd
		}
		if mwh > 0 && len(pending) > 0 { // the flat run was a pause, not idle
			for _, x := range pending {
				out[x.period].Charging += x.d
			}
			pending = pending[:0]
		}
		last = end
	}
	for _, x := range pending {
		out[x.period].Idle += x.d
	}
	return out
}
