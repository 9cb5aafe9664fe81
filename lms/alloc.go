package lms

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// MinChargeA is the lowest current a charge may be offered (IEC 61851-1: a
// PWM duty cycle below 6 A means "no charging"). An EVSE is never allocated
// a current strictly between 0 and MinChargeA.
const MinChargeA = 6.0

// Step is the resolution of an allocation: currents are rounded down to
// 0.1 A, which is what chargers accept in a profile.
const Step = 0.1

// eps absorbs floating-point error in comparisons with limits.
const eps = 1e-9

// Phases holds one value per grid phase: L1, L2, L3.
type Phases [3]float64

// Unlimited is a limit that does not bind (an absent per-phase or power
// limit).
var Unlimited = math.Inf(1)

// Input is everything one allocation of one site needs. It is data only:
// Allocate reads no clock and does no I/O; the loop fills Now and Prev.
type Input struct {
	// SupplyA is the site's limit per grid phase at the connection (for a
	// static site, what the chargers may share; Unlimited for a phase
	// without limit, 0 for a phase the site does not have).
	SupplyA Phases
	// SupplyW limits the site's total power (0: no power limit; a negative
	// or NaN one pauses everything).
	SupplyW float64
	// VoltageV is the phase-to-neutral voltage used to turn amps into
	// watts for power limits (default 230).
	VoltageV float64
	// BuildingA is the load per phase that is not the chargers' (dynamic
	// modes): it is taken from the supply before the chargers share it.
	BuildingA Phases
	// ChargersA limits the chargers' total per phase, whatever the
	// building (an off-peak window's limit); the zero value is no limit.
	ChargersA *Phases
	// Circuits are the sub-panels and charger groups under the connection.
	Circuits []Circuit
	// EVSEs are every controllable or not outlet of the site.
	EVSEs []EVSE
	// HysteresisA: a running EVSE's allocation is not raised by less than
	// this (default 1 A), so limits do not flap with the building load.
	HysteresisA float64
	// MinRun protects a session that started charging from being paused
	// for a queued one before it has run this long (fair rotation).
	MinRun time.Duration
	// Now is the time of this allocation; Prev the state the last one
	// returned (by EVSE ID).
	Now  time.Time
	Prev map[string]State
}

// Circuit is a sub-panel, a feeder or a charger group with its own limits.
// Parent is the ID of the circuit above it ("" for the site connection).
type Circuit struct {
	ID     string
	Parent string
	// LimitA per grid phase (Unlimited where none).
	LimitA Phases
	// LimitW limits the circuit's total power (0: none).
	LimitW float64
}

// EVSE is one outlet: where it is wired and what its session asks for.
type EVSE struct {
	ID      string
	Circuit string // "" for directly under the site connection
	// MinA and MaxA bound the current the outlet may be offered; MinA
	// below MinChargeA counts as MinChargeA.
	MinA, MaxA float64
	// Phases is how many phases the session draws (1–3): the outlet's, or
	// fewer for a car that charges on fewer.
	Phases int
	// Rotation maps the outlet's phase i to its grid phase (0 = L1): a
	// charger wired L2-L3-L1 is {1, 2, 0}. The zero value is L1-L2-L3.
	Rotation [3]uint8
	// Active: a session is plugged in and wants power.
	Active bool
	// Priority: a higher priority is served first.
	Priority int
	// NeedA is the current per phase the car must average to get the
	// energy it asked for by its departure (Needs.NeedA; 0: not said).
	// Within a priority, a car that needs at least MinChargeA is admitted
	// before the others, the neediest first.
	NeedA float64
	// DemandA is what the car is measured to take (double dynamic); 0 is
	// unknown. An EVSE is never given more than max(DemandA, min) when set.
	DemandA float64
	// Fixed marks an outlet Volt cannot control (it rejects profiles, or is
	// offline): it is counted as drawing FixedA on its phases and keeps it.
	Fixed  bool
	FixedA float64
	// Since is when the session arrived: the start of its wait when it has
	// no previous state.
	Since time.Time
}

// State is what an allocation remembers of an EVSE for the next one.
type State struct {
	// AllocatedA is the current given (0: paused or idle).
	AllocatedA float64
	// Since is when the EVSE last changed between running and paused.
	Since time.Time
}

