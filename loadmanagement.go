package volt

import (
	"context"
	"fmt"
	"math"
	"time"
)

// LoadMode is how a site's load management follows its load.
type LoadMode string

// Load management modes (PRODUCT.md): static shares a fixed limit; dynamic
// takes the measured building load from the supply first; double dynamic
// also re-shares what each car leaves unused. Off leaves chargers alone.
const (
	LoadModeOff           LoadMode = "off"
	LoadModeStatic        LoadMode = "static"
	LoadModeDynamic       LoadMode = "dynamic"
	LoadModeDoubleDynamic LoadMode = "doubleDynamic"
)

// Meter sources of a dynamic site's building load.
const (
	MeterSourceAPI     = "api"     // POST /api/v1/sites/{id}/meter-readings
	MeterSourceModbus  = "modbus"  // a Modbus TCP meter polled by Volt
	MeterSourceCharger = "charger" // a grid meter on a charger's connector 0 (MeterValues)
)

// Rotations are the OCPP phase rotations of an outlet (OCPP 1.6
// ConnectorPhaseRotation): the letters R, S, T are the grid's L1, L2, L3, in
// the order of the outlet's own phases.
var Rotations = []string{"RST", "RTS", "SRT", "STR", "TRS", "TSR"}

// LoadManagement is a site's capacity model: its connection, the circuits
// under it, its outlets and their priorities. Currents are amperes per
// phase.
type LoadManagement struct {
	SiteID         string   `json:"siteId"`
	Mode           LoadMode `json:"mode"`
	SupplyLimitA   float64  `json:"supplyLimitA"`
	SupplyLimitKW  float64  `json:"supplyLimitKW,omitempty"`
	Phases         int      `json:"phases"`
	FallbackLimitA float64  `json:"fallbackLimitA"`
	// VoltageV is the phase-to-neutral voltage (default 230).
	VoltageV float64 `json:"voltageV,omitempty"`
	// Meter is where a dynamic site's load comes from (default the API).
	Meter LoadMeter `json:"meter"`
	// Circuits nest under the connection (ParentID "") or one another.
	Circuits []LoadCircuit `json:"circuits"`
	// EVSEs configure outlets; an outlet of the site not listed takes the
	// defaults (6 A to the supply limit, every phase, RST, the connection).
	EVSEs []LoadEVSE `json:"evses"`
	// Priorities rank sessions by their driver's usergroups: a session
	// takes the highest priority of its outlet and its groups.
	Priorities []LoadPriority `json:"priorities"`
	// Windows limit the chargers' total at times of day (peak hours), in
	// TimeZone (the site's by default).
	Windows  []LoadWindow `json:"windows"`
	TimeZone string       `json:"timeZone,omitempty"`
	// AllowExport lets bidirectional outlets (LoadEVSE.MaxDischargeA) of a
	// dynamic site give power back to keep its import under the supply
	// limit (V2X peak shaving, OCPP 2.1; issue 15). ExportPricePerKWh is
	// what the driver is credited per kWh given back (incl. VAT, in the
	// CPO's currency).
	AllowExport       bool      `json:"allowExport,omitempty"`
	ExportPricePerKWh *Decimal  `json:"exportPricePerKwh,omitempty"`
	UpdatedAt         time.Time `json:"updatedAt"`
}

// LoadWindow limits the chargers' total per phase from From to To (local
// "HH:MM"; To before From spans midnight) on Days (ISO weekdays 1 = Monday
// to 7, of the window's start; none: every day).
type LoadWindow struct {
	From   string  `json:"from"`
	To     string  `json:"to"`
	Days   []int   `json:"days,omitempty"`
	LimitA float64 `json:"limitA"`
}

// WindowLimit returns the chargers' limit per phase at t: the lowest of
// the windows in force, ok false when none is.
func (m *LoadManagement) WindowLimit(t time.Time) (float64, bool) {
	loc, err := time.LoadLocation(m.TimeZone)
	if err != nil || m.TimeZone == "" {
		loc = time.UTC
	}
	lt := t.In(loc)
	mins := lt.Hour()*60 + lt.Minute()
	limit, found := 0.0, false
	for _, w := range m.Windows {
		from, err1 := clockMinutes(w.From)
		to, err2 := clockMinutes(w.To)
		if err1 != nil || err2 != nil {
			continue
		}
		day := lt
		in := false
		switch {
		case from < to:
			in = mins >= from && mins < to
		case mins >= from: // the evening part of an overnight window
			in = true
		case mins < to: // its morning part: the window started yesterday
			in, day = true, lt.AddDate(0, 0, -1)
		}
		if in && w.onDay(day.Weekday()) && (!found || w.LimitA < limit) {
			limit, found = w.LimitA, true
		}
	}
	return limit, found
}

