package lms

import (
	"math/rand/v2"
	"testing"
)

// TestDischargeShavesThePeak: with the building 10 A over a 40 A supply,
// a paused bidirectional outlet gives back what covers the excess (at
// least 6 A, at most its maximum); an outlet that is not bidirectional,
// or charging, or without a car, gives nothing; no excess, no discharge.
func TestDischargeShavesThePeak(t *testing.T) {
	in := &Input{SupplyA: Phases{40, 40, 40}, BuildingA: Phases{50, 50, 43}, EVSEs: []EVSE{
		{ID: "a", Phases: 3, Active: true, Rotation: [3]uint8{0, 1, 2}},
		{ID: "b", Phases: 3, Active: true, Rotation: [3]uint8{0, 1, 2}},
		{ID: "c", Phases: 1, Active: false, Rotation: [3]uint8{2, 0, 1}},
		{ID: "d", Phases: 3, Active: true, Rotation: [3]uint8{0, 1, 2}},
	}}
	res := Allocate(in)
	d := Discharge(in, res, []float64{0, 16, 32, 8})
	if d == nil || d[0] != 0 || d[1] != 10 || d[2] != 0 || d[3] != 0 {
		t.Fatalf("discharge %v, want only b at 10 A", d)
	}
	in.BuildingA = Phases{38, 39, 40}
	if d := Discharge(in, Allocate(in), []float64{0, 16, 32, 8}); d != nil {
		t.Fatalf("no excess: discharge %v", d)
	}
}

// TestDischargeProperties over random sites: a discharge is 0 or between
// 6 A and the outlet's maximum, only for a plugged-in bidirectional outlet
// allocated nothing, and never while the site is within its supply.
func TestDischargeProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 2))
	for range 2000 {
		n := 1 + r.IntN(8)
		supply := 10 + r.Float64()*90
		in := &Input{SupplyA: Phases{supply, supply, supply}}
		for p := range 3 {
			in.BuildingA[p] = r.Float64() * 1.5 * supply
		}
		maxD := make([]float64, n)
		for i := range n {
			e := EVSE{ID: string(rune('a' + i)), MaxA: 32, Phases: 1 + 2*r.IntN(2), Active: r.IntN(4) > 0,
				Rotation: [3]uint8{uint8(r.IntN(3)), 0, 0}}
			e.Rotation[1], e.Rotation[2] = (e.Rotation[0]+1)%3, (e.Rotation[0]+2)%3
			in.EVSEs = append(in.EVSEs, e)
			if r.IntN(2) == 0 {
				maxD[i] = 6 + r.Float64()*26
			}
		}
		res := Allocate(in)
		d := Discharge(in, res, maxD)
		over := false
		for p := range 3 {
			load := in.BuildingA[p]
			for _, a := range res.EVSEs {
				load += a.PhaseA[p]
			}
			over = over || load > supply
		}
		if !over && d != nil {
			t.Fatalf("discharge %v within the supply", d)
		}
		for i, x := range d {
			switch {
			case x == 0:
			case x < MinChargeA || x > maxD[i]+1e-9:
				t.Fatalf("discharge %v A for an outlet of maximum %v", x, maxD[i])
			case !in.EVSEs[i].Active || res.EVSEs[i].CurrentA > 0:
				t.Fatalf("discharge from an outlet without a car or charging: %+v %+v", in.EVSEs[i], res.EVSEs[i])
			}
		}
	}
}
