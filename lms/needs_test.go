package lms

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
)

// TestParseNeeds (issue 15): what a 2.0.1 car and a 2.1 car say they need
// is read from NotifyEVChargingNeeds, and the need becomes the current
// to average until departure.
func TestParseNeeds(t *testing.T) {
	at := t0
	n, ok := ParseNeeds(json.RawMessage(`{"evseId":1,"chargingNeeds":{"requestedEnergyTransfer":"AC_three_phase",
		"departureTime":"`+at.Add(2*time.Hour).Format(time.RFC3339)+`","acChargingParameters":{"energyAmount":22080,"evMinCurrent":6,"evMaxCurrent":32,"evMaxVoltage":400}}}`), at)
	if !ok || n.EnergyWh != 22080 || !n.Departure.Equal(at.Add(2*time.Hour)) || n.DischargeSaid {
		t.Fatalf("2.0.1 needs %+v, %v", n, ok)
	}
	// 22.08 kWh in 2 h on 3 × 230 V: 16 A.
	if a := n.NeedA(at, 230, 3); math.Abs(a-16) > 1e-9 {
		t.Errorf("need %.3f A, want 16", a)
	}
	if d := n.DischargeA(230, 3); !math.IsInf(d, 1) {
		t.Errorf("discharge %v, want no bound", d)
	}
	n, ok = ParseNeeds(json.RawMessage(`{"evseId":1,"chargingNeeds":{"requestedEnergyTransfer":"AC_BPT",
		"v2xChargingParameters":{"maxDischargePower":6900,"evTargetEnergyRequest":5000}}}`), at)
	if !ok || n.EnergyWh != 5000 || !n.Departure.IsZero() || n.NeedA(at, 230, 3) != 0 {
		t.Fatalf("2.1 needs %+v, %v: no departure, no need", n, ok)
	}
	if d := n.DischargeA(230, 3); math.Abs(d-10) > 1e-9 {
		t.Errorf("discharge bound %.3f A, want 10 (6.9 kW on 3 × 230 V)", d)
	}
	n, _ = ParseNeeds(json.RawMessage(`{"chargingNeeds":{"v2xChargingParameters":{"maxDischargeCurrent":0}}}`), at)
	if d := n.DischargeA(230, 3); d != 0 {
		t.Errorf("a car that cannot give back: bound %v, want 0", d)
	}
}

// TestAllocateNeedsFirst (issue 15): within a priority a car that must
// charge now to make its departure is admitted before one that waited
// longer; a car whose need is below the minimum does not jump the queue;
// a session that started less than MinRun ago keeps its place.
func TestAllocateNeedsFirst(t *testing.T) {
	site := func(needB float64) *Input {
		return &Input{Now: t0, VoltageV: 230, SupplyA: Phases{10, 10, 10}, MinRun: 5 * time.Minute, EVSEs: []EVSE{
			{ID: "a", MinA: 6, MaxA: 32, Phases: 3, Rotation: [3]uint8{0, 1, 2}, Active: true, Since: t0.Add(-time.Hour)},
			{ID: "b", MinA: 6, MaxA: 32, Phases: 3, Rotation: [3]uint8{0, 1, 2}, Active: true, Since: t0.Add(-time.Minute), NeedA: needB},
		}}
	}
	for _, c := range []struct {
		need        float64
		a, b        float64
		description string
	}{
		{0, 10, 0, "no need said: the longest waiting first"},
		{4, 10, 0, "a need below the minimum can wait"},
		{16, 0, 10, "a car that must charge now goes first"},
	} {
		res := Allocate(site(c.need))
		if res.EVSEs[0].CurrentA != c.a || res.EVSEs[1].CurrentA != c.b {
			t.Errorf("%s: a %.1f, b %.1f; want %.1f, %.1f", c.description, res.EVSEs[0].CurrentA, res.EVSEs[1].CurrentA, c.a, c.b)
		}
	}
	in := site(16)
	in.Prev = map[string]State{"a": {AllocatedA: 10, Since: t0.Add(-time.Minute)}}
	if res := Allocate(in); res.EVSEs[0].CurrentA != 10 || res.EVSEs[1].CurrentA != 0 {
		t.Errorf("a just started is paused for an urgent car: %+v", res.EVSEs)
	}
	// Among urgent cars, the neediest.
	in = site(16)
	in.EVSEs[0].NeedA = 20
	if res := Allocate(in); res.EVSEs[0].CurrentA != 10 || res.EVSEs[1].CurrentA != 0 {
		t.Errorf("the neediest car is not first: %+v", res.EVSEs)
	}
}

