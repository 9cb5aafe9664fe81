package lms

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp/v16"
)

type loopFixture struct {
	site  *fakeSite
	cmd   *fakeCommander
	clock *fakeClock
	m     *Manager
}

func newLoop(t *testing.T, model *volt.LoadManagement) *loopFixture {
	t.Helper()
	f := &loopFixture{site: newFakeSite(model), cmd: newFakeCommander(), clock: &fakeClock{t: t0}}
	f.m = New(Config{Sites: f.site, Chargers: f.site, Sessions: f.site, Applier: &OCPP16{Commander: f.cmd},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: f.clock.Now, MinInterval: 10 * time.Second})
	return f
}

func (f *loopFixture) step() { f.m.Step(context.Background(), true) }

func (f *loopFixture) want(t *testing.T, id string, a float64) {
	t.Helper()
	got, ok := f.cmd.limitOf(id)
	if !ok || got != a {
		t.Fatalf("%s: TxProfile limit %v (sent %v), want %v", id, got, ok, a)
	}
}

func staticSite(limit float64) *volt.LoadManagement {
	return &volt.LoadManagement{SiteID: "site", Mode: volt.LoadModeStatic, SupplyLimitA: limit, Phases: 3, FallbackLimitA: min(16, limit)}
}

func TestLoopAppliesTxProfiles(t *testing.T) {
	f := newLoop(t, staticSite(32))
	f.site.addCharger("000001", 2)
	f.site.start("000001", 1, t0)
	f.step()
	f.want(t, "000001/1", 32)
	s := f.site.start("000001", 2, t0)
	f.m.Observe(volt.Event{Type: volt.EventSessionStarted, CPID: "000001", Data: s})
	f.m.Step(context.Background(), false)
	f.want(t, "000001/1", 16)
	f.want(t, "000001/2", 16)
	// The profile as the charger sees it (OCPP 1.6 §5.16, §7.8).
	req := f.cmd.calls[len(f.cmd.calls)-1]
	p := req.CsChargingProfiles
	if p.ChargingProfilePurpose != v16.ChargingProfilePurposeTypeTxProfile || p.TransactionID == nil || *p.TransactionID == 0 ||
		p.ChargingSchedule.ChargingRateUnit != "A" || p.ChargingSchedule.ChargingSchedulePeriod[0].StartPeriod != 0 ||
		*p.ChargingSchedule.ChargingSchedulePeriod[0].NumberPhases != 3 {
		t.Errorf("profile %+v", p)
	}
	// Nothing changed: nothing is sent again.
	n := f.cmd.count()
	f.clock.Add(time.Minute)
	f.step()
	if f.cmd.count() != n {
		t.Errorf("%d profiles sent for no change", f.cmd.count()-n)
	}
	// A stop frees its share, after the rate limit of raises.
	f.site.stop("000001", 2)
	f.step()
	f.want(t, "000001/1", 32)
}

func TestLoopHoldsRaisesNotCuts(t *testing.T) {
	f := newLoop(t, staticSite(32))
	f.site.addCharger("000001", 2)
	f.site.start("000001", 1, t0)
	f.step()
	f.want(t, "000001/1", 32)
	f.site.start("000001", 2, t0)
	f.step()
	f.want(t, "000001/1", 16) // a cut goes at once
	f.site.stop("000001", 2)
	f.clock.Add(2 * time.Second)
	f.step()
	f.want(t, "000001/1", 16) // a raise waits MinInterval
	f.clock.Add(10 * time.Second)
	f.step()
	f.want(t, "000001/1", 32)
}

func TestLoopCountsRefusingChargerAtItsMaximum(t *testing.T) {
	m := staticSite(40)
	m.EVSEs = []volt.LoadEVSE{{CPID: "000002", ConnectorID: 1, MaxA: 20}}
	f := newLoop(t, m)
	f.site.addCharger("000001", 1)
	f.site.addCharger("000002", 1)
	f.cmd.reject["000002"] = true
	f.site.start("000001", 1, t0)
	f.site.start("000002", 1, t0)
	f.step()
	f.want(t, "000001/1", 20) // both at 20 A: the refusal is not known yet
	f.clock.Add(time.Minute)
	f.step()
	f.want(t, "000001/1", 20) // 000002 counted at its 20 A maximum, not its share
	sentTo2 := func() int {
		n := 0
		for _, c := range f.cmd.cpids {
			if c == "000002" {
				n++
			}
		}
		return n
	}
	before := sentTo2()
	f.clock.Add(RetryRejected)
	f.step()
	if sentTo2() != before+1 {
		t.Errorf("a refusing charger is not asked again after %v", RetryRejected)
	}
	f.site.stop("000002", 1)
	f.clock.Add(time.Minute)
	f.step()
	f.want(t, "000001/1", 40)
	// A new session on that outlet is asked again, not taken as refused.
	before = sentTo2()
	f.site.start("000002", 1, f.clock.Now())
	f.step()
	if sentTo2() != before+1 {
		t.Error("a new session on an outlet that once refused is not given a limit")
	}
}

