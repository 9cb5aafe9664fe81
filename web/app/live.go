package app

import (
	"fmt"
	"time"

	volt "github.com/volt-ev/volt"
)

// costNow is what the session costs now: its live cost, or before the
// first meter reading the price of no energy under its tariff snapshot
// (the session fee, or the minimum), so the page never shows £0.00 for a
// session that already costs something. Nil when the session has no tariff.
func (a *App) costNow(s *volt.Session) *volt.Cost {
	if s.LiveCost != nil {
		return s.LiveCost
	}
	snap, err := volt.ParseTariffSnapshot(s.TariffSnapshot)
	if err != nil {
		return nil
	}
	c := volt.PriceSession(snap, volt.Usage{Start: s.StartedAt, MeterStartWh: s.MeterStart})
	return &c
}

// honest fills what the session page says beyond the meter: which cost it
// is, the battery's state of charge when the charger reports it, and an
// estimate of the time to the driver's target at the present power.
func (a *App) honest(st *liveState, s *volt.Session, cost *volt.Cost, limit *limitRule) {
	st.CostLabel = "Cost so far"
	if !st.Active {
		st.CostLabel = "Final cost"
	}
	if s.SoCPercent != nil && *s.SoCPercent >= 0 && *s.SoCPercent <= 100 {
		st.SoC = fmt.Sprintf("%d%%", *s.SoCPercent)
	}
	if st.Active {
		st.ETA = a.eta(s, cost, limit)
	}
}

// eta estimates the time to the limit at the present power: an energy
// target directly; an amount target through what each Wh has cost so far
// beyond the cost at the start (fees), in integer minor units. "" when
// there is no target, no power, or nothing to go on yet.
func (a *App) eta(s *volt.Session, cost *volt.Cost, l *limitRule) string {
	if l == nil || s.PowerW <= 0 {
		return ""
	}
	var leftWh int64
	target := ""
	switch {
	case l.Wh > 0:
		leftWh, target = l.Wh-s.EnergyWh, formatKWh(l.Wh)
	case l.Amount > 0 && cost != nil && s.EnergyWh > 0:
		base := *s
		base.LiveCost = nil
		start := a.costNow(&base)
		spent := cost.InclVAT
		if start != nil {
			spent -= start.InclVAT
		}
		if spent <= 0 {
			return ""
		}
		leftWh, target = (l.Amount-cost.InclVAT)*s.EnergyWh/spent, formatMoney(l.Amount, l.Cur)
	default:
		return ""
	}
	if leftWh <= 0 {
		return "Target " + target + " reached: stopping"
	}
	secs := leftWh * 3600 / s.PowerW
	return "About " + roughDuration(time.Duration(secs)*time.Second) + " to " + target
}

// roughDuration says an estimate in whole minutes ("25 min", "1 h 05 min").
func roughDuration(d time.Duration) string {
	m := int64((d + 59*time.Second) / time.Minute)
	if m < 1 {
		m = 1
	}
	if m < 60 {
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d h %02d min", m/60, m%60)
}
