package lms

import (
	"context"
	"encoding/json"
	"time"

	"github.com/volt-ev/volt"
)

// Measured is an outlet's newest Current.Import per outlet phase (L1..L3
// as the charger labels them, before rotation), from its MeterValues.
type Measured struct {
	TxID int64
	A    [3]float64
	Has  [3]bool
	At   time.Time
	// OnePhaseSince is when the car was first seen drawing on its first
	// phase only (zero: it is not).
	OnePhaseSince time.Time
}

// Thresholds of the phase detection: a phase drawing more than drawA is in
// use, one below idleA is not; a car counts as single-phase once seen so
// for onePhaseStable; a measurement older than measureFresh is ignored.
const (
	drawA          = 2.0
	idleA          = 0.5
	onePhaseStable = time.Minute
	measureFresh   = 2 * time.Minute
)

// EventOutletCurrents carries an outlet's measured per-phase currents
// (OutletCurrents) from the node holding the charger to every node's loop,
// so a site's leader elsewhere sees them too (double dynamic, phase
// detection).
const EventOutletCurrents = "lms.outlet_currents"

// OutletCurrents is the data of EventOutletCurrents.
type OutletCurrents struct {
	CPID          string     `json:"cpid"`
	ConnectorID   int        `json:"connectorId"`
	TransactionID int64      `json:"transactionId"`
	CurrentA      [3]float64 `json:"currentA"`
	Has           [3]bool    `json:"has"`
	At            time.Time  `json:"at"`
}

// AfterMeterReport is the gateway hook: it keeps the newest per-phase
// currents of an outlet with a transaction (in memory, at once) and, with
// Config.Bus, publishes them for the other nodes' loops.
func (m *Manager) AfterMeterReport(ctx context.Context, r volt.MeterReport) {
	if r.ConnectorID < 1 || r.TransactionID == nil {
		return
	}
	var got Measured
	var newest time.Time
	for _, x := range r.Samples {
		if x.Measurand == "Current.Import" && x.Timestamp.After(newest) {
			newest = x.Timestamp
		}
	}
	for _, x := range r.Samples {
		if x.Measurand != "Current.Import" || !x.Timestamp.Equal(newest) || (x.Unit != "" && x.Unit != "A") {
			continue
		}
		if i, v, ok := phaseValue(x); ok {
			got.A[i], got.Has[i] = v, true
		}
	}
	if !got.Has[0] {
		return
	}
	got.TxID, got.At = *r.TransactionID, newest
	m.measure(r.CPID, r.ConnectorID, got)
	if m.cfg.Bus != nil {
		m.cfg.Bus.Publish(ctx, volt.Event{Type: EventOutletCurrents, CPID: r.CPID, At: newest,
			Data: &OutletCurrents{CPID: r.CPID, ConnectorID: r.ConnectorID, TransactionID: got.TxID, CurrentA: got.A, Has: got.Has, At: newest}})
	}
}

// observeCurrents keeps the currents another node measured (or this one's
// own, back from the bus: not newer, so ignored). Called with m.mu held.
func (m *Manager) observeCurrents(data any) {
	var oc OutletCurrents
	switch d := data.(type) {
	case *OutletCurrents:
		oc = *d
	case json.RawMessage: // from another node (natsbus)
		if json.Unmarshal(d, &oc) != nil {
			return
		}
	default:
		return
	}
	if oc.ConnectorID < 1 || !oc.Has[0] {
		return
	}
	m.measureLocked(oc.CPID, oc.ConnectorID, Measured{TxID: oc.TransactionID, A: oc.CurrentA, Has: oc.Has, At: oc.At})
}

// measure keeps an outlet's newest measurement.
func (m *Manager) measure(cpid string, connectorID int, got Measured) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.measureLocked(cpid, connectorID, got)
}

// measureLocked keeps got unless the same transaction's kept measurement
// is newer or the same one (this node's own, back from the bus), tracks a
// single-phase car and wakes the loop when a car counted on one phase
// draws on another. Called with m.mu held.
func (m *Manager) measureLocked(cpid string, connectorID int, got Measured) {
	id := EVSEID(cpid, connectorID)
	prev, ok := m.measured[id]
	if ok && prev.TxID == got.TxID && (got.At.Before(prev.At) || (got.At.Equal(prev.At) && got.A == prev.A && got.Has == prev.Has)) {
		return
	}
	if got.Has[1] && got.Has[2] && got.A[0] > drawA && got.A[1] < idleA && got.A[2] < idleA {
		got.OnePhaseSince = got.At
		if ok && prev.TxID == got.TxID && !prev.OnePhaseSince.IsZero() {
			got.OnePhaseSince = prev.OnePhaseSince
		}
	}
	m.measured[id] = got
	// A car counted on one phase now drawing on another: recompute at once.
	if ok && prev.TxID == got.TxID && !prev.OnePhaseSince.IsZero() && prev.At.Sub(prev.OnePhaseSince) >= onePhaseStable &&
		got.OnePhaseSince.IsZero() {
		if site, known := m.where[cpid]; known {
			m.dirty[site] = true
			select {
			case m.wake <- struct{}{}:
			default:
			}
		}
	}
}

// carPhases returns how many phases the car on an outlet is seen drawing
// from (0: unknown), and its highest measured current.
func carPhases(ms *Measured, tx int64, outletPhases int, now time.Time) (phases int, draw float64, ok bool) {
	if ms == nil || ms.TxID != tx || now.Sub(ms.At) > measureFresh {
		return 0, 0, false
	}
	for i := range 3 {
		if ms.Has[i] && ms.A[i] > draw {
			draw = ms.A[i]
		}
	}
	if outletPhases > 1 && !ms.OnePhaseSince.IsZero() && ms.At.Sub(ms.OnePhaseSince) >= onePhaseStable {
		return 1, draw, true
	}
	return 0, draw, true
}
