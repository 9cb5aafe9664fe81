package sim

import (
	"math"
	"time"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v16"
)

const nominalVoltage = 230.0

// limitW is the power connector n may draw now under its charging profiles
// (OCPP 1.6 §3.13): the TxProfile of its session, else its TxDefaultProfile,
// else the charge point's TxDefaultProfile, all within the charge point's
// ChargePointMaxProfile and the connector's rating. c.mu is held.
func (c *Charger) limitW(n int, now time.Time) float64 {
	lim := float64(c.cfg.MaxPowerW)
	cn := c.conns[n]
	var txStart time.Time
	if cn.sess != nil {
		txStart = cn.sess.start
	}
	if l, ok := c.profileLimit(c.conns[0].profiles, v16.ChargingProfilePurposeTypeChargePointMaxProfile, now, txStart); ok {
		lim = min(lim, l)
	}
	if cn.sess != nil {
		if l, ok := c.profileLimit(cn.profiles, v16.ChargingProfilePurposeTypeTxProfile, now, txStart); ok {
			return min(lim, l)
		}
	}
	if l, ok := c.profileLimit(cn.profiles, v16.ChargingProfilePurposeTypeTxDefaultProfile, now, txStart); ok {
		return min(lim, l)
	}
	if l, ok := c.profileLimit(c.conns[0].profiles, v16.ChargingProfilePurposeTypeTxDefaultProfile, now, txStart); ok {
		return min(lim, l)
	}
	return lim
}

// profileLimit returns the limit in W of the valid profile of purpose with
// the highest stack level whose schedule covers now.
func (c *Charger) profileLimit(ps []v16.ChargingProfile, purpose v16.ChargingProfilePurposeType, now, txStart time.Time) (float64, bool) {
	best, found := -1, false
	var lim float64
	for _, p := range ps {
		if p.ChargingProfilePurpose != purpose || p.StackLevel <= best {
			continue
		}
		if (p.ValidFrom != nil && now.Before(p.ValidFrom.Time)) || (p.ValidTo != nil && now.After(p.ValidTo.Time)) {
			continue
		}
		if l, ok := c.scheduleLimit(p, now, txStart); ok {
			best, lim, found = p.StackLevel, l, true
		}
	}
	return lim, found
}

// scheduleStart is where p's schedule begins for a time now.
func scheduleStart(p v16.ChargingProfile, now, txStart time.Time) time.Time {
	s := p.ChargingSchedule
	switch p.ChargingProfileKind {
	case v16.ChargingProfileKindTypeRelative:
		if !txStart.IsZero() {
			return txStart
		}
		return now
	case v16.ChargingProfileKindTypeRecurring:
		start := now
		if s.StartSchedule != nil {
			start = s.StartSchedule.Time
		}
		period := 24 * time.Hour
		if p.RecurrencyKind == v16.RecurrencyKindTypeWeekly {
			period *= 7
		}
		if now.After(start) {
			start = start.Add(now.Sub(start).Truncate(period))
		}
		return start
	}
	if s.StartSchedule != nil {
		return s.StartSchedule.Time
	}
	if p.ValidFrom != nil {
		return p.ValidFrom.Time
	}
	return now
}

// scheduleLimit reads the period of p's schedule in force at now, in W.
func (c *Charger) scheduleLimit(p v16.ChargingProfile, now, txStart time.Time) (float64, bool) {
	s := p.ChargingSchedule
	el := now.Sub(scheduleStart(p, now, txStart))
	if el < 0 || (s.Duration != nil && el > time.Duration(*s.Duration)*time.Second) {
		return 0, false
	}
	var cur *v16.ChargingSchedulePeriod
	for i := range s.ChargingSchedulePeriod {
		per := &s.ChargingSchedulePeriod[i]
		if time.Duration(per.StartPeriod)*time.Second <= el && (cur == nil || per.StartPeriod > cur.StartPeriod) {
			cur = per
		}
	}
	if cur == nil {
		return 0, false
	}
	if s.ChargingRateUnit == v16.ChargingRateUnitTypeW {
		return cur.Limit, true
	}
	phases := c.cfg.Phases
	if cur.NumberPhases != nil && *cur.NumberPhases > 0 {
		phases = *cur.NumberPhases
	}
	return cur.Limit * nominalVoltage * float64(phases), true
}

