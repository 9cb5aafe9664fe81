package lms

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

var propN = flag.Int("lms.n", 3000, "random sites per property test")

// randomSite draws a site: a supply that may be tight, absent on a phase or
// negative after the building load, a tree of circuits (sometimes a child
// above its parent, sometimes a power limit), and outlets with every mix of
// phases, rotations, limits, priorities, demands and uncontrolled ones.
func randomSite(r *rand.Rand) *Input {
	in := &Input{Now: t0, VoltageV: 230, HysteresisA: 1}
	for g := range 3 {
		in.SupplyA[g] = float64(r.IntN(120))
		if r.IntN(10) == 0 {
			in.SupplyA[g] = Unlimited
		}
		if r.IntN(3) == 0 {
			in.BuildingA[g] = r.Float64() * 60
		}
	}
	if r.IntN(4) == 0 {
		in.SupplyW = float64(r.IntN(60000))
	}
	if r.IntN(5) == 0 {
		w := Phases{float64(r.IntN(60)), float64(r.IntN(60)), float64(r.IntN(60))}
		in.ChargersA = &w
	}
	for c := range r.IntN(6) {
		ci := Circuit{ID: fmt.Sprint("c", c)}
		if c > 0 && r.IntN(2) == 0 {
			ci.Parent = fmt.Sprint("c", r.IntN(c))
		}
		for g := range 3 {
			ci.LimitA[g] = float64(r.IntN(80))
			if r.IntN(5) == 0 {
				ci.LimitA[g] = Unlimited
			}
		}
		if r.IntN(5) == 0 {
			ci.LimitW = float64(r.IntN(30000))
		}
		in.Circuits = append(in.Circuits, ci)
	}
	for i := range r.IntN(30) {
		e := EVSE{ID: fmt.Sprint("e", i), MinA: 6, MaxA: float64(6 + r.IntN(27)), Phases: 1 + r.IntN(3),
			Active: r.IntN(5) > 0, Priority: r.IntN(3), Since: t0.Add(-time.Duration(r.IntN(3600)) * time.Second)}
		perm := r.Perm(3)
		e.Rotation = [3]uint8{uint8(perm[0]), uint8(perm[1]), uint8(perm[2])}
		switch r.IntN(12) {
		case 0:
			e.MinA = 0
		case 1:
			e.MinA = 10
		case 2:
			e.MaxA = float64(r.IntN(6)) // never charges
		case 3:
			e.MaxA = 6.05
			e.MinA = 6.05
		}
		if len(in.Circuits) > 0 && r.IntN(4) > 0 {
			e.Circuit = in.Circuits[r.IntN(len(in.Circuits))].ID
		}
		if r.IntN(4) == 0 {
			e.DemandA = r.Float64() * 32
		}
		if r.IntN(10) == 0 {
			e.Fixed, e.FixedA = true, r.Float64()*32
		}
		if r.IntN(3) == 0 { // a car that said when it leaves and what it needs
			e.NeedA = r.Float64() * 20
		}
		in.EVSEs = append(in.EVSEs, e)
	}
	return in
}

// limit is one constraint of a site as the checker sees it: a phase or the
// power of a node, and per EVSE its use per ampere.
type limit struct {
	name  string
	cap   float64
	coef  map[int]float64
	fixed float64
}

// limitsOf lists a site's constraints from its description, independently
// of the allocator's own model.
func limitsOf(in *Input) []*limit {
	v := in.VoltageV
	parent := map[string]string{}
	for _, c := range in.Circuits {
		parent[c.ID] = c.Parent
	}
	under := func(e *EVSE, node string) bool {
		if node == "" {
			return true
		}
		for c, hops := e.Circuit, 0; c != "" && hops < 10; c, hops = parent[c], hops+1 {
			if _, known := parent[c]; !known {
				return false
			}
			if c == node {
				return true
			}
		}
		return false
	}
	var out []*limit
	node := func(id string, perPhase Phases, watts float64, building Phases) {
		var phase [3]*limit
		for g := range 3 {
			phase[g] = &limit{name: fmt.Sprintf("%q L%d", id, g+1), cap: perPhase[g] - building[g], coef: map[int]float64{}}
		}
		pw := &limit{name: fmt.Sprintf("%q power", id), cap: watts - v*(building[0]+building[1]+building[2]), coef: map[int]float64{}}
		for i := range in.EVSEs {
			e := &in.EVSEs[i]
			if !under(e, id) {
				continue
			}
			gp := gridPhases(e)
			for _, g := range gp {
				phase[g].coef[i] = 1
			}
			pw.coef[i] = v * float64(len(gp))
		}
		out = append(out, phase[0], phase[1], phase[2])
		if watts > 0 {
			out = append(out, pw)
		}
	}
	node("", in.SupplyA, in.SupplyW, in.BuildingA)
	if in.ChargersA != nil {
		node("", *in.ChargersA, 0, Phases{}) // every outlet, without the building
	}
	for _, c := range in.Circuits {
		node(c.ID, c.LimitA, c.LimitW, Phases{})
	}
	for _, l := range out {
		for i, a := range l.coef {
			if e := in.EVSEs[i]; e.Fixed {
				l.fixed += a * math.Max(e.FixedA, 0)
			}
		}
	}
	return out
}

func (l *limit) load(r *Result) float64 {
	var s float64
	for i, a := range l.coef {
		s += a * r.EVSEs[i].CurrentA
	}
	return s
}

