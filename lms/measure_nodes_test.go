package lms

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
)

// relayBus delivers what one node publishes to another node's loop as
// natsbus does: the data as JSON (json.RawMessage).
type relayBus struct {
	mu sync.Mutex
	to []*Manager
}

func (b *relayBus) Publish(_ context.Context, e volt.Event) {
	raw, err := json.Marshal(e.Data)
	if err != nil {
		panic(err)
	}
	e.Data = json.RawMessage(raw)
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.to {
		m.Observe(e)
	}
}

func (b *relayBus) Subscribe() (<-chan volt.Event, func()) { return nil, func() {} }

// TestLoopLeaderSeesCurrentsMeasuredElsewhere (issue 15, many nodes): the
// per-phase currents of a charger connected to node a reach the loop of
// the site's leader b through the bus, so b detects a single-phase car on
// a 3-phase outlet and gives the other phases' share to another car.
func TestLoopLeaderSeesCurrentsMeasuredElsewhere(t *testing.T) {
	model := staticSite(32)
	model.EVSEs = []volt.LoadEVSE{{CPID: "000001", ConnectorID: 1, MaxA: 32, Phases: 3},
		{CPID: "000002", ConnectorID: 1, MaxA: 32, Phases: 1, Rotation: "SRT"}}
	site := newFakeSite(model)
	site.addCharger("000001", 1)
	site.addCharger("000002", 1)
	clock := &fakeClock{t: t0}
	bus := &relayBus{}
	node := func(id string) (*Manager, *fakeCommander) {
		cmd := newFakeCommander()
		return New(Config{Sites: site, Chargers: site, Sessions: site, Applier: &OCPP16{Commander: cmd}, Bus: bus,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clock.Now, MinInterval: 10 * time.Second,
			Leads: func(_ context.Context, siteID string) bool { return id == "b" }}), cmd
	}
	a, _ := node("a")
	b, cmdB := node("b")
	bus.to = []*Manager{a, b}
	car := site.start("000001", 1, t0)
	site.start("000002", 1, t0)
	ctx := context.Background()
	b.Step(ctx, true)
	want := func(id string, limit float64) {
		t.Helper()
		if got, ok := cmdB.limitOf(id); !ok || got != limit {
			t.Fatalf("%s: leader's limit %v (sent %v), want %v", id, got, ok, limit)
		}
	}
	want("000002/1", 16)
	report := func(l1, l2, l3 string) { // the charger's MeterValues, on node a
		at, tx := clock.Now(), car.TransactionID
		cur := func(p, v string) volt.MeterSample {
			return volt.MeterSample{Timestamp: at, Measurand: "Current.Import", Phase: p, Unit: "A", Value: v}
		}
		a.AfterMeterReport(ctx, volt.MeterReport{CPID: "000001", ConnectorID: 1, TransactionID: &tx,
			Samples: []volt.MeterSample{cur("L1", l1), cur("L2", l2), cur("L3", l3)}})
	}
	report("16", "0", "0")
	clock.Add(61 * time.Second)
	report("16", "0.1", "0")
	b.Step(ctx, true)
	clock.Add(10 * time.Second)
	b.Step(ctx, true) // raises wait MinInterval
	want("000001/1", 32)
	want("000002/1", 32)
	// Node a's own measurement came back from the bus and changed nothing.
	if ms := a.measured[EVSEID("000001", 1)]; ms.OnePhaseSince != t0 {
		t.Errorf("node a's measurement %+v, want single-phase since %v", ms, t0)
	}
}