func TestLoopFallbackWhenMeterSilent(t *testing.T) {
	m := &volt.LoadManagement{SiteID: "site", Mode: volt.LoadModeDynamic, SupplyLimitA: 63, Phases: 3, FallbackLimitA: 16,
		Meter: volt.LoadMeter{TimeoutS: 30}}
	m.EVSEs = []volt.LoadEVSE{{CPID: "000001", ConnectorID: 1, MaxA: 32}}
	f := newLoop(t, m)
	f.site.addCharger("000001", 1)
	f.site.start("000001", 1, t0)
	f.step()
	f.want(t, "000001/1", 16) // no reading yet: fallback
	f.site.read([]float64{40, 20, 20}, f.clock.Now())
	f.clock.Add(15 * time.Second)
	f.step()
	f.want(t, "000001/1", 23) // 63 - 40 on L1
	f.clock.Add(20 * time.Second)
	f.step()
	f.want(t, "000001/1", 16) // 35 s without a reading
}

func TestLoopOfflineChargerKeepsItsLastLimit(t *testing.T) {
	f := newLoop(t, staticSite(32))
	f.site.addCharger("000001", 1)
	f.site.addCharger("000002", 1)
	f.site.start("000001", 1, t0)
	f.step()
	f.want(t, "000001/1", 32)
	f.site.setOnline("000001", false)
	f.site.start("000002", 1, t0.Add(time.Second))
	f.clock.Add(time.Minute)
	f.step()
	// 000001 cannot be cut: it is counted at 32 A and the newcomer waits.
	f.want(t, "000002/1", 0)
	f.site.setOnline("000001", true)
	f.step()
	f.want(t, "000001/1", 16)
	f.want(t, "000002/1", 0) // its raise waits MinInterval after its pause
	f.clock.Add(10 * time.Second)
	f.step()
	f.want(t, "000002/1", 16)
}

func TestLoopBootSendsFailsafe(t *testing.T) {
	m := staticSite(32)
	m.FallbackLimitA = 24
	m.Circuits = []volt.LoadCircuit{{ID: "own", LimitA: 20}}
	m.EVSEs = []volt.LoadEVSE{{CPID: "000001", ConnectorID: 1, CircuitID: "own", MaxA: 32}}
	f := newLoop(t, m)
	f.site.addCharger("000001", 1)
	f.site.addCharger("000002", 1)
	f.m.Observe(volt.Event{Type: volt.EventChargerBooted, CPID: "000001"})
	f.m.Step(context.Background(), false)
	var def, max bool
	for _, c := range f.cmd.calls {
		p := c.CsChargingProfiles
		lim := p.ChargingSchedule.ChargingSchedulePeriod[0].Limit
		switch p.ChargingProfilePurpose {
		case v16.ChargingProfilePurposeTypeTxDefaultProfile:
			def = c.ConnectorID == 0 && lim == 12 // 24 A fallback over 2 outlets
		case v16.ChargingProfilePurposeTypeChargePointMaxProfile:
			max = c.ConnectorID == 0 && lim == 20
		}
	}
	if !def || !max {
		t.Errorf("failsafe TxDefault %v, ChargePointMax %v: %+v", def, max, f.cmd.calls)
	}
	if FailsafeShare(16, 3) != 0 || FailsafeShare(16, 2) != 8 {
		t.Errorf("failsafe shares %v %v", FailsafeShare(16, 3), FailsafeShare(16, 2))
	}
}

func TestLoopDoubleDynamicResharesUnused(t *testing.T) {
	m := &volt.LoadManagement{SiteID: "site", Mode: volt.LoadModeDoubleDynamic, SupplyLimitA: 32, Phases: 3, FallbackLimitA: 32}
	f := newLoop(t, m)
	f.site.addCharger("000001", 2)
	f.site.start("000001", 1, t0)
	f.site.start("000001", 2, t0)
	f.site.read([]float64{0, 0, 0}, t0)
	f.step()
	f.want(t, "000001/1", 16)
	// Car 1 takes 8 A (8 A × 3 × 230 V) once its limit has settled.
	f.clock.Add(30 * time.Second)
	f.site.read([]float64{0, 0, 0}, f.clock.Now())
	f.site.meter("000001", 1, 8*3*230, f.clock.Now())
	f.site.meter("000001", 2, 16*3*230, f.clock.Now())
	f.step()
	f.want(t, "000001/1", 10) // 8 A + 2 A headroom
	f.want(t, "000001/2", 22)
}

