package lms

import (
	"fmt"
	"math"
	"time"

	"github.com/volt-ev/volt"
)

// Snapshot is what the loop reads of a site before an allocation.
type Snapshot struct {
	Model    *volt.LoadManagement
	Chargers []*volt.Charger
	// Sessions are the site's active sessions.
	Sessions []*volt.Session
	// Reading is the newest building-load reading (nil: none).
	Reading *volt.SiteMeterReading
	// UserPriority is the priority of a session's driver from the model's
	// usergroup priorities (by session ID).
	UserPriority map[string]int
	// Measured holds the outlets' per-phase currents (by EVSE id).
	Measured map[string]*Measured
	// Holds are the sessions held by their group's smart charging (by
	// session ID; SmartHold).
	Holds map[string]Hold
	// Needs are what 2.x cars said they need (by session ID; needs.go).
	Needs map[string]Needs
	// Profiles are the caps roaming eMSPs set on sessions (by session
	// ID; OCPI ChargingProfiles).
	Profiles map[string]*volt.SessionProfile
	Now      time.Time
}

// Control is what the loop remembers of an outlet between allocations:
// the limit it last got applied and whether the charger refuses profiles.
type Control struct {
	SentA float64
	// SentDischargeA is the discharge last asked (V2X, v2x.go).
	SentDischargeA float64
	SentAt         time.Time
	TxID           int64
	Rejected       bool
	// Rejections counts the refusals in a row of the same transaction's
	// profile: the first ones are retried soon (RetryEarly).
	Rejections int
}

// RetryEarly is how soon a transaction's profile is sent again after one
// of its first EarlyRetries refusals: a charger rejects a TxProfile for a
// transaction it has not started yet (OCPP 1.6 §3.13.4), which is the case
// when the profile overtakes the StartTransaction answer.
const RetryEarly = 4 * time.Second

// EarlyRetries is how many refusals of one transaction's profile are
// retried after RetryEarly before the charger is taken to refuse load
// management (RetryRejected).
const EarlyRetries = 3

// retryAfter is how long a refused outlet counts at its maximum.
func (c *Control) retryAfter() time.Duration {
	if c.Rejections <= EarlyRetries {
		return RetryEarly
	}
	return RetryRejected
}

// Outlet is one EVSE of an allocation input with what it came from.
type Outlet struct {
	CPID        string
	ConnectorID int
	Config      volt.LoadEVSE
	Session     *volt.Session // nil: no session
	Online      bool
}

// RetryRejected is how long an outlet whose charger refused a profile is
// counted at its maximum before Volt tries again.
const RetryRejected = 10 * time.Minute

// ComplianceA is how far over its limit an outlet may be measured before
// it is counted at its measured draw.
const ComplianceA = 1.5

// EVSEID is the id of an outlet in an allocation: "CPID/connector".
func EVSEID(cpid string, connectorID int) string { return fmt.Sprintf("%s/%d", cpid, connectorID) }

// Tuning holds the loop's settings that shape the input.
type Tuning struct {
	HysteresisA float64
	MinRun      time.Duration
	// Settle is how long after a limit is applied before the car's
	// measured draw counts as its demand (double dynamic).
	Settle time.Duration
	// HeadroomA is added to a car's measured draw to let it ramp up.
	HeadroomA float64
}

// BuildInput turns a snapshot into an allocation input (pure). It returns
// the outlets in the order of Input.EVSEs and whether the meter was fresh:
// in a dynamic mode without a recent reading, the fallback limit is what
// the chargers share.
func BuildInput(s *Snapshot, ctl map[string]*Control, prev map[string]State, tu Tuning) (*Input, []Outlet, bool) {
	m := s.Model
	v := m.VoltageV
	if v <= 0 {
		v = 230
	}
	in := &Input{VoltageV: v, HysteresisA: tu.HysteresisA, MinRun: tu.MinRun, Now: s.Now, Prev: prev, SupplyW: m.SupplyLimitKW * 1000}
	supply := func(a float64) Phases {
		if m.Phases == 1 {
			return Phases{a, 0, 0}
		}
		return three(a)
	}
	in.SupplyA = supply(m.SupplyLimitA)
	fresh := true
	if m.Mode == volt.LoadModeDynamic || m.Mode == volt.LoadModeDoubleDynamic {
		timeout := time.Duration(max(m.Meter.TimeoutS, 1)) * time.Second
		r := s.Reading
		if r == nil || s.Now.Sub(r.At) > timeout || len(r.CurrentA) != m.Phases {
			fresh = false
			in.SupplyA = supply(m.FallbackLimitA)
		} else {
			for g, a := range r.CurrentA {
				in.BuildingA[g] = a
			}
		}
	}
	if w, ok := m.WindowLimit(s.Now); ok {
		cap := supply(w)
		in.ChargersA = &cap
	}
	for _, c := range m.Circuits {
		in.Circuits = append(in.Circuits, Circuit{ID: c.ID, Parent: c.ParentID, LimitA: three(c.LimitA), LimitW: c.LimitKW * 1000})
	}
	outlets := outletsOf(s)
	var measured Phases
	for _, o := range outlets {
		e, draw := evseOf(s, o, ctl[EVSEID(o.CPID, o.ConnectorID)], v, tu)
		in.EVSEs = append(in.EVSEs, e)
		for _, g := range gridPhases(&e) {
			measured[g] += draw
		}
	}
	if fresh && m.Meter.IncludesChargers {
		for g := range 3 {
			in.BuildingA[g] = math.Max(0, in.BuildingA[g]-measured[g])
		}
	}
	return in, outlets, fresh
}

// three returns the same value on every phase.
func three(a float64) Phases { return Phases{a, a, a} }

