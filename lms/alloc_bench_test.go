package lms

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchSite is a large site: a 3-phase connection, feeders with sub-panels,
// n outlets of every kind, most with a session, some measured below their
// allocation (double dynamic), under a building load.
func benchSite(n int, seed uint64) *Input {
	r := rand.New(rand.NewPCG(seed, 1))
	in := &Input{SupplyA: three(float64(16 * n)), BuildingA: Phases{120, 90, 150}, Now: t0}
	for f := range 10 {
		in.Circuits = append(in.Circuits, Circuit{ID: fmt.Sprint("f", f), LimitA: three(float64(20 * n / 10))})
		for b := range 4 {
			in.Circuits = append(in.Circuits, Circuit{ID: fmt.Sprint("f", f, "b", b), Parent: fmt.Sprint("f", f), LimitA: three(float64(7 * n / 10))})
		}
	}
	for i := range n {
		e := one(fmt.Sprint("e", i), float64(16+r.IntN(17)), uint8(i%3))
		if r.IntN(3) > 0 {
			e = ev(e.ID, e.MaxA)
			e.Rotation = [3]uint8{uint8(i % 3), uint8((i + 1) % 3), uint8((i + 2) % 3)}
		}
		e.Circuit = in.Circuits[r.IntN(len(in.Circuits))].ID
		e.Active = r.IntN(10) > 0
		e.Priority = r.IntN(2)
		if r.IntN(4) == 0 {
			e.DemandA = float64(6 + r.IntN(10))
		}
		in.EVSEs = append(in.EVSEs, e)
	}
	return in
}

// BenchmarkAllocate500 allocates one site of 500 outlets (goal < 1 ms).
func BenchmarkAllocate500(b *testing.B) {
	in := benchSite(500, 1)
	b.ReportAllocs()
	for b.Loop() {
		Allocate(in)
	}
}

// BenchmarkAllocate1000Sites recomputes 1,000 sites of 20 outlets, as on
// one meter tick of a platform (one op is the whole tick).
func BenchmarkAllocate1000Sites(b *testing.B) {
	sites := make([]*Input, 1000)
	for i := range sites {
		sites[i] = benchSite(20, uint64(i))
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, in := range sites {
			Allocate(in)
		}
	}
}
