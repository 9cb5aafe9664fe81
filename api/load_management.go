package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
)

// LoadManagementBody is the body of PUT /api/v1/sites/{id}/load-management:
// the site's whole capacity model (it replaces the previous one).
type LoadManagementBody struct {
	Mode           volt.LoadMode      `json:"mode" enum:"off,static,dynamic,doubleDynamic" doc:"static: share a fixed limit; dynamic: the building load is taken first; doubleDynamic: what a car leaves unused is re-shared."`
	SupplyLimitA   float64            `json:"supplyLimitA,omitempty" doc:"The connection's limit per phase (A)."`
	SupplyLimitKW  float64            `json:"supplyLimitKW,omitempty" doc:"The connection's power limit (kW), 0 for none."`
	Phases         int                `json:"phases,omitempty" doc:"1 or 3 (default 3)."`
	FallbackLimitA float64            `json:"fallbackLimitA,omitempty" doc:"What the chargers share per phase when meter readings stop (A)."`
	VoltageV       float64            `json:"voltageV,omitempty" doc:"Phase-to-neutral voltage (default 230)."`
	Meter          *LoadMeterBody     `json:"meter,omitempty" doc:"Where the building load comes from (default: this API)."`
	Circuits       []LoadCircuitBody  `json:"circuits,omitempty" maxItems:"1000"`
	EVSEs          []LoadEVSEBody     `json:"evses,omitempty" maxItems:"5000" doc:"Outlets not listed take 6 A to the supply limit, every phase, RST, on the connection."`
	Priorities     []LoadPriorityBody `json:"priorities,omitempty" maxItems:"100" doc:"Sessions of these usergroups' members take this priority (higher first)."`
	Windows        []LoadWindowBody   `json:"windows,omitempty" maxItems:"50" doc:"Limits on the chargers' total at times of day (peak hours)."`
	TimeZone       string             `json:"timeZone,omitempty" maxLength:"64" doc:"IANA zone of the windows (default the site's)."`
	// V2X (issue 15 item 5).
	AllowExport       bool          `json:"allowExport,omitempty" doc:"Let bidirectional outlets (maxDischargeA, OCPP 2.1) give power back to keep a dynamic site's import under its limit."`
	ExportPricePerKWh *volt.Decimal `json:"exportPricePerKwh,omitempty" pattern:"^-?[0-9]{1,12}(\\.[0-9]{1,6})?$" patternDescription:"a decimal amount like \"0.15\"" doc:"What the driver is credited per kWh given back (decimal string, incl. VAT)."`
}

// LoadWindowBody limits the chargers' total at times of day.
type LoadWindowBody struct {
	From   string  `json:"from" doc:"HH:MM local."`
	To     string  `json:"to" doc:"HH:MM local; before from: the window spans midnight."`
	Days   []int   `json:"days,omitempty" maxItems:"7" doc:"ISO weekdays 1 (Monday) to 7 of the window's start; none: every day."`
	LimitA float64 `json:"limitA" doc:"The chargers' total per phase (A)."`
}

// LoadMeterBody is a site's meter source.
type LoadMeterBody struct {
	Source           string `json:"source,omitempty" enum:"api,modbus,charger"`
	IncludesChargers bool   `json:"includesChargers,omitempty" doc:"The meter is at the grid connection and includes the chargers."`
	TimeoutS         int    `json:"timeoutS,omitempty" doc:"Seconds without a reading before the fallback applies (default 60)."`
	Address          string `json:"address,omitempty" maxLength:"255" doc:"Modbus TCP host:port."`
	UnitID           int    `json:"unitId,omitempty"`
	Register         int    `json:"register,omitempty" doc:"First of three float32 holding registers, L1..L3 in A."`
	CPID             string `json:"cpid,omitempty" maxLength:"32" doc:"The charger whose connector 0 reports the grid meter."`
}

// LoadCircuitBody is a sub-panel, feeder or charger group circuit.
type LoadCircuitBody struct {
	ID       string  `json:"id" maxLength:"64"`
	ParentID string  `json:"parentId,omitempty" maxLength:"64"`
	Name     string  `json:"name,omitempty" maxLength:"200"`
	LimitA   float64 `json:"limitA" doc:"Per phase (A), not above its parent's."`
	LimitKW  float64 `json:"limitKW,omitempty"`
	// ChargerGroupID makes it a charger group's circuit.
	ChargerGroupID string `json:"chargerGroupId,omitempty" maxLength:"64" doc:"The charger group on this circuit: its outlets not placed by evses are on it."`
}

// LoadEVSEBody is one outlet of the site.
type LoadEVSEBody struct {
	CPID        string  `json:"cpid" maxLength:"32"`
	ConnectorID int     `json:"connectorId"`
	CircuitID   string  `json:"circuitId,omitempty" maxLength:"64"`
	MinA        float64 `json:"minA,omitempty" doc:"Default 6 A."`
	MaxA        float64 `json:"maxA"`
	Phases      int     `json:"phases,omitempty" doc:"1–3 (default the site's)."`
	Rotation    string  `json:"rotation,omitempty" doc:"OCPP phase rotation: RST (default), RTS, SRT, STR, TRS, TSR."`
	Priority    int     `json:"priority,omitempty"`
	// MaxDischargeA: V2X (issue 15 item 5).
	MaxDischargeA float64 `json:"maxDischargeA,omitempty" doc:"The most a bidirectional (OCPP 2.1) outlet may give back per phase (A); 0: never."`
}

