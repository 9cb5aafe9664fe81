package sim

import (
	"context"
	"math"
	"time"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v201"
)

// Smart charging of the 2.x station (OCPP 2.0.1 K01, K10, K08; 2.1 Q): the
// profiles the CSMS set limit the power of each transaction as the 1.6
// simulator's do, and a 2.1 profile whose period has a negative setpoint
// within its dischargeLimit makes the car discharge (V2X, peak shaving):
// its power is then negative and the export register grows.

// profile2 is a charging profile as the station keeps it, read from either
// version's JSON (2.0.1's limit is required, 2.1's optional with discharge
// fields beside it).
type profile2 struct {
	ID                     int            `json:"id"`
	StackLevel             int            `json:"stackLevel"`
	ChargingProfilePurpose string         `json:"chargingProfilePurpose"`
	ChargingProfileKind    string         `json:"chargingProfileKind"`
	ValidFrom              *ocpp.DateTime `json:"validFrom,omitempty"`
	ValidTo                *ocpp.DateTime `json:"validTo,omitempty"`
	TransactionID          string         `json:"transactionId,omitempty"`
	ChargingSchedule       []struct {
		ID                     int            `json:"id"`
		StartSchedule          *ocpp.DateTime `json:"startSchedule,omitempty"`
		Duration               *int           `json:"duration,omitempty"`
		ChargingRateUnit       string         `json:"chargingRateUnit"`
		ChargingSchedulePeriod []period2      `json:"chargingSchedulePeriod"`
	} `json:"chargingSchedule"`
}

// period2 is one period of a schedule; the discharge fields are 2.1's.
type period2 struct {
	StartPeriod    int      `json:"startPeriod"`
	Limit          *float64 `json:"limit,omitempty"`
	NumberPhases   *int     `json:"numberPhases,omitempty"`
	DischargeLimit *float64 `json:"dischargeLimit,omitempty"`
	Setpoint       *float64 `json:"setpoint,omitempty"`
}

// setProfileRequest2 is SetChargingProfileRequest of either version.
type setProfileRequest2 struct {
	EvseID          int      `json:"evseId"`
	ChargingProfile profile2 `json:"chargingProfile"`
}

// power2 is what a period allows: the charging limit in W (no limit: +Inf)
// and, when set, the discharge power asked for in W (> 0).
type power2 struct {
	limitW, dischargeW float64
}

func (c *Charger2) onSetChargingProfile(r *setProfileRequest2) (any, func(context.Context)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := r.ChargingProfile
	reject := func() (any, func(context.Context)) {
		return &v201.SetChargingProfileResponse{Status: v201.ChargingProfileStatusEnumRejected}, nil
	}
	if r.EvseID < 0 || r.EvseID >= len(c.evses) || len(p.ChargingSchedule) == 0 {
		return reject()
	}
	if p.ChargingProfilePurpose == string(v201.ChargingProfilePurposeEnumTxProfile) {
		// K01.FR.09: a TxProfile needs the transaction running on its EVSE.
		e := c.evses[r.EvseID]
		if r.EvseID == 0 || e.tx == nil || e.tx.id != p.TransactionID {
			return reject()
		}
	}
	e := c.evses[r.EvseID]
	kept := e.profiles[:0]
	for _, q := range e.profiles {
		// K01.FR.05: the same id replaces; so does the same purpose and
		// stack level (K01.FR.06 forbids two).
		if q.ID == p.ID || (q.StackLevel == p.StackLevel && q.ChargingProfilePurpose == p.ChargingProfilePurpose) {
			continue
		}
		kept = append(kept, q)
	}
	e.profiles = append(kept, p)
	c.repowerLocked()
	return &v201.SetChargingProfileResponse{Status: v201.ChargingProfileStatusEnumAccepted}, nil
}