func TestLoopReportsWhy(t *testing.T) {
	m := staticSite(10)
	m.EVSEs = []volt.LoadEVSE{{CPID: "000001", ConnectorID: 1, MaxA: 32}, {CPID: "000001", ConnectorID: 2, MaxA: 32}}
	f := newLoop(t, m)
	f.site.addCharger("000001", 2)
	s1 := f.site.start("000001", 1, t0)
	f.site.start("000001", 2, t0.Add(time.Second))
	f.step()
	a, ok := f.m.OutletLoad("000001", 1)
	if !ok || a.CurrentA != 10 || a.Reason != string(ReasonLimited) || a.SessionID != s1.ID {
		t.Errorf("outlet 1: %+v %v", a, ok)
	}
	b, _ := f.m.OutletLoad("000001", 2)
	if b == nil || b.CurrentA != 0 || b.Reason != string(ReasonQueued) {
		t.Errorf("outlet 2: %+v, want queued", b)
	}
	sl, ok := f.m.SiteLoad("site")
	if !ok || len(sl.Outlets) != 2 || sl.Mode != volt.LoadModeStatic || !sl.MeterFresh {
		t.Errorf("site load %+v", sl)
	}
	if _, ok := f.m.SiteLoad("other"); ok {
		t.Error("a site never computed has a load")
	}
}

// TestLoopSinglePhaseCarFreesOtherPhases: a car seen drawing on L1 only of
// a 3-phase outlet for a minute is counted on L1 alone, so a single-phase
// outlet on L2 gets what it was sharing.
func TestLoopSinglePhaseCarFreesOtherPhases(t *testing.T) {
	m := staticSite(32)
	m.EVSEs = []volt.LoadEVSE{{CPID: "000001", ConnectorID: 1, MaxA: 32, Phases: 3},
		{CPID: "000002", ConnectorID: 1, MaxA: 32, Phases: 1, Rotation: "SRT"}}
	f := newLoop(t, m)
	f.site.addCharger("000001", 1)
	f.site.addCharger("000002", 1)
	a := f.site.start("000001", 1, t0)
	f.site.start("000002", 1, t0)
	f.step()
	f.want(t, "000001/1", 16)
	f.want(t, "000002/1", 16)
	report := func(l1, l2, l3 string) {
		at := f.clock.Now()
		tx := a.TransactionID
		cur := func(p, v string) volt.MeterSample {
			return volt.MeterSample{Timestamp: at, Measurand: "Current.Import", Phase: p, Unit: "A", Value: v}
		}
		f.m.AfterMeterReport(context.Background(), volt.MeterReport{CPID: "000001", ConnectorID: 1, TransactionID: &tx,
			Samples: []volt.MeterSample{cur("L1", l1), cur("L2", l2), cur("L3", l3)}})
	}
	report("16", "0", "0.1")
	f.clock.Add(30 * time.Second)
	report("16", "0", "0")
	f.step()
	f.want(t, "000002/1", 16) // not yet a minute
	f.clock.Add(31 * time.Second)
	report("16", "0.2", "0")
	f.step()
	f.clock.Add(10 * time.Second)
	f.step() // raises wait MinInterval
	f.want(t, "000001/1", 32)
	f.want(t, "000002/1", 32)
	for i, c := range f.cmd.calls {
		if f.cmd.cpids[i] == "000001" {
			if p := c.CsChargingProfiles.ChargingSchedule.ChargingSchedulePeriod[0].NumberPhases; p == nil || *p != 3 {
				t.Errorf("numberPhases %v to the 3-phase outlet, want the outlet's 3", p)
			}
		}
	}
	// The car starts drawing on L2: it is a 3-phase car again at once.
	report("16", "16", "16")
	f.m.Step(context.Background(), false) // recomputed without waiting for the tick
	f.want(t, "000001/1", 16)
	f.want(t, "000002/1", 16)
}

// TestLoopPeakWindow: during a window the chargers share its limit.
func TestLoopPeakWindow(t *testing.T) {
	m := staticSite(32)
	m.TimeZone = "UTC"
	m.EVSEs = []volt.LoadEVSE{{CPID: "000001", ConnectorID: 1, MaxA: 32}}
	m.Windows = []volt.LoadWindow{{From: "12:05", To: "13:00", LimitA: 10}}
	f := newLoop(t, m)
	f.site.addCharger("000001", 1)
	f.site.start("000001", 1, t0)
	f.step()
	f.want(t, "000001/1", 32) // 12:00
	f.clock.Add(5 * time.Minute)
	f.step()
	f.want(t, "000001/1", 10) // 12:05, peak
	f.clock.Add(55 * time.Minute)
	f.step()
	f.want(t, "000001/1", 32)
}

