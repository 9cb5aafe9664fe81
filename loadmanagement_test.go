package volt_test

import (
	"testing"
	"time"

	"github.com/volt-ev/volt"
)

func TestLoadManagementValidate(t *testing.T) {
	base := func() *volt.LoadManagement {
		return &volt.LoadManagement{SiteID: "s", Mode: volt.LoadModeStatic, SupplyLimitA: 63, Phases: 3, FallbackLimitA: 16,
			Circuits: []volt.LoadCircuit{{ID: "feed", LimitA: 40}, {ID: "bay", ParentID: "feed", LimitA: 32}},
			EVSEs:    []volt.LoadEVSE{{CPID: "000001", ConnectorID: 1, CircuitID: "bay", MaxA: 32}}}
	}
	cases := []struct {
		name, field string
		change      func(m *volt.LoadManagement)
	}{
		{"valid", "", func(m *volt.LoadManagement) {}},
		{"off needs no supply", "", func(m *volt.LoadManagement) { *m = volt.LoadManagement{Mode: volt.LoadModeOff} }},
		{"unknown mode", "mode", func(m *volt.LoadManagement) { m.Mode = "fast" }},
		{"two phases", "phases", func(m *volt.LoadManagement) { m.Phases = 2 }},
		{"no supply", "supplyLimitA", func(m *volt.LoadManagement) { m.SupplyLimitA = 0 }},
		{"fallback above supply", "fallbackLimitA", func(m *volt.LoadManagement) { m.FallbackLimitA = 64 }},
		{"circuit above the supply", "circuits[0].limitA", func(m *volt.LoadManagement) { m.Circuits[0].LimitA = 80 }},
		{"circuit above its parent", "circuits[1].limitA", func(m *volt.LoadManagement) { m.Circuits[1].LimitA = 50 }},
		{"unknown parent", "circuits[1].parentId", func(m *volt.LoadManagement) { m.Circuits[1].ParentID = "x" }},
		{"circuit loop", "circuits[0].parentId", func(m *volt.LoadManagement) { m.Circuits[0].ParentID = "bay" }},
		{"duplicate circuit", "circuits[1].id", func(m *volt.LoadManagement) { m.Circuits[1].ID = "feed" }},
		{"min above max", "evses[0].minA", func(m *volt.LoadManagement) { m.EVSEs[0].MinA = 40 }},
		{"min below 6 A", "evses[0].minA", func(m *volt.LoadManagement) { m.EVSEs[0].MinA = 4 }},
		{"unknown circuit", "evses[0].circuitId", func(m *volt.LoadManagement) { m.EVSEs[0].CircuitID = "x" }},
		{"bad rotation", "evses[0].rotation", func(m *volt.LoadManagement) { m.EVSEs[0].Rotation = "RRS" }},
		{"three-phase outlet on one phase", "evses[0].phases", func(m *volt.LoadManagement) {
			m.Phases, m.Circuits, m.EVSEs[0].CircuitID, m.EVSEs[0].Phases = 1, nil, "", 3
		}},
		{"outlet twice", "evses[1].connectorId", func(m *volt.LoadManagement) { m.EVSEs = append(m.EVSEs, m.EVSEs[0]) }},
		{"modbus without address", "meter.address", func(m *volt.LoadManagement) { m.Meter.Source = volt.MeterSourceModbus }},
		{"unknown meter", "meter.source", func(m *volt.LoadManagement) { m.Meter.Source = "smoke" }},
	}
	for _, c := range cases {
		m := base()
		c.change(m)
		err := m.Validate()
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		var ve *volt.Error
		if !asErr(err, &ve) || ve.Code != volt.EINVALID || ve.Field != c.field {
			t.Errorf("%s: got %v, want invalid %s", c.name, err, c.field)
		}
	}
}

func asErr(err error, target **volt.Error) bool {
	e, ok := err.(*volt.Error)
	*target = e
	return ok
}

func TestSiteMeterReadingValidate(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		r      volt.SiteMeterReading
		phases int
		field  string
	}{
		{volt.SiteMeterReading{CurrentA: []float64{20, 20, 20}}, 3, ""},
		{volt.SiteMeterReading{CurrentA: []float64{20}, At: now.Add(-time.Hour)}, 1, ""},
		{volt.SiteMeterReading{CurrentA: []float64{20, 20}}, 3, "currentA"},
		{volt.SiteMeterReading{CurrentA: []float64{20, -1, 20}}, 3, "currentA"},
		{volt.SiteMeterReading{CurrentA: []float64{20, 20, 20}, At: now.Add(time.Minute)}, 3, "at"},
	} {
		err := c.r.Validate(c.phases, now)
		if got := fieldOf(err); got != c.field {
			t.Errorf("%+v on %d phases: field %q (%v), want %q", c.r, c.phases, got, err, c.field)
		}
	}
}

func fieldOf(err error) string {
	if e, ok := err.(*volt.Error); ok {
		return e.Field
	}
	return ""
}

func TestLoadWindowLimit(t *testing.T) {
	m := &volt.LoadManagement{Mode: volt.LoadModeStatic, SupplyLimitA: 63, TimeZone: "Europe/London", Windows: []volt.LoadWindow{
		{From: "16:00", To: "19:00", Days: []int{1, 2, 3, 4, 5}, LimitA: 20}, // weekday peak
		{From: "23:00", To: "01:00", LimitA: 40},                             // overnight, every day
		{From: "17:00", To: "18:00", Days: []int{5}, LimitA: 10},             // Friday rush
	}}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	london, _ := time.LoadLocation("Europe/London")
	at := func(day, hh, mm int) time.Time { return time.Date(2026, 7, day, hh, mm, 0, 0, london) } // 2026-07-06 is a Monday
	for _, c := range []struct {
		t     time.Time
		limit float64
		ok    bool
	}{
		{at(6, 15, 59), 0, false},
		{at(6, 16, 0), 20, true},
		{at(6, 18, 59), 20, true},
		{at(6, 19, 0), 0, false},
		{at(11, 16, 30), 0, false}, // Saturday
		{at(10, 17, 30), 10, true}, // Friday: the lowest of two windows
		{at(6, 23, 30), 40, true},
		{at(7, 0, 30), 40, true}, // the same overnight window after midnight
		{at(7, 1, 0), 0, false},
		{time.Date(2026, 7, 6, 15, 30, 0, 0, time.UTC), 20, true}, // 16:30 in London (BST)
	} {
		l, ok := m.WindowLimit(c.t)
		if l != c.limit || ok != c.ok {
			t.Errorf("%v: %v %v, want %v %v", c.t, l, ok, c.limit, c.ok)
		}
	}
	bad := *m
	bad.Windows = []volt.LoadWindow{{From: "7am", To: "09:00", LimitA: 10}}
	if fieldOf(bad.Validate()) != "windows[0].from" {
		t.Error("a bad time passes")
	}
	bad.Windows = []volt.LoadWindow{{From: "07:00", To: "09:00", LimitA: 80}}
	if fieldOf(bad.Validate()) != "windows[0].limitA" {
		t.Error("a window above the supply passes")
	}
}