func (c *Charger2) onClearChargingProfile(r *v201.ClearChargingProfileRequest) (any, func(context.Context)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cleared := false
	for _, e := range c.evses {
		kept := e.profiles[:0]
		for _, q := range e.profiles {
			match := r.ChargingProfileID != nil && q.ID == *r.ChargingProfileID
			if cr := r.ChargingProfileCriteria; r.ChargingProfileID == nil && cr != nil {
				match = (cr.EvseID == nil || *cr.EvseID == e.id) &&
					(cr.ChargingProfilePurpose == "" || string(cr.ChargingProfilePurpose) == q.ChargingProfilePurpose) &&
					(cr.StackLevel == nil || *cr.StackLevel == q.StackLevel)
			}
			if match {
				cleared = true
				continue
			}
			kept = append(kept, q)
		}
		e.profiles = kept
	}
	c.repowerLocked()
	st := v201.ClearChargingProfileStatusEnumUnknown
	if cleared {
		st = v201.ClearChargingProfileStatusEnumAccepted
	}
	return &v201.ClearChargingProfileResponse{Status: st}, nil
}

// onGetCompositeSchedule answers with the limit in force now on the EVSE
// (one period, as the 1.6 simulator does), in the unit asked for.
func (c *Charger2) onGetCompositeSchedule(r *v201.GetCompositeScheduleRequest) (any, func(context.Context)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.EvseID < 0 || r.EvseID >= len(c.evses) {
		return &v201.GetCompositeScheduleResponse{Status: v201.GenericStatusEnumRejected}, nil
	}
	now := c.cfg.Clock()
	w := float64(c.cfg.MaxPowerW)
	if r.EvseID > 0 {
		w = math.Min(w, c.powerLocked(c.evses[r.EvseID], now).limitW)
	} else {
		w *= float64(len(c.evses) - 1)
		if l, ok := c.limitOf(c.evses[0], v201.ChargingProfilePurposeEnumChargingStationMaxProfile, now, time.Time{}); ok {
			w = math.Min(w, l.limitW)
		}
	}
	unit := r.ChargingRateUnit
	if unit == "" {
		unit = v201.ChargingRateUnitEnumA
	}
	limit := w
	if unit == v201.ChargingRateUnitEnumA {
		limit = w / (nominalVoltage * float64(c.cfg.Phases))
	}
	return &v201.GetCompositeScheduleResponse{Status: v201.GenericStatusEnumAccepted, Schedule: &v201.CompositeSchedule{
		EvseID: r.EvseID, Duration: r.Duration, ScheduleStart: ocpp.NewDateTime(now), ChargingRateUnit: unit,
		ChargingSchedulePeriod: []v201.ChargingSchedulePeriod{{StartPeriod: 0, Limit: math.Round(limit*10) / 10}}}}, nil
}

// powerLocked is what EVSE e may do now: within the station's
// ChargingStationMaxProfile, its TxProfile while a transaction runs, else
// its TxDefaultProfile, else the station's (K08).
func (c *Charger2) powerLocked(e *evse2, now time.Time) power2 {
	out := power2{limitW: float64(c.cfg.MaxPowerW)}
	var txStart time.Time
	var txID string
	if e.tx != nil {
		txStart, txID = e.tx.start, e.tx.id
	}
	if l, ok := c.limitOf(c.evses[0], v201.ChargingProfilePurposeEnumChargingStationMaxProfile, now, txStart); ok {
		out.limitW = math.Min(out.limitW, l.limitW)
	}
	var chosen power2
	found := false
	if e.tx != nil {
		chosen, found = c.limitOfTx(e, txID, now, txStart)
	}
	if !found {
		chosen, found = c.limitOf(e, v201.ChargingProfilePurposeEnumTxDefaultProfile, now, txStart)
	}
	if !found {
		chosen, found = c.limitOf(c.evses[0], v201.ChargingProfilePurposeEnumTxDefaultProfile, now, txStart)
	}
	if found {
		out.limitW, out.dischargeW = math.Min(out.limitW, chosen.limitW), chosen.dischargeW
	}
	return out
}

func (c *Charger2) limitOfTx(e *evse2, txID string, now, txStart time.Time) (power2, bool) {
	var ps []profile2
	for _, p := range e.profiles {
		if p.TransactionID == txID {
			ps = append(ps, p)
		}
	}
	return c.pick(ps, v201.ChargingProfilePurposeEnumTxProfile, now, txStart)
}

