package lms

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/volt-ev/volt"
)

// TestLoopRunsOnTheSiteLeaderOnly (issue 15, many nodes): two nodes' loops
// over one site, each with its own connection to the chargers
// (commander): only the node that leads the site sends limits and
// failsafes; when the lead moves, the new leader starts afresh and sends
// the limits, and the old one sends nothing more.
func TestLoopRunsOnTheSiteLeaderOnly(t *testing.T) {
	site := newFakeSite(staticSite(32))
	site.addCharger("000001", 2)
	site.start("000001", 1, t0)
	site.start("000001", 2, t0)
	clock := &fakeClock{t: t0}
	var leader atomic.Value
	leader.Store("a")
	var asked atomic.Int32
	node := func(id string) (*Manager, *fakeCommander) {
		cmd := newFakeCommander()
		return New(Config{Sites: site, Chargers: site, Sessions: site, Applier: &OCPP16{Commander: cmd},
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clock.Now, MinInterval: 10 * time.Second,
			Leads: func(_ context.Context, siteID string) bool {
				asked.Add(1)
				return siteID == "site" && leader.Load() == id
			}}), cmd
	}
	a, cmdA := node("a")
	b, cmdB := node("b")
	ctx := context.Background()
	boot := volt.Event{Type: volt.EventChargerBooted, CPID: "000001"}
	for _, m := range []*Manager{a, b} {
		m.Observe(boot)
		m.Step(ctx, true)
	}
	if lim, ok := cmdA.limitOf("000001/1"); !ok || lim != 16 {
		t.Fatalf("leader a: limit %v (sent %v), want 16", lim, ok)
	}
	if cmdB.count() != 0 {
		t.Fatalf("node b, not leading, sent %d profiles: %+v", cmdB.count(), cmdB.calls)
	}
	if asked.Load() == 0 {
		t.Fatal("the lead was never asked")
	}
	// The lead moves to b (a died or lost NATS): b sends the limits at
	// once, a nothing more.
	leader.Store("b")
	n := cmdA.count()
	clock.Add(time.Minute)
	for _, m := range []*Manager{a, b} {
		m.Step(ctx, true)
	}
	if lim, ok := cmdB.limitOf("000001/2"); !ok || lim != 16 {
		t.Fatalf("new leader b: limit %v (sent %v), want 16", lim, ok)
	}
	if cmdA.count() != n {
		t.Fatalf("old leader a sent %d more profiles", cmdA.count()-n)
	}
	a.mu.Lock()
	_, kept := a.sites["site"]
	a.mu.Unlock()
	if kept {
		t.Error("old leader a kept the site's state")
	}
}