func (w *LoadWindow) onDay(d time.Weekday) bool {
	if len(w.Days) == 0 {
		return true
	}
	iso := int(d)
	if iso == 0 {
		iso = 7
	}
	for _, x := range w.Days {
		if x == iso {
			return true
		}
	}
	return false
}

// clockMinutes parses "HH:MM" into minutes after midnight.
func clockMinutes(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

// LoadMeter is the source of a site's building-load readings.
type LoadMeter struct {
	Source string `json:"source"`
	// IncludesChargers: the meter is at the grid connection and its
	// reading includes the chargers (their measured draw is taken off).
	IncludesChargers bool `json:"includesChargers"`
	// TimeoutS is how long without a reading before the fallback limit
	// applies (default 60).
	TimeoutS int `json:"timeoutS,omitempty"`
	// Address (host:port) and UnitID of a Modbus TCP meter, Register the
	// first of three float32 holding registers with L1..L3 amperes.
	Address  string `json:"address,omitempty"`
	UnitID   int    `json:"unitId,omitempty"`
	Register int    `json:"register,omitempty"`
	// CPID of the charger whose connector 0 reports the grid meter.
	CPID string `json:"cpid,omitempty"`
}

// LoadCircuit is a sub-panel or feeder with its own per-phase limit. With
// ChargerGroupID, it is that charger group's circuit: the group's outlets
// not placed on a circuit by EVSEs are on it.
type LoadCircuit struct {
	ID             string  `json:"id"`
	ParentID       string  `json:"parentId,omitempty"`
	Name           string  `json:"name,omitempty"`
	LimitA         float64 `json:"limitA"`
	LimitKW        float64 `json:"limitKW,omitempty"`
	ChargerGroupID string  `json:"chargerGroupId,omitempty"`
}

// LoadEVSE is one outlet's place and bounds.
type LoadEVSE struct {
	CPID        string  `json:"cpid"`
	ConnectorID int     `json:"connectorId"`
	CircuitID   string  `json:"circuitId,omitempty"`
	MinA        float64 `json:"minA"`
	MaxA        float64 `json:"maxA"`
	Phases      int     `json:"phases"`
	Rotation    string  `json:"rotation"`
	Priority    int     `json:"priority"`
	// MaxDischargeA is the most a bidirectional outlet (an OCPP 2.1
	// charger) may give back per phase; 0: it never discharges (issue 15).
	MaxDischargeA float64 `json:"maxDischargeA,omitempty"`
}

// LoadPriority gives the sessions of a usergroup's members a priority.
type LoadPriority struct {
	UsergroupID string `json:"usergroupId"`
	Priority    int    `json:"priority"`
}

// MinChargeCurrentA is the least current a charge can be offered (IEC
// 61851-1).
const MinChargeCurrentA = 6

// maxAmps bounds every current of the model (a sanity limit on input).
const maxAmps = 10000

// Validate checks the model and fills defaults. Limits that do not add up
// (a circuit above its parent, an outlet's minimum above its maximum) are
// refused with the field named.
func (m *LoadManagement) Validate() error {
	if m.Mode == "" {
		m.Mode = LoadModeOff
	}
	switch m.Mode {
	case LoadModeOff, LoadModeStatic, LoadModeDynamic, LoadModeDoubleDynamic:
	default:
		return FieldError("mode", "Mode must be off, static, dynamic or doubleDynamic.")
	}
	if m.Phases == 0 {
		m.Phases = 3
	}
	if m.VoltageV == 0 {
		m.VoltageV = 230
	}
	switch {
	case m.Phases != 1 && m.Phases != 3:
		return FieldError("phases", "A supply has 1 or 3 phases.")
	case !amps(m.SupplyLimitA) || (m.SupplyLimitA <= 0 && m.Mode != LoadModeOff):
		return FieldError("supplyLimitA", "The supply limit must be a positive current up to %d A per phase.", maxAmps)
	case !amps(m.SupplyLimitKW):
		return FieldError("supplyLimitKW", "The power limit must be positive (kW) or 0 for none.")
	case !amps(m.FallbackLimitA) || m.FallbackLimitA > m.SupplyLimitA:
		return FieldError("fallbackLimitA", "The fallback limit must be between 0 and the supply limit (%g A).", m.SupplyLimitA)
	case m.VoltageV < 100 || m.VoltageV > 400:
		return FieldError("voltageV", "The phase voltage must be between 100 and 400 V.")
	}
	if m.ExportPricePerKWh != nil && m.ExportPricePerKWh.Sign() < 0 {
		return FieldError("exportPricePerKwh", "The export price must not be negative.")
	}
	if err := m.Meter.validate(); err != nil {
		return err
	}
	if err := m.validateCircuits(); err != nil {
		return err
	}
	if err := m.validateEVSEs(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, p := range m.Priorities {
		if p.UsergroupID == "" || seen[p.UsergroupID] {
			return FieldError(fmt.Sprintf("priorities[%d].usergroupId", i), "Each priority needs a usergroup, once.")
		}
		seen[p.UsergroupID] = true
	}
	if m.Circuits == nil {
		m.Circuits = []LoadCircuit{}
	}
	if m.EVSEs == nil {
		m.EVSEs = []LoadEVSE{}
	}
	if m.Priorities == nil {
		m.Priorities = []LoadPriority{}
	}
	if m.Windows == nil {
		m.Windows = []LoadWindow{}
	}
	return m.validateWindows()
}

// validateWindows checks each window's times, days and limit.
func (m *LoadManagement) validateWindows() error {
	if m.TimeZone != "" {
		if _, err := time.LoadLocation(m.TimeZone); err != nil {
			return FieldError("timeZone", "Unknown time zone %q.", m.TimeZone)
		}
	}
	for i, w := range m.Windows {
		f := fmt.Sprintf("windows[%d]", i)
		from, err := clockMinutes(w.From)
		if err != nil {
			return FieldError(f+".from", "A time of day is HH:MM.")
		}
		to, err := clockMinutes(w.To)
		if err != nil || to == from {
			return FieldError(f+".to", "A time of day is HH:MM, not the start.")
		}
		for _, d := range w.Days {
			if d < 1 || d > 7 {
				return FieldError(f+".days", "Days are 1 (Monday) to 7 (Sunday).")
			}
		}
		if !amps(w.LimitA) || w.LimitA > m.SupplyLimitA {
			return FieldError(f+".limitA", "A window's limit is between 0 and the supply limit (%g A).", m.SupplyLimitA)
		}
	}
	return nil
}

// amps reports whether a is a finite, non-negative current within bounds.
func amps(a float64) bool {
	return !math.IsNaN(a) && a >= 0 && a <= maxAmps
}

func (mt *LoadMeter) validate() error {
	if mt.Source == "" {
		mt.Source = MeterSourceAPI
	}
	if mt.TimeoutS == 0 {
		mt.TimeoutS = 60
	}
	switch {
	case mt.TimeoutS < 1 || mt.TimeoutS > 3600:
		return FieldError("meter.timeoutS", "The meter timeout must be 1 to 3600 seconds.")
	case mt.Source == MeterSourceAPI:
	case mt.Source == MeterSourceModbus:
		if mt.Address == "" {
			return FieldError("meter.address", "A Modbus meter needs its host:port.")
		}
		if mt.UnitID < 0 || mt.UnitID > 255 || mt.Register < 0 || mt.Register > 65530 {
			return FieldError("meter.register", "Unit id 0–255 and a register 0–65530.")
		}
	case mt.Source == MeterSourceCharger:
		if mt.CPID == "" {
			return FieldError("meter.cpid", "A charger's grid meter needs the charger's CPID.")
		}
	default:
		return FieldError("meter.source", "The meter source must be api, modbus or charger.")
	}
	return nil
}

// validateCircuits checks ids, parents (known, no loop) and that no circuit
// is allowed more than the circuit or supply above it.
func (m *LoadManagement) validateCircuits() error {
	byID := map[string]int{}
	for i, c := range m.Circuits {
		f := fmt.Sprintf("circuits[%d]", i)
		if c.ID == "" {
			return FieldError(f+".id", "A circuit needs an id.")
		}
		if _, dup := byID[c.ID]; dup {
			return FieldError(f+".id", "Circuit id %q is used twice.", c.ID)
		}
		if !amps(c.LimitA) || c.LimitA <= 0 {
			return FieldError(f+".limitA", "A circuit's limit must be a positive current.")
		}
		if !amps(c.LimitKW) {
			return FieldError(f+".limitKW", "A circuit's power limit must be positive (kW) or 0 for none.")
		}
		for _, d := range m.Circuits[:i] {
			if c.ChargerGroupID != "" && d.ChargerGroupID == c.ChargerGroupID {
				return FieldError(f+".chargerGroupId", "Charger group %s already has circuit %q.", c.ChargerGroupID, d.ID)
			}
		}
		byID[c.ID] = i
	}
	for i, c := range m.Circuits {
		f := fmt.Sprintf("circuits[%d]", i)
		parentA, parentKW, what := m.SupplyLimitA, m.SupplyLimitKW, "the supply"
		if c.ParentID != "" {
			j, ok := byID[c.ParentID]
			if !ok {
				return FieldError(f+".parentId", "Unknown parent circuit %q.", c.ParentID)
			}
			parentA, parentKW, what = m.Circuits[j].LimitA, m.Circuits[j].LimitKW, fmt.Sprintf("circuit %q", c.ParentID)
			for k, hops := c.ParentID, 0; k != ""; k, hops = m.Circuits[byID[k]].ParentID, hops+1 {
				if k == c.ID || hops > len(m.Circuits) {
					return FieldError(f+".parentId", "Circuit %q is inside itself.", c.ID)
				}
			}
		}
		if c.LimitA > parentA {
			return FieldError(f+".limitA", "Circuit %q (%g A) is above %s (%g A).", c.ID, c.LimitA, what, parentA)
		}
		if parentKW > 0 && c.LimitKW > parentKW {
			return FieldError(f+".limitKW", "Circuit %q (%g kW) is above %s (%g kW).", c.ID, c.LimitKW, what, parentKW)
		}
	}
	return nil
}

// validateEVSEs checks each outlet's bounds, wiring and circuit.
func (m *LoadManagement) validateEVSEs() error {
	circuits := map[string]bool{}
	for _, c := range m.Circuits {
		circuits[c.ID] = true
	}
	seen := map[string]bool{}
	for i := range m.EVSEs {
		e := &m.EVSEs[i]
		f := fmt.Sprintf("evses[%d]", i)
		if e.MinA == 0 {
			e.MinA = MinChargeCurrentA
		}
		if e.Phases == 0 {
			e.Phases = m.Phases
		}
		if e.Rotation == "" {
			e.Rotation = "RST"
		}
		key := fmt.Sprintf("%s/%d", e.CPID, e.ConnectorID)
		switch {
		case e.CPID == "":
			return FieldError(f+".cpid", "An outlet needs its charger's CPID.")
		case e.ConnectorID < 1:
			return FieldError(f+".connectorId", "Connector ids start at 1.")
		case seen[key]:
			return FieldError(f+".connectorId", "Outlet %s is listed twice.", key)
		case e.CircuitID != "" && !circuits[e.CircuitID]:
			return FieldError(f+".circuitId", "Unknown circuit %q.", e.CircuitID)
		case !amps(e.MinA) || e.MinA < MinChargeCurrentA:
			return FieldError(f+".minA", "The minimum current is at least %d A (IEC 61851).", MinChargeCurrentA)
		case !amps(e.MaxA) || e.MaxA < e.MinA:
			return FieldError(f+".minA", "The minimum (%g A) is above the maximum (%g A).", e.MinA, e.MaxA)
		case e.Phases < 1 || e.Phases > m.Phases:
			return FieldError(f+".phases", "An outlet has 1 to %d phases on this supply.", m.Phases)
		case RotationIndex(e.Rotation) == nil:
			return FieldError(f+".rotation", "Rotation must be one of RST, RTS, SRT, STR, TRS, TSR.")
		case !amps(e.MaxDischargeA) || e.MaxDischargeA > e.MaxA:
			return FieldError(f+".maxDischargeA", "The discharge limit must be between 0 and the outlet's maximum (%g A).", e.MaxA)
		case e.MaxDischargeA > 0 && e.MaxDischargeA < MinChargeCurrentA:
			return FieldError(f+".maxDischargeA", "A discharge limit is 0 (none) or at least %d A.", MinChargeCurrentA)
		}
		seen[key] = true
	}
	return nil
}

// RotationIndex maps a rotation ("SRT") to the grid phase (0 = L1) of each of
// the outlet's phases, or nil for an unknown rotation.
func RotationIndex(r string) []int {
	valid := false
	for _, v := range Rotations {
		valid = valid || v == r
	}
	if !valid {
		return nil
	}
	out := make([]int, 3)
	for i, c := range r {
		out[i] = map[rune]int{'R': 0, 'S': 1, 'T': 2}[c]
	}
	return out
}

// SiteMeterReading is a site's building load per phase at a moment.
type SiteMeterReading struct {
	SiteID   string    `json:"siteId"`
	CurrentA []float64 `json:"currentA"`
	At       time.Time `json:"at"`
	Source   string    `json:"source"`
}

// MaxMeterClockSkew is how far in the future a reading's time may be.
const MaxMeterClockSkew = 5 * time.Second

// Validate checks a reading against its site's phases at time now: one
// non-negative current per phase, not from the future (an unset time is
// now).
func (r *SiteMeterReading) Validate(phases int, now time.Time) error {
	if r.At.IsZero() {
		r.At = now
	}
	if len(r.CurrentA) != phases {
		return FieldError("currentA", "The site has %d phase(s): send one current per phase, in amperes.", phases)
	}
	for _, a := range r.CurrentA {
		if !amps(a) {
			return FieldError("currentA", "Currents are non-negative amperes up to %d A.", maxAmps)
		}
	}
	if r.At.After(now.Add(MaxMeterClockSkew)) {
		return FieldError("at", "The reading is from the future.")
	}
	return nil
}

// LoadManagementService keeps sites' capacity models and meter readings.
type LoadManagementService interface {
	// FindLoadManagement returns a site's model (mode off when never set).
	FindLoadManagement(ctx context.Context, siteID string) (*LoadManagement, error)
	// SetLoadManagement replaces a site's model; its outlets must be the
	// site's.
	SetLoadManagement(ctx context.Context, m *LoadManagement) error
	// RecordMeterReading stores a building-load reading of a site.
	RecordMeterReading(ctx context.Context, r *SiteMeterReading) error
	// LatestMeterReading returns a site's newest reading (ENOTFOUND: none).
	LatestMeterReading(ctx context.Context, siteID string) (*SiteMeterReading, error)
	// FindLoadManagedSites lists the ids of the sites whose mode is not off
	// (the system's view).
	FindLoadManagedSites(ctx context.Context) ([]string, error)
}

// EventMeterReading is published after a site's meter reading is stored
// (Data: *SiteMeterReading), and EventLoadManagement after its model changes
// (Data: *LoadManagement).
const (
	EventMeterReading   = "site.meter_reading"
	EventLoadManagement = "site.load_management"
)

// LoadAllocation is what load management gives an outlet now, and why
// (Reason: "full", "demand", "limited", "queued", "fixed", "idle").
type LoadAllocation struct {
	CPID        string    `json:"cpid"`
	ConnectorID int       `json:"connectorId"`
	SessionID   string    `json:"sessionId,omitempty"`
	CurrentA    float64   `json:"currentA"`
	Phases      int       `json:"phases"`
	Reason      string    `json:"reason"`
	At          time.Time `json:"at"`
	DischargeA  float64   `json:"dischargeA,omitempty"` // given back per phase (V2X peak shaving), 0 when not
}

// SiteLoad is a site's live allocation: per outlet, the shared supply and
// whether the meter is fresh (false: the fallback limit is in force).
type SiteLoad struct {
	SiteID     string           `json:"siteId"`
	Mode       LoadMode         `json:"mode"`
	MeterFresh bool             `json:"meterFresh"`
	At         time.Time        `json:"at"`
	Outlets    []LoadAllocation `json:"outlets"`
}

// LoadStatus reports the live allocations the load management loop keeps
// in memory. It does no authorisation: callers check the actor may read
// the site or owns the session first.
type LoadStatus interface {
	// SiteLoad returns the newest allocation of a site (ok false: none yet).
	SiteLoad(siteID string) (*SiteLoad, bool)
	// OutletLoad returns an outlet's newest allocation.
	OutletLoad(cpid string, connectorID int) (*LoadAllocation, bool)
}