func (c *Charger2) limitOf(e *evse2, purpose v201.ChargingProfilePurposeEnum, now, txStart time.Time) (power2, bool) {
	return c.pick(e.profiles, purpose, now, txStart)
}

// pick reads the valid profile of purpose with the highest stack level
// whose schedule covers now.
func (c *Charger2) pick(ps []profile2, purpose v201.ChargingProfilePurposeEnum, now, txStart time.Time) (power2, bool) {
	best, found := -1, false
	var out power2
	for _, p := range ps {
		if p.ChargingProfilePurpose != string(purpose) || p.StackLevel <= best {
			continue
		}
		if (p.ValidFrom != nil && now.Before(p.ValidFrom.Time)) || (p.ValidTo != nil && now.After(p.ValidTo.Time)) {
			continue
		}
		if pw, ok := c.periodPower(p, now, txStart); ok {
			best, out, found = p.StackLevel, pw, true
		}
	}
	return out, found
}

// periodPower reads the period of p's first schedule in force at now.
func (c *Charger2) periodPower(p profile2, now, txStart time.Time) (power2, bool) {
	s := p.ChargingSchedule[0]
	start := now
	switch {
	case p.ChargingProfileKind == string(v201.ChargingProfileKindEnumRelative) && !txStart.IsZero():
		start = txStart
	case s.StartSchedule != nil:
		start = s.StartSchedule.Time
	case p.ValidFrom != nil:
		start = p.ValidFrom.Time
	}
	el := now.Sub(start)
	if el < 0 || (s.Duration != nil && el > time.Duration(*s.Duration)*time.Second) {
		return power2{}, false
	}
	var cur *period2
	for i := range s.ChargingSchedulePeriod {
		per := &s.ChargingSchedulePeriod[i]
		if time.Duration(per.StartPeriod)*time.Second <= el && (cur == nil || per.StartPeriod > cur.StartPeriod) {
			cur = per
		}
	}
	if cur == nil {
		return power2{}, false
	}
	toW := func(x float64) float64 {
		if s.ChargingRateUnit == string(v201.ChargingRateUnitEnumW) {
			return x
		}
		phases := c.cfg.Phases
		if cur.NumberPhases != nil && *cur.NumberPhases > 0 {
			phases = *cur.NumberPhases
		}
		return x * nominalVoltage * float64(phases)
	}
	out := power2{limitW: math.Inf(1)}
	if cur.Limit != nil {
		out.limitW = math.Max(0, toW(*cur.Limit))
	}
	// A negative setpoint within the (negative) discharge limit asks the
	// car to discharge; a limit of 0 alone is no power either way
	// (LESSONS 35).
	if cur.Setpoint != nil && *cur.Setpoint < 0 && cur.DischargeLimit != nil && *cur.DischargeLimit < 0 {
		out.dischargeW = toW(math.Min(-*cur.Setpoint, -*cur.DischargeLimit))
	}
	return out, true
}

// repowerLocked applies changed limits to running transactions at once.
func (c *Charger2) repowerLocked() {
	now := c.cfg.Clock()
	for _, e := range c.evses[1:] {
		if e.tx != nil {
			c.advanceLocked(e, now)
			c.setPowerLocked(e, now)
		}
	}
}

// setPowerLocked sets the transaction's power from the car and the
// profiles: charging up to the limit, or discharging when a 2.1 profile
// asks for it (negative power).
func (c *Charger2) setPowerLocked(e *evse2, now time.Time) {
	pw := c.powerLocked(e, now)
	t := e.tx
	if pw.dischargeW > 0 && c.version == ocpp.V21 {
		t.powerW = -math.Min(pw.dischargeW, t.carMaxW)
		return
	}
	t.powerW = math.Min(t.carMaxW, pw.limitW)
}

// PowerW returns the power of EVSE n's transaction in W (negative while
// discharging), 0 without one.
func (c *Charger2) PowerW(n int) float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, err := c.evseLocked(n); err == nil && e.tx != nil {
		return e.tx.powerW
	}
	return 0
}