// TestLoopNoRaiseWhenACutFailed: a raise that relies on a cut elsewhere
// waits while the cut has not reached its charger.
func TestLoopNoRaiseWhenACutFailed(t *testing.T) {
	m := staticSite(10)
	m.EVSEs = []volt.LoadEVSE{{CPID: "000001", ConnectorID: 1, MaxA: 32}, {CPID: "000002", ConnectorID: 1, MaxA: 32}}
	f := newLoop(t, m)
	f.site.addCharger("000001", 1)
	f.site.addCharger("000002", 1)
	f.site.start("000001", 1, t0)
	f.site.start("000002", 1, t0.Add(time.Second))
	f.step()
	f.want(t, "000001/1", 10)
	f.want(t, "000002/1", 0) // queued
	// After MinRun it is 000002's turn: 000001 is cut to 0 and 000002
	// raised to 10, but the cut times out.
	f.clock.Add(16 * time.Minute)
	f.cmd.mu.Lock()
	f.cmd.offline["000001"] = true
	f.cmd.mu.Unlock()
	f.step()
	f.want(t, "000002/1", 0)
	f.cmd.mu.Lock()
	f.cmd.offline["000001"] = false
	f.cmd.mu.Unlock()
	f.step()
	f.want(t, "000001/1", 0)
	f.want(t, "000002/1", 10)
}

// TestLoopChargerGroupCircuit: a charger group's circuit holds its
// chargers' outlets that the model does not place.
func TestLoopChargerGroupCircuit(t *testing.T) {
	m := staticSite(32)
	m.Circuits = []volt.LoadCircuit{{ID: "bay", LimitA: 10, ChargerGroupID: "g1"}}
	f := newLoop(t, m)
	f.site.addCharger("000001", 1)
	f.site.addCharger("000002", 1)
	f.site.chargers["000001"].ChargerGroupID = "g1"
	f.site.start("000001", 1, t0)
	f.site.start("000002", 1, t0)
	f.step()
	f.want(t, "000001/1", 10)
	f.want(t, "000002/1", 22)
}

// TestLoopCountsNonCompliantChargerAtItsDraw: a charger that accepted 16 A
// but draws 30 A is counted at 30 A until it complies (LESSONS 29).
func TestLoopCountsNonCompliantChargerAtItsDraw(t *testing.T) {
	m := staticSite(32)
	m.EVSEs = []volt.LoadEVSE{{CPID: "000001", ConnectorID: 1, MaxA: 32}, {CPID: "000002", ConnectorID: 1, MaxA: 32}}
	f := newLoop(t, m)
	f.site.addCharger("000001", 1)
	f.site.addCharger("000002", 1)
	f.site.start("000001", 1, t0)
	f.site.start("000002", 1, t0)
	f.step()
	f.want(t, "000001/1", 16)
	f.want(t, "000002/1", 16)
	f.clock.Add(10 * time.Second)
	f.site.meter("000001", 1, 30*3*230, f.clock.Now()) // too soon to judge
	f.step()
	f.want(t, "000002/1", 16)
	f.clock.Add(20 * time.Second)
	f.site.meter("000001", 1, 30*3*230, f.clock.Now())
	f.step()
	f.want(t, "000002/1", 0) // 32 - 30 leaves less than 6 A
	if a, _ := f.m.OutletLoad("000001", 1); a == nil || a.Reason != string(ReasonFixed) || a.CurrentA != 30 {
		t.Errorf("non-compliant outlet: %+v", a)
	}
	f.clock.Add(20 * time.Second)
	f.site.meter("000001", 1, 16*3*230, f.clock.Now())
	f.step()
	f.want(t, "000002/1", 16)
}

// TestLoopModelChangeResendsFailsafes: a changed model gives the site's
// online chargers their failsafes again (a new fallback share).
func TestLoopModelChangeResendsFailsafes(t *testing.T) {
	m := staticSite(32)
	m.FallbackLimitA = 12
	f := newLoop(t, m)
	f.site.addCharger("000001", 1)
	f.site.addCharger("000002", 1)
	f.site.setOnline("000002", false)
	f.m.Observe(volt.Event{Type: volt.EventLoadManagement, Data: &volt.LoadManagement{SiteID: "site"}})
	f.m.Step(context.Background(), false)
	var to []string
	for i, c := range f.cmd.calls {
		if c.CsChargingProfiles.ChargingProfilePurpose == v16.ChargingProfilePurposeTypeTxDefaultProfile &&
			c.CsChargingProfiles.ChargingSchedule.ChargingSchedulePeriod[0].Limit == 6 {
			to = append(to, f.cmd.cpids[i])
		}
	}
	if len(to) != 1 || to[0] != "000001" {
		t.Errorf("6 A failsafe (12 A over 2 outlets) sent to %v, want the online 000001 only", to)
	}
}