// Reason says why an EVSE got what it got, for the driver and the portal.
type Reason string

// Reasons of an Allocation.
const (
	ReasonIdle    Reason = "idle"    // no session
	ReasonFull    Reason = "full"    // its maximum
	ReasonDemand  Reason = "demand"  // what the car takes (double dynamic)
	ReasonLimited Reason = "limited" // less than it could take: a limit binds
	ReasonQueued  Reason = "queued"  // paused: not enough for the minimum, waiting its turn
	ReasonFixed   Reason = "fixed"   // not controlled (offline, or rejects profiles)
)

// Allocation is the result for one EVSE: CurrentA on each of its phases,
// PhaseA the same per grid phase.
type Allocation struct {
	ID       string
	CurrentA float64
	PhaseA   Phases
	Reason   Reason
	State    State
}

// Result is one allocation of a site, in the order of Input.EVSEs.
type Result struct {
	EVSEs []Allocation
}

// coef is one EVSE's use of one constraint per ampere.
type coef struct {
	c int
	a float64
}

// problem is the linear form of a site: constraints (capacity, use) and, per
// EVSE, which constraints one ampere uses.
type problem struct {
	cap, used []float64
	uses      [][]coef // per EVSE
	users     [][]int  // per constraint: EVSE indexes
}

// Allocate shares a site's capacity among its EVSEs. It is a pure function.
//
// Fixed outlets are counted first. Then sessions are admitted in order
// (priority, then the rotation of ordered()) while each fits at its minimum
// on every phase of every circuit above it; a session that does not fit is
// paused (0 A) and queued. Admitted sessions are then raised together,
// priority level by priority level, by progressive filling: every EVSE
// rises at the same rate until it reaches what it can take (its maximum or
// measured demand) or a constraint it uses is full, so what one car cannot
// use goes to the others. Finally small raises are held back (hysteresis)
// and currents are rounded down to Step. No allocation exceeds a limit
// whatever the input: with no capacity, every session is paused.
func Allocate(in *Input) *Result {
	p := build(in)
	res := &Result{EVSEs: make([]Allocation, len(in.EVSEs))}
	cur := make([]float64, len(in.EVSEs))
	capA := make([]float64, len(in.EVSEs))
	admitted := make([]bool, len(in.EVSEs))
	for i := range in.EVSEs {
		e := &in.EVSEs[i]
		res.EVSEs[i].ID = e.ID
		if e.Fixed {
			cur[i] = math.Max(e.FixedA, 0)
			p.use(i, cur[i])
		}
	}
	for _, i := range ordered(in) {
		e := &in.EVSEs[i]
		lo, hi := bounds(e)
		capA[i] = hi
		if hi >= lo && p.fits(i, lo) {
			p.use(i, lo)
			cur[i], admitted[i] = lo, true
		}
	}
	for _, level := range levels(in, admitted) {
		p.fill(level, cur, capA)
	}
	for i := range in.EVSEs {
		res.EVSEs[i] = finish(in, i, cur[i], capA[i], admitted[i])
	}
	return res
}

// bounds returns the least and most an active EVSE may be given.
func bounds(e *EVSE) (lo, hi float64) {
	lo = math.Ceil(math.Max(e.MinA, MinChargeA)/Step-1e-6) * Step
	hi = e.MaxA
	if e.DemandA > 0 {
		hi = math.Min(hi, math.Max(e.DemandA, lo))
	}
	return lo, hi
}