// checkAllocation asserts the properties every allocation has. With
// strict (no hysteresis state), it also asserts that capacity is not left
// unused and that priorities are served first, within rounding.
func checkAllocation(t *testing.T, in *Input, r *Result, strict bool) {
	t.Helper()
	lim := limitsOf(in)
	for i, a := range r.EVSEs {
		e := in.EVSEs[i]
		lo, hi := bounds(&e)
		switch {
		case e.Fixed:
			continue
		case a.CurrentA > 0 && a.CurrentA < MinChargeA:
			t.Fatalf("%s: %.3f A is between 0 and 6 A", e.ID, a.CurrentA)
		case !e.Active && a.CurrentA != 0:
			t.Fatalf("%s: idle outlet given %.3f A", e.ID, a.CurrentA)
		case a.CurrentA > 0 && (a.CurrentA < lo-1e-9 || a.CurrentA > e.MaxA+1e-9):
			t.Fatalf("%s: %.3f A outside its %.2f–%.2f A", e.ID, a.CurrentA, lo, e.MaxA)
		case a.CurrentA > 0 && e.DemandA > 0 && a.CurrentA > hi+in.HysteresisA:
			t.Fatalf("%s: %.3f A above its demand %.2f A", e.ID, a.CurrentA, hi)
		}
	}
	for _, l := range lim {
		load := l.load(r)
		if load <= l.cap+1e-6 {
			continue
		}
		// Over a limit only when the uncontrolled outlets alone are over
		// it: then no controlled outlet under it may draw.
		if l.fixed <= l.cap+1e-6 || load-l.fixed > 1e-9 {
			t.Fatalf("limit %s exceeded: %.3f > %.3f (uncontrolled %.3f)", l.name, load, l.cap, l.fixed)
		}
	}
	if !strict {
		return
	}
	slack := func(l *limit) float64 { return l.cap - l.load(r) }
	// tol is what rounding each user of l down to Step may leave unused.
	tol := func(l *limit) float64 {
		var s float64
		for _, a := range l.coef {
			s += a * Step
		}
		return s + 1e-6
	}
	for i, a := range r.EVSEs {
		e := in.EVSEs[i]
		lo, hi := bounds(&e)
		if e.Fixed || !e.Active || hi < lo {
			continue
		}
		if a.CurrentA == 0 {
			// Queued: it would not fit at its minimum beside the outlets of
			// its priority or higher at their minimum; from a fresh start
			// (strict), beside those of its priority at least as urgent.
			fits := true
			for _, l := range lim {
				c, ok := l.coef[i]
				if !ok {
					continue
				}
				use := l.fixed
				for j, cj := range l.coef {
					ej := in.EVSEs[j]
					ahead := ej.Priority > e.Priority || (ej.Priority == e.Priority && (!strict || urgency(&ej) >= urgency(&e)))
					if j != i && !ej.Fixed && r.EVSEs[j].CurrentA > 0 && ahead {
						loj, _ := bounds(&ej)
						use += cj * loj
					}
				}
				if use+c*lo > l.cap+1e-6 {
					fits = false
				}
			}
			if fits {
				t.Fatalf("%s (need %.1f A) queued though it fits at %.1f A beside its priority (as urgent) and higher", e.ID, e.NeedA, lo)
			}
			continue
		}
		if a.CurrentA >= hi-Step-1e-9 {
			continue
		}
		// Below what it could take: some limit over it is full, and no
		// lower-priority outlet under that limit has more than its minimum.
		ok := false
		for _, l := range lim {
			if _, uses := l.coef[i]; !uses || slack(l) > tol(l) {
				continue
			}
			starved := true
			for j := range l.coef {
				ej := in.EVSEs[j]
				loj, _ := bounds(&ej)
				if !ej.Fixed && ej.Priority < e.Priority && r.EVSEs[j].CurrentA > loj+Step+1e-9 {
					starved = false
				}
			}
			if starved {
				ok = true
				break
			}
		}
		if !ok {
			t.Fatalf("%s at %.2f A below the %.2f A it could take, with room on every limit over it or a lower priority served first", e.ID, a.CurrentA, hi)
		}
	}
}

// TestAllocateProperties checks, over many random sites, that no limit is
// exceeded, no allocation lies in (0, 6) A, capacity a car could use is not
// left idle, and priorities are served first; then again from the previous
// state with a changed building load (hysteresis, rotation).
func TestAllocateProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 2026))
	for n := range *propN {
		in := randomSite(r)
		res := Allocate(in)
		t.Run("", func(t *testing.T) {
			defer func() {
				if t.Failed() {
					t.Logf("site %d: %+v", n, *in)
				}
			}()
			checkAllocation(t, in, res, true)
			in.Prev = map[string]State{}
			for _, a := range res.EVSEs {
				in.Prev[a.ID] = a.State
			}
			in.Now = in.Now.Add(time.Duration(r.IntN(1800)) * time.Second)
			in.MinRun = 10 * time.Minute
			for g := range 3 {
				in.BuildingA[g] = math.Max(0, in.BuildingA[g]+r.Float64()*10-5)
			}
			checkAllocation(t, in, Allocate(in), false)
		})
	}
}

// urgency is how an EVSE's need ranks it within its priority: its NeedA
// when it must charge now to make its departure, else 0.
func urgency(e *EVSE) float64 {
	if e.NeedA >= MinChargeA {
		return e.NeedA
	}
	return 0
}