// setProfileLocked installs p on connector n, replacing a profile with the
// same id, or with the same purpose and stack level (OCPP 1.6 §5.16).
func (c *Charger) setProfileLocked(n int, p v16.ChargingProfile) {
	cn := c.conns[n]
	kept := cn.profiles[:0]
	for _, q := range cn.profiles {
		if q.ChargingProfileID == p.ChargingProfileID || (q.StackLevel == p.StackLevel && q.ChargingProfilePurpose == p.ChargingProfilePurpose) {
			continue
		}
		kept = append(kept, q)
	}
	cn.profiles = append(kept, p)
	c.repowerLocked()
}

// repowerLocked applies changed limits to running sessions at once.
func (c *Charger) repowerLocked() {
	now := c.now()
	for _, cn := range c.conns[1:] {
		if cn.sess != nil {
			c.integrateLocked(cn, now)
			c.refreshLocked(cn.id)
		}
	}
}

// removeTxProfilesLocked drops the TxProfiles of cn, which end with its
// transaction.
func (c *Charger) removeTxProfilesLocked(cn *connector) {
	kept := cn.profiles[:0]
	for _, p := range cn.profiles {
		if p.ChargingProfilePurpose != v16.ChargingProfilePurposeTypeTxProfile {
			kept = append(kept, p)
		}
	}
	cn.profiles = kept
}

// clearProfilesLocked removes the profiles matching req (OCPP 1.6 §5.5) and
// reports whether any matched.
func (c *Charger) clearProfilesLocked(req *v16.ClearChargingProfileRequest) bool {
	removed := false
	for _, cn := range c.conns {
		if req.ConnectorID != nil && *req.ConnectorID != cn.id && req.ID == nil {
			continue
		}
		kept := cn.profiles[:0]
		for _, p := range cn.profiles {
			match := req.ID != nil && p.ChargingProfileID == *req.ID
			if req.ID == nil {
				match = (req.ChargingProfilePurpose == "" || p.ChargingProfilePurpose == req.ChargingProfilePurpose) &&
					(req.StackLevel == nil || p.StackLevel == *req.StackLevel)
			}
			if match {
				removed = true
				continue
			}
			kept = append(kept, p)
		}
		cn.profiles = kept
	}
	if removed {
		c.repowerLocked()
	}
	return removed
}

// compositeLocked answers GetCompositeSchedule with the limit in force now
// on connector n for the requested duration (OCPP 1.6 §5.7).
//
// TODO(sim): compose the future periods of every profile over the duration;
// the answer now holds one period, the limit in force at the start.
func (c *Charger) compositeLocked(n, duration int, unit v16.ChargingRateUnitType) *v16.GetCompositeScheduleResponse {
	now := c.now()
	var w float64
	if n == 0 {
		w = float64(c.cfg.MaxPowerW) * float64(len(c.conns)-1)
		if l, ok := c.profileLimit(c.conns[0].profiles, v16.ChargingProfilePurposeTypeChargePointMaxProfile, now, time.Time{}); ok {
			w = min(w, l)
		}
	} else {
		w = c.limitW(n, now)
	}
	if unit == "" {
		unit = v16.ChargingRateUnitTypeA
	}
	limit := w
	if unit == v16.ChargingRateUnitTypeA {
		limit = w / (nominalVoltage * float64(c.cfg.Phases))
	}
	limit = math.Round(limit*10) / 10
	start := ocpp.NewDateTime(now)
	d := duration
	return &v16.GetCompositeScheduleResponse{
		Status: v16.GetCompositeScheduleStatusAccepted, ConnectorID: &n, ScheduleStart: &start,
		ChargingSchedule: &v16.ChargingSchedule{Duration: &d, StartSchedule: &start, ChargingRateUnit: unit,
			ChargingSchedulePeriod: []v16.ChargingSchedulePeriod{{StartPeriod: 0, Limit: limit}}},
	}
}
