package lms

import (
	"math"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// ev is a 3-phase EVSE on L1-L2-L3 with a session, 6–max A.
func ev(id string, max float64) EVSE {
	return EVSE{ID: id, MinA: 6, MaxA: max, Phases: 3, Rotation: [3]uint8{0, 1, 2}, Active: true, Since: t0}
}

func one(id string, max float64, phase uint8) EVSE {
	e := ev(id, max)
	e.Phases, e.Rotation = 1, [3]uint8{phase, (phase + 1) % 3, (phase + 2) % 3}
	return e
}

func currents(r *Result) map[string]float64 {
	m := map[string]float64{}
	for _, a := range r.EVSEs {
		m[a.ID] = a.CurrentA
	}
	return m
}

// TestAllocateTable holds hand-computed cases.
func TestAllocateTable(t *testing.T) {
	later := func(e EVSE, d time.Duration) EVSE { e.Since = t0.Add(d); return e }
	withPrio := func(e EVSE, p int) EVSE { e.Priority = p; return e }
	withDemand := func(e EVSE, d float64) EVSE { e.DemandA = d; return e }
	fixed := func(e EVSE, a float64) EVSE { e.Fixed, e.FixedA = true, a; return e }
	idle := func(e EVSE) EVSE { e.Active = false; return e }
	in := func(e EVSE, c string) EVSE { e.Circuit = c; return e }
	cases := []struct {
		name string
		in   Input
		want map[string]float64
	}{
		{"equal share", Input{SupplyA: three(32), EVSEs: []EVSE{ev("a", 32), ev("b", 32)}},
			map[string]float64{"a": 16, "b": 16}},
		{"idle outlets get nothing", Input{SupplyA: three(32), EVSEs: []EVSE{ev("a", 32), idle(ev("b", 32))}},
			map[string]float64{"a": 32, "b": 0}},
		// 32 A for six cars is 5.3 A each: five run at 6 A, the last to
		// arrive waits, and the 2 A left over are shared by the five.
		{"below 6 A the last arrival queues", Input{SupplyA: three(32), EVSEs: []EVSE{
			ev("a", 32), later(ev("b", 32), 1), later(ev("c", 32), 2), later(ev("d", 32), 3),
			later(ev("e", 32), 4), later(ev("f", 32), 5)}},
			map[string]float64{"a": 6.4, "b": 6.4, "c": 6.4, "d": 6.4, "e": 6.4, "f": 0}},
		{"what one car cannot take goes to the other", Input{SupplyA: three(32), EVSEs: []EVSE{ev("a", 10), ev("b", 32)}},
			map[string]float64{"a": 10, "b": 22}},
		{"double dynamic: a car drawing 8 A leaves the rest", Input{SupplyA: three(32), EVSEs: []EVSE{withDemand(ev("a", 32), 8), ev("b", 32)}},
			map[string]float64{"a": 8, "b": 24}},
		{"single-phase cars on rotated wiring share no phase", Input{SupplyA: three(16), EVSEs: []EVSE{
			one("a", 16, 0), one("b", 16, 1), one("c", 16, 2)}},
			map[string]float64{"a": 16, "b": 16, "c": 16}},
		{"two single-phase cars on L1 share it, the L2 car does not", Input{SupplyA: three(16), EVSEs: []EVSE{
			one("a", 16, 0), one("b", 16, 0), one("c", 16, 1)}},
			map[string]float64{"a": 8, "b": 8, "c": 16}},
		{"a three-phase car is limited by its fullest phase", Input{SupplyA: three(20), EVSEs: []EVSE{
			one("a", 16, 0), ev("b", 32)}},
			map[string]float64{"a": 10, "b": 10}},
		{"building load over the supply pauses everything", Input{SupplyA: three(32), BuildingA: Phases{10, 40, 10},
			EVSEs: []EVSE{ev("a", 32), one("b", 32, 0)}},
			map[string]float64{"a": 0, "b": 22}},
		{"negative capacity pauses everything", Input{SupplyA: three(-5), EVSEs: []EVSE{ev("a", 32), one("b", 32, 2)}},
			map[string]float64{"a": 0, "b": 0}},
		{"dynamic: building load taken first", Input{SupplyA: three(40), BuildingA: Phases{20, 12, 16},
			EVSEs: []EVSE{ev("a", 32)}},
			map[string]float64{"a": 20}},
		{"higher priority served first", Input{SupplyA: three(20), EVSEs: []EVSE{ev("lo", 16), withPrio(ev("hi", 16), 1)}},
			map[string]float64{"hi": 14, "lo": 6}},
		{"higher priority admitted first", Input{SupplyA: three(10), EVSEs: []EVSE{ev("lo", 16), later(withPrio(ev("hi", 16), 1), time.Hour)}},
			map[string]float64{"hi": 10, "lo": 0}},
		{"nested circuits", Input{SupplyA: three(63),
			Circuits: []Circuit{{ID: "c1", LimitA: three(20)}, {ID: "c2", LimitA: three(Unlimited)}},
			EVSEs:    []EVSE{in(ev("a", 32), "c1"), in(ev("b", 32), "c1"), in(ev("c", 32), "c2")}},
			map[string]float64{"a": 10, "b": 10, "c": 32}},
		{"a sub-circuit limited by its parent", Input{SupplyA: three(63),
			Circuits: []Circuit{{ID: "feed", LimitA: three(25)}, {ID: "bay", Parent: "feed", LimitA: three(40)}},
			EVSEs:    []EVSE{in(ev("a", 32), "bay"), in(ev("b", 32), "feed")}},
			map[string]float64{"a": 12.5, "b": 12.5}},
		{"a kW limit: 11 kW at 230 V is 15.9 A on three phases", Input{SupplyA: three(63), SupplyW: 11000,
			EVSEs: []EVSE{ev("a", 32)}},
			map[string]float64{"a": 15.9}},
		{"an uncontrolled outlet keeps its draw", Input{SupplyA: three(32), EVSEs: []EVSE{fixed(ev("off", 32), 16), ev("a", 32)}},
			map[string]float64{"off": 16, "a": 16}},
		{"an uncontrolled outlet over the limit pauses the rest", Input{SupplyA: three(32), EVSEs: []EVSE{fixed(ev("off", 32), 32), ev("a", 32)}},
			map[string]float64{"off": 32, "a": 0}},
		{"max below 6 A never charges", Input{SupplyA: three(32), EVSEs: []EVSE{ev("a", 5)}},
			map[string]float64{"a": 0}},
		{"a small raise is held back", Input{SupplyA: three(20.5), Now: t0.Add(time.Minute),
			EVSEs: []EVSE{ev("a", 32)}, Prev: map[string]State{"a": {AllocatedA: 20, Since: t0}}},
			map[string]float64{"a": 20}},
		{"a large raise is not", Input{SupplyA: three(22), Now: t0.Add(time.Minute),
			EVSEs: []EVSE{ev("a", 32)}, Prev: map[string]State{"a": {AllocatedA: 20, Since: t0}}},
			map[string]float64{"a": 22}},
		{"a small cut is applied", Input{SupplyA: three(19.5), Now: t0.Add(time.Minute),
			EVSEs: []EVSE{ev("a", 32)}, Prev: map[string]State{"a": {AllocatedA: 20, Since: t0}}},
			map[string]float64{"a": 19.5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := currents(Allocate(&c.in))
			for id, want := range c.want {
				if math.Abs(got[id]-want) > 1e-9 {
					t.Errorf("%s: got %.2f A, want %.2f A (all: %v)", id, got[id], want, got)
				}
			}
		})
	}
}

// TestAllocateRotatesQueuedSessions: on a site with room for one car, the
// one waiting longest gets its turn once the runner has had MinRun.
func TestAllocateRotatesQueuedSessions(t *testing.T) {
	in := Input{SupplyA: three(10), MinRun: 15 * time.Minute, Now: t0,
		EVSEs: []EVSE{ev("a", 32), ev("b", 32)}}
	in.EVSEs[1].Since = t0.Add(time.Second)
	run := func(now time.Time) map[string]float64 {
		in.Now = now
		r := Allocate(&in)
		in.Prev = map[string]State{}
		for _, a := range r.EVSEs {
			in.Prev[a.ID] = a.State
		}
		return currents(r)
	}
	if got := run(t0); got["a"] != 10 || got["b"] != 0 {
		t.Fatalf("first: %v, want a charging, b queued", got)
	}
	if got := run(t0.Add(5 * time.Minute)); got["a"] != 10 || got["b"] != 0 {
		t.Fatalf("within MinRun: %v, want a still charging", got)
	}
	if got := run(t0.Add(16 * time.Minute)); got["a"] != 0 || got["b"] != 10 {
		t.Fatalf("after MinRun: %v, want b's turn", got)
	}
	if got := run(t0.Add(20 * time.Minute)); got["a"] != 0 || got["b"] != 10 {
		t.Fatalf("b within MinRun: %v, want b still charging", got)
	}
	if got := run(t0.Add(32 * time.Minute)); got["a"] != 10 || got["b"] != 0 {
		t.Fatalf("after b's MinRun: %v, want a's turn again", got)
	}
}

// TestAllocateGarbagePauses: input no validation would let through still
// never yields a current above a limit: NaN and negative limits pause.
func TestAllocateGarbagePauses(t *testing.T) {
	nan := math.NaN()
	for name, in := range map[string]Input{
		"NaN supply":            {SupplyA: Phases{nan, 32, 32}},
		"NaN building":          {SupplyA: three(32), BuildingA: Phases{0, nan, 0}},
		"negative power":        {SupplyA: three(32), SupplyW: -1},
		"NaN power":             {SupplyA: three(32), SupplyW: nan},
		"NaN circuit":           {SupplyA: three(32), Circuits: []Circuit{{ID: "c", LimitA: Phases{32, nan, 32}}}},
		"NaN circuit power":     {SupplyA: three(32), Circuits: []Circuit{{ID: "c", LimitA: three(32), LimitW: nan}}},
		"NaN voltage":           {SupplyA: three(32), SupplyW: 10000, VoltageV: nan},
		"NaN uncontrolled":      {SupplyA: three(32), EVSEs: []EVSE{{ID: "x", Fixed: true, FixedA: nan, Phases: 3}}},
		"infinite uncontrolled": {SupplyA: three(32), EVSEs: []EVSE{{ID: "x", Fixed: true, FixedA: math.Inf(1), Phases: 3}}},
	} {
		e := ev("a", 32)
		e.Circuit = "c"
		in.EVSEs = append(in.EVSEs, e)
		if got := currents(Allocate(&in))["a"]; got != 0 {
			t.Errorf("%s: %v A, want paused", name, got)
		}
	}
	in := Input{SupplyA: three(32), EVSEs: []EVSE{{ID: "a", MinA: nan, MaxA: 32, Phases: 3, Active: true},
		{ID: "b", MinA: 6, MaxA: nan, Phases: 3, Active: true}}}
	if got := currents(Allocate(&in)); got["a"] != 0 || got["b"] != 0 {
		t.Errorf("NaN bounds: %v, want both paused", got)
	}
}