// finish rounds, applies hysteresis and names the reason for EVSE i.
func finish(in *Input, i int, a, hi float64, admitted bool) Allocation {
	e := &in.EVSEs[i]
	prev, had := in.Prev[e.ID]
	out := Allocation{ID: e.ID}
	switch {
	case e.Fixed:
		out.CurrentA, out.Reason = math.Max(e.FixedA, 0), ReasonFixed
	case !e.Active:
		out.Reason = ReasonIdle
	case !admitted:
		out.Reason = ReasonQueued
	default:
		lo, _ := bounds(e)
		h := in.HysteresisA
		if h == 0 {
			h = 1
		}
		// Hold back a small raise: lowering to the previous value is always
		// within limits.
		if had && prev.AllocatedA >= lo && a > prev.AllocatedA && a-prev.AllocatedA < h {
			a = prev.AllocatedA
		}
		a = math.Max(math.Floor(a/Step+1e-6)*Step, lo)
		out.CurrentA = math.Round(a*10) / 10
		switch {
		case out.CurrentA >= e.MaxA-eps:
			out.Reason = ReasonFull
		case e.DemandA > 0 && out.CurrentA >= hi-h-Step:
			out.Reason = ReasonDemand
		default:
			out.Reason = ReasonLimited
		}
	}
	for _, g := range gridPhases(e) {
		out.PhaseA[g] = out.CurrentA
	}
	out.State = State{AllocatedA: out.CurrentA, Since: in.Now}
	if !had && e.Active && !e.Since.IsZero() {
		out.State.Since = e.Since
	}
	if had && (prev.AllocatedA > 0) == (out.CurrentA > 0) {
		out.State.Since = prev.Since
	}
	return out
}

// phaseSets lists, by bit mask of grid phases, those phases (shared,
// read-only: no allocation per call).
var phaseSets = [8][]int{{}, {0}, {1}, {0, 1}, {2}, {0, 2}, {1, 2}, {0, 1, 2}}

// gridPhases returns the grid phases an EVSE draws from. A rotation that is
// not a permutation counts as all three phases (the safe side).
func gridPhases(e *EVSE) []int {
	n := min(max(e.Phases, 1), 3)
	mask := 0
	for i := 0; i < n; i++ {
		g := int(e.Rotation[i])
		if g > 2 || mask&(1<<g) != 0 {
			return phaseSets[7]
		}
		mask |= 1 << g
	}
	return phaseSets[mask]
}

// ordered returns the active, controllable EVSEs in admission order: higher
// priority first; within a priority, sessions that started charging less
// than MinRun ago, then cars that must charge now to make their departure
// (NeedA at least MinChargeA), the neediest first, then queued sessions
// longest waiting first, then the
// other running ones, most recently started first (so that the longest
// running yield their place in turn).
func ordered(in *Input) []int {
	type key struct {
		i, prio, class int
		need           float64 // NeedA when urgent (≥ MinChargeA), else 0
		since          time.Time
	}
	keys := make([]key, 0, len(in.EVSEs))
	for i := range in.EVSEs {
		e := &in.EVSEs[i]
		if !e.Active || e.Fixed {
			continue
		}
		k := key{i: i, prio: e.Priority, class: 1, since: e.Since}
		if e.NeedA >= MinChargeA {
			k.need = e.NeedA
		}
		if st, ok := in.Prev[e.ID]; ok {
			k.since = st.Since
			if st.AllocatedA > 0 {
				k.class = 2
				if in.Now.Sub(st.Since) < in.MinRun {
					k.class = 0
				}
			}
		}
		keys = append(keys, k)
	}
	slices.SortStableFunc(keys, func(a, b key) int {
		if a.prio != b.prio {
			return b.prio - a.prio
		}
		if (a.class == 0) != (b.class == 0) { // just started: kept running
			return a.class - b.class
		}
		if a.need != b.need { // urgent cars, the neediest first
			return cmp.Compare(b.need, a.need)
		}
		if a.class != b.class {
			return a.class - b.class
		}
		if a.class == 2 {
			return b.since.Compare(a.since)
		}
		return a.since.Compare(b.since)
	})
	out := make([]int, len(keys))
	for j, k := range keys {
		out[j] = k.i
	}
	return out
}

// levels groups the admitted EVSEs by priority, highest first.
func levels(in *Input, admitted []bool) [][]int {
	var prios []int
	by := map[int][]int{}
	for i, ok := range admitted {
		if !ok {
			continue
		}
		pr := in.EVSEs[i].Priority
		if _, seen := by[pr]; !seen {
			prios = append(prios, pr)
		}
		by[pr] = append(by[pr], i)
	}
	slices.Sort(prios)
	out := make([][]int, 0, len(prios))
	for j := len(prios) - 1; j >= 0; j-- {
		out = append(out, by[prios[j]])
	}
	return out
}