// fakeReports keeps charging reports for the loop (volt.ChargingReportService).
type fakeReports struct {
	mu      sync.Mutex
	reports []*volt.ChargingReport
}

func (f *fakeReports) RecordChargingReport(_ context.Context, r *volt.ChargingReport) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reports = append([]*volt.ChargingReport{r}, f.reports...)
	return nil
}

func (f *fakeReports) FindChargingReports(_ context.Context, cpid, kind string, _ int) ([]*volt.ChargingReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*volt.ChargingReport
	for _, r := range f.reports {
		if r.CPID == cpid && (kind == "" || r.Kind == kind) {
			out = append(out, r)
		}
	}
	return out, nil
}

// lastLimits keeps the last transaction limit sent per outlet.
type lastLimits struct {
	mu   sync.Mutex
	last map[string]Limit
}

func (a *lastLimits) ApplyLimit(_ context.Context, l Limit) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if l.Purpose == PurposeTx {
		a.last[EVSEID(l.CPID, l.ConnectorID)] = l
	}
	return nil
}

func (a *lastLimits) get(id string) Limit {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.last[id]
}

// TestLoopUsesChargingNeeds (issue 15): the loop reads what 2.x cars
// reported (NotifyEVChargingNeeds): the car that must leave soon with
// energy to get is charged before one that waited longer, and a car's
// discharge limit bounds what peak shaving asks of it.
func TestLoopUsesChargingNeeds(t *testing.T) {
	model := &volt.LoadManagement{SiteID: "site", Mode: volt.LoadModeDynamic, SupplyLimitA: 10, Phases: 3, FallbackLimitA: 10,
		AllowExport: true, EVSEs: []volt.LoadEVSE{
			{CPID: "000001", ConnectorID: 1, MaxA: 32, Phases: 3, MaxDischargeA: 16},
			{CPID: "000002", ConnectorID: 1, MaxA: 32, Phases: 3, MaxDischargeA: 16},
		}}
	site := newFakeSite(model)
	clock := &fakeClock{t: t0}
	reports := &fakeReports{}
	app := &lastLimits{last: map[string]Limit{}}
	m := New(Config{Sites: site, Chargers: site, Sessions: site, Applier: app, Reports: reports,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clock.Now, MinInterval: 10 * time.Second})
	for _, cp := range []string{"000001", "000002"} {
		site.addCharger(cp, 1)
		site.chargers[cp].OCPPVersion = "ocpp2.1"
	}
	site.read([]float64{0, 0, 0}, t0)
	site.start("000001", 1, t0.Add(-time.Hour))
	site.start("000002", 1, t0.Add(-time.Minute))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// The late car leaves in 2 h and needs 22.08 kWh (16 A); it can give
	// back at most 5.52 kW (8 A on 3 × 230 V).
	must(reports.RecordChargingReport(context.Background(), &volt.ChargingReport{CPID: "000002", EVSEID: 1, Kind: volt.ReportEVChargingNeeds,
		ReceivedAt: t0.Add(-30 * time.Second), Payload: json.RawMessage(`{"evseId":1,"chargingNeeds":{"requestedEnergyTransfer":"AC_BPT",
		"departureTime":"` + t0.Add(-30*time.Second+2*time.Hour).Format(time.RFC3339) + `",
		"acChargingParameters":{"energyAmount":22080,"evMinCurrent":6,"evMaxCurrent":32,"evMaxVoltage":400},
		"v2xChargingParameters":{"maxDischargePower":5520}}}`)}))
	m.Step(context.Background(), true)
	if a, b := app.get("000001/1"), app.get("000002/1"); a.CurrentA != 0 || b.CurrentA != 10 {
		t.Fatalf("early car %.1f A, late car in a hurry %.1f A; want 0 and 10", a.CurrentA, b.CurrentA)
	}
	// The building alone takes 40 A of 10: both cars are paused; the early
	// one gives back its 16 A, the late one 8 of the 14 A still over.
	site.read([]float64{40, 40, 40}, t0.Add(time.Second))
	clock.Add(time.Second)
	m.Step(context.Background(), true)
	a, b := app.get("000001/1"), app.get("000002/1")
	if a.CurrentA != 0 || b.CurrentA != 0 || a.DischargeA != 16 || b.DischargeA != 8 {
		t.Fatalf("discharge: early %+v, late %+v; want 16 A and 8 A", a, b)
	}
}