// outletsOf lists every connector of the site's chargers with its
// configuration (or the defaults) and its active session.
func outletsOf(s *Snapshot) []Outlet {
	m := s.Model
	cfg := map[string]volt.LoadEVSE{}
	for _, e := range m.EVSEs {
		cfg[EVSEID(e.CPID, e.ConnectorID)] = e
	}
	byGroup := map[string]string{}
	for _, c := range m.Circuits {
		if c.ChargerGroupID != "" {
			byGroup[c.ChargerGroupID] = c.ID
		}
	}
	sess := map[string]*volt.Session{}
	for _, x := range s.Sessions {
		sess[EVSEID(x.CPID, x.ConnectorID)] = x
	}
	var out []Outlet
	for _, ch := range s.Chargers {
		for _, c := range ch.Connectors {
			if c.ConnectorID < 1 {
				continue
			}
			id := EVSEID(ch.CPID, c.ConnectorID)
			e, ok := cfg[id]
			if !ok {
				e = volt.LoadEVSE{CPID: ch.CPID, ConnectorID: c.ConnectorID, MinA: volt.MinChargeCurrentA,
					MaxA: m.SupplyLimitA, Phases: m.Phases, Rotation: "RST"}
			}
			if e.CircuitID == "" {
				e.CircuitID = byGroup[ch.ChargerGroupID] // its group's circuit, if any
			}
			out = append(out, Outlet{CPID: ch.CPID, ConnectorID: c.ConnectorID, Config: e, Session: sess[id], Online: ch.Online})
		}
	}
	return out
}

// evseOf builds one outlet's allocation entry and its measured draw per
// phase. An outlet Volt cannot control is fixed: one that refuses profiles
// at its maximum, an offline one at what it was last given.
func evseOf(s *Snapshot, o Outlet, c *Control, v float64, tu Tuning) (EVSE, float64) {
	cf := o.Config
	e := EVSE{ID: EVSEID(o.CPID, o.ConnectorID), Circuit: cf.CircuitID, MinA: cf.MinA, MaxA: cf.MaxA,
		Phases: cf.Phases, Priority: cf.Priority}
	if rot := volt.RotationIndex(cf.Rotation); rot != nil {
		e.Rotation = [3]uint8{uint8(rot[0]), uint8(rot[1]), uint8(rot[2])}
	} else {
		e.Rotation = [3]uint8{3, 3, 3} // unknown: counted on every phase
	}
	x := o.Session
	if x == nil {
		return e, 0
	}
	e.Active, e.Since = true, x.StartedAt
	if p, ok := s.UserPriority[x.ID]; ok && p > e.Priority {
		e.Priority = p
	}
	if n, ok := s.Needs[x.ID]; ok {
		e.NeedA = n.NeedA(s.Now, v, e.Phases)
	}
	draw := math.Max(float64(x.PowerW), 0) / (v * float64(max(e.Phases, 1)))
	var drawAt time.Time
	if x.LastMeterAt != nil {
		drawAt = *x.LastMeterAt
	}
	if n, d, ok := carPhases(s.Measured[e.ID], x.TransactionID, e.Phases, s.Now); ok {
		// Measured per phase: the highest phase is the draw; a car seen on
		// one phase only is counted on that phase alone (LESSONS 33).
		draw, drawAt = d, s.Measured[e.ID].At
		if n == 1 {
			e.Phases = 1
		}
	}
	settled := c != nil && c.TxID == x.TransactionID && !c.Rejected && !drawAt.IsZero() && drawAt.Sub(c.SentAt) >= tu.Settle
	switch {
	case c != nil && c.Rejected && c.TxID == x.TransactionID && s.Now.Sub(c.SentAt) < c.retryAfter():
		e.Fixed, e.FixedA = true, e.MaxA
	case !o.Online:
		e.Fixed, e.FixedA = true, e.MaxA
		if c != nil && c.TxID == x.TransactionID {
			e.FixedA = c.SentA
		}
	case settled && draw > c.SentA+ComplianceA:
		// Accepted is not applied (LESSONS 29): a charger drawing over its
		// limit once settled is counted at what it draws, so the others
		// make room; it is controllable again once it complies.
		e.Fixed, e.FixedA = true, draw
	case s.Model.Mode == volt.LoadModeDoubleDynamic && settled && c.SentA > 0 && draw < c.SentA-tu.HeadroomA/2:
		// The car takes less than it was given: it is given what it takes
		// plus room to ramp; the rest goes to others. (Half the headroom
		// as the threshold: a car given draw+headroom that keeps drawing
		// the same stays limited rather than flapping back to its share.)
		e.DemandA = draw + tu.HeadroomA
	}
	if h := s.Holds[x.ID]; h.Held && !e.Fixed {
		// Held by smart charging: below the minimum the session is not
		// active (its share goes to others and it is sent 0 A), above it
		// the hold caps its maximum.
		if h.LimitA < MinChargeA {
			e.Active = false
		} else {
			e.MaxA = math.Min(e.MaxA, h.LimitA)
			e.MinA = math.Min(e.MinA, e.MaxA)
		}
	}
	if p := s.Profiles[x.ID]; p != nil && !e.Fixed {
		// A roaming eMSP's profile caps the session as a hold does: the
		// allocation stays within the site's limits and within the cap.
		if a, ok := p.LimitA(x.StartedAt, s.Now, v, e.Phases); ok {
			if a < MinChargeA {
				e.Active = false
			} else {
				e.MaxA = math.Min(e.MaxA, a)
				e.MinA = math.Min(e.MinA, e.MaxA)
			}
		}
	}
	return e, draw
}