// LoadPriorityBody ranks a usergroup's sessions.
type LoadPriorityBody struct {
	UsergroupID string `json:"usergroupId" maxLength:"64"`
	Priority    int    `json:"priority"`
}

// MeterReadingBody is the body of POST /api/v1/sites/{id}/meter-readings.
type MeterReadingBody struct {
	CurrentA []float64 `json:"currentA" maxItems:"3" doc:"The building load per phase (A), one per phase of the site."`
	At       time.Time `json:"at,omitempty" doc:"When it was measured (default now); not in the future."`
}

type loadManagementInput struct {
	IDInput
	Body LoadManagementBody
}

type meterReadingInput struct {
	IDInput
	Body MeterReadingBody
}

func (b *LoadManagementBody) model(siteID string) *volt.LoadManagement {
	m := &volt.LoadManagement{SiteID: siteID, Mode: b.Mode, SupplyLimitA: b.SupplyLimitA, SupplyLimitKW: b.SupplyLimitKW,
		Phases: b.Phases, FallbackLimitA: b.FallbackLimitA, VoltageV: b.VoltageV, TimeZone: b.TimeZone,
		AllowExport: b.AllowExport, ExportPricePerKWh: b.ExportPricePerKWh}
	for _, w := range b.Windows {
		m.Windows = append(m.Windows, volt.LoadWindow(w))
	}
	if mt := b.Meter; mt != nil {
		m.Meter = volt.LoadMeter{Source: mt.Source, IncludesChargers: mt.IncludesChargers, TimeoutS: mt.TimeoutS,
			Address: mt.Address, UnitID: mt.UnitID, Register: mt.Register, CPID: mt.CPID}
	}
	for _, c := range b.Circuits {
		m.Circuits = append(m.Circuits, volt.LoadCircuit(c))
	}
	for _, e := range b.EVSEs {
		m.EVSEs = append(m.EVSEs, volt.LoadEVSE(e))
	}
	for _, p := range b.Priorities {
		m.Priorities = append(m.Priorities, volt.LoadPriority(p))
	}
	return m
}

func (s *server) getLoadManagement(ctx context.Context, in *IDInput) (*Out[*volt.LoadManagement], error) {
	if s.LoadManagement == nil {
		return nil, notWired("load management")
	}
	m, err := s.LoadManagement.FindLoadManagement(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(m), nil
}

func (s *server) putLoadManagement(ctx context.Context, in *loadManagementInput) (*Out[*volt.LoadManagement], error) {
	if s.LoadManagement == nil {
		return nil, notWired("load management")
	}
	m := in.Body.model(in.ID)
	if err := s.LoadManagement.SetLoadManagement(ctx, m); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(m), nil
}

func (s *server) createMeterReading(ctx context.Context, in *meterReadingInput) (*Out[*volt.SiteMeterReading], error) {
	if s.LoadManagement == nil {
		return nil, notWired("load management")
	}
	r := &volt.SiteMeterReading{SiteID: in.ID, CurrentA: in.Body.CurrentA, At: in.Body.At, Source: volt.MeterSourceAPI}
	if err := s.LoadManagement.RecordMeterReading(ctx, r); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(r), nil
}

func (s *server) getSiteLoad(ctx context.Context, in *IDInput) (*Out[*volt.SiteLoad], error) {
	if s.LoadManagement == nil || s.LoadStatus == nil {
		return nil, notWired("load management")
	}
	// The model read checks the actor may read the site (404 otherwise).
	m, err := s.LoadManagement.FindLoadManagement(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	sl, ok := s.LoadStatus.SiteLoad(in.ID)
	if !ok {
		sl = &volt.SiteLoad{SiteID: in.ID, Mode: m.Mode, Outlets: []volt.LoadAllocation{}}
	}
	return out(sl), nil
}

// loadManagementRoutes are a site's capacity model and its meter readings
// (issue 15).
func (s *server) loadManagementRoutes() {
	a := s.api
	const get, post, put = http.MethodGet, http.MethodPost, http.MethodPut
	huma.Register(a, op("getSiteLoadManagement", get, "/sites/{id}/load-management", "A site's load management: its connection, circuits, outlets and priorities", "sites", 200), s.getLoadManagement)
	huma.Register(a, op("setSiteLoadManagement", put, "/sites/{id}/load-management", "Replace a site's load management model (limits that do not add up are refused, naming the field)", "sites", 200), s.putLoadManagement)
	huma.Register(a, op("getSiteLoad", get, "/sites/{id}/load-management/allocation", "What each outlet of the site is given now, and why (limited, queued, ...)", "sites", 200), s.getSiteLoad)
	huma.Register(a, op("createSiteMeterReading", post, "/sites/{id}/meter-readings", "Record the site's building load per phase (dynamic load management)", "sites", 201), s.createMeterReading)
}
