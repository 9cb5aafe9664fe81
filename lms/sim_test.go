package lms

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/volt-ev/volt"
)

// simCar is a car on an outlet: it draws min(its maximum, the outlet's
// limit) on its phases, following a new limit after rampDelay.
type simCar struct {
	maxA    float64
	phases  int
	leaveAt time.Time
	limit   float64 // in force
	pending float64
	seen    float64
	seenOK  bool
	applyAt time.Time
	drawA   float64
	// served and wanted amperes × seconds over the stay.
	served, wanted float64
}

// simOutlet is one of the site's outlets with its wiring.
type simOutlet struct {
	cpid   string
	conn   int
	rot    []int
	phases int
	car    *simCar
	// for fairness: per car, served and wanted
}

const (
	simSupplyA   = 100.0
	simFallbackA = 40.0
	rampDelay    = 2 * time.Second
	// rampWindow is how long the site may be over its limit after the
	// building load jumps: the next meter poll (1 s), the allocation, the
	// profile and the car's ramp.
	rampWindow = 5 * time.Second
)

// TestSimulationSite drives the loop in simulated time: 20 outlets (1- and
// 3-phase, rotated wiring), cars of different phases and maxima arriving
// and leaving, a building load curve read from a Modbus TCP meter every
// second. Sampled every simulated second, the site stays within its supply
// on every phase except within the ramp window of a load jump; when the
// meter goes silent, the chargers fall back to the fallback limit.
func TestSimulationSite(t *testing.T) {
	srv := startMeter(t)
	model := &volt.LoadManagement{SiteID: "site", Mode: volt.LoadModeDoubleDynamic, SupplyLimitA: simSupplyA, Phases: 3,
		FallbackLimitA: simFallbackA, Meter: volt.LoadMeter{Source: volt.MeterSourceModbus, Address: srv.addr, UnitID: 1,
			Register: meterRegister, TimeoutS: 10}}
	rots := []string{"RST", "STR", "TRS"}
	var outlets []*simOutlet
	for i := range 20 {
		o := &simOutlet{cpid: fmt.Sprintf("%06d", 1+i/2), conn: 1 + i%2, phases: 3}
		if i%4 == 3 {
			o.phases = 1
		}
		r := rots[i%3]
		o.rot = volt.RotationIndex(r)
		model.EVSEs = append(model.EVSEs, volt.LoadEVSE{CPID: o.cpid, ConnectorID: o.conn, MaxA: 32, Phases: o.phases, Rotation: r})
		outlets = append(outlets, o)
	}
	site := newFakeSite(model)
	for i := 0; i < 20; i += 2 {
		site.addCharger(outlets[i].cpid, 2)
	}
	cmd := newFakeCommander()
	clock := &fakeClock{t: t0}
	m := New(Config{Sites: site, Chargers: site, Sessions: site, Applier: &OCPP16{Commander: cmd},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clock.Now})
	poller := &MeterPoller{Sites: site, Recorder: site, Now: clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	defer poller.close()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(15, 7))

	const total = 3600
	silentAt := t0.Add(52*time.Minute + 30*time.Second) // between two steps of the building
	blind := silentAt.Add(10*time.Second + rampWindow)  // meter timeout, then the ramp
	var over [3]time.Duration
	var worst [3]time.Duration
	var jain, jainN float64
	served, wanted := 0.0, 0.0
	var stays []float64 // per finished session: served / wanted
	for s := 0; s < total; s++ {
		now := clock.Now()
		// The building: a slow swell with steps (a lift, a kitchen).
		var building [3]float64
		for g := range 3 {
			building[g] = 30 + 15*math.Sin(float64(s)/600+float64(g)) + 10*float64((s/300+g)%2)
		}
		srv.set(building)
		if now.Equal(silentAt) {
			srv.srv.Stop() // the meter goes silent
		}
		// Cars arrive and leave.
		for _, o := range outlets {
			switch {
			case o.car == nil && r.IntN(400) == 0:
				o.car = &simCar{maxA: float64(10 + r.IntN(23)), phases: min(o.phases, 1+2*r.IntN(2)),
					leaveAt: now.Add(time.Duration(10+r.IntN(50)) * time.Minute)}
				x := site.start(o.cpid, o.conn, now)
				m.Observe(volt.Event{Type: volt.EventSessionStarted, CPID: o.cpid, Data: x})
			case o.car != nil && !now.Before(o.car.leaveAt):
				stays = append(stays, o.car.served/o.car.wanted)
				o.car = nil
				site.stop(o.cpid, o.conn)
				cmd.mu.Lock()
				delete(cmd.limit, EVSEID(o.cpid, o.conn)) // a TxProfile ends with its transaction
				cmd.mu.Unlock()
				m.Observe(volt.Event{Type: volt.EventSessionStopped, CPID: o.cpid, Data: &volt.Session{CPID: o.cpid, SiteID: "site"}})
			}
		}
		poller.Poll(ctx)
		m.Observe(volt.Event{Type: volt.EventMeterReading, Data: &volt.SiteMeterReading{SiteID: "site"}})
		m.Step(ctx, s%5 == 0)
		// Cars follow their limits after the ramp delay; chargers report
		// their draw every 10 s.
		var ev [3]float64
		var xs []float64
		for _, o := range outlets {
			c := o.car
			if c == nil {
				continue
			}
			l, ok := cmd.limitOf(EVSEID(o.cpid, o.conn))
			if ok != c.seenOK || l != c.seen {
				c.seen, c.seenOK, c.pending, c.applyAt = l, ok, l, now.Add(rampDelay)
			}
			if c.seenOK && !now.Before(c.applyAt) {
				c.limit = c.pending
			}
			c.drawA = math.Min(c.maxA, c.limit)
			for i := range c.phases {
				ev[o.rot[i]] += c.drawA
			}
			if s%10 == 0 {
				site.meter(o.cpid, o.conn, int64(c.drawA*230*float64(c.phases)), now)
				// and Current.Import per outlet phase: a 1-phase car on a
				// 3-phase outlet shows on L1 only.
				site.mu.Lock()
				tx := site.sessions[EVSEID(o.cpid, o.conn)].TransactionID
				site.mu.Unlock()
				var smp []volt.MeterSample
				for i := range o.phases {
					a := 0.0
					if i < c.phases {
						a = c.drawA
					}
					smp = append(smp, volt.MeterSample{Timestamp: now, Measurand: "Current.Import", Phase: fmt.Sprintf("L%d", i+1), Unit: "A", Value: fmt.Sprint(a)})
				}
				m.AfterMeterReport(ctx, volt.MeterReport{CPID: o.cpid, ConnectorID: o.conn, TransactionID: &tx, Samples: smp})
			}
			xs = append(xs, c.drawA/c.maxA)
			served += c.drawA
			wanted += c.maxA
			c.served += c.drawA
			c.wanted += c.maxA
		}
		if len(xs) > 0 {
			jain += jainIndex(xs)
			jainN++
		}
		// The site's limit on every phase, beyond the ramp window. While the
		// meter is silent and its timeout not yet over, Volt cannot see the
		// building: that window is not checked.
		for g := range 3 {
			if !now.Before(silentAt) && now.Before(blind) {
				continue
			}
			if building[g]+ev[g] > simSupplyA+1e-6 {
				over[g] += time.Second
				worst[g] = max(worst[g], over[g])
				if over[g] > rampWindow {
					t.Fatalf("t=%ds: L%d at %.1f A (building %.1f + chargers %.1f) over %.0f A for %v", s, g+1,
						building[g]+ev[g], building[g], ev[g], simSupplyA, over[g])
				}
			} else {
				over[g] = 0
			}
		}
		// Silent meter: after its timeout and the ramp, the chargers share
		// the fallback limit.
		if !now.Before(blind) {
			for g := range 3 {
				if ev[g] > simFallbackA+1e-6 {
					t.Fatalf("t=%ds: meter silent since %v, chargers draw %.1f A on L%d, fallback %.0f A", s, now.Sub(silentAt), ev[g], g+1, simFallbackA)
				}
			}
		}
		clock.Add(time.Second)
	}
	if jainN == 0 || served == 0 {
		t.Fatal("no car charged")
	}
	t.Logf("simulated %v: Jain fairness index %.3f per second (mean of %d samples), %.3f over the %d finished sessions' shares; "+
		"served %.0f%% of what cars could take; longest over the limit per phase %v (window %v)",
		time.Duration(total)*time.Second, jain/jainN, int(jainN), jainIndex(stays), len(stays), 100*served/wanted, worst, rampWindow)
}

// jainIndex is Jain's fairness index of xs: 1 when all are equal, 1/n when
// one takes everything.
func jainIndex(xs []float64) float64 {
	var s, s2 float64
	for _, x := range xs {
		s += x
		s2 += x * x
	}
	if s2 == 0 {
		return 1
	}
	return s * s / (float64(len(xs)) * s2)
}
