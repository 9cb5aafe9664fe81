package lms

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
)

// fakeProfiles holds roaming eMSPs' profiles by session id.
type fakeProfiles struct {
	mu sync.Mutex
	m  map[string]*volt.SessionProfile
}

func (f *fakeProfiles) SessionProfiles(_ context.Context, ids []string) (map[string]*volt.SessionProfile, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]*volt.SessionProfile{}
	for _, id := range ids {
		if p, ok := f.m[id]; ok {
			out[id] = p
		}
	}
	return out, nil
}

func (f *fakeProfiles) set(id string, p *volt.SessionProfile) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p == nil {
		delete(f.m, id)
		return
	}
	f.m[id] = p
}

// TestLoopAppliesRoamingProfiles (issue 14, OCPI ChargingProfiles): a
// roaming eMSP's profile on a session caps it within the site's share:
// below the share it binds (and the other car gets the rest), above it
// the site's limit wins; in W it is shared over the outlet's phases; a
// limit below the minimum pauses the car; cleared, the share is back.
func TestLoopAppliesRoamingProfiles(t *testing.T) {
	model := &volt.LoadManagement{SiteID: "site", Mode: volt.LoadModeStatic, SupplyLimitA: 32, Phases: 3, VoltageV: 230,
		EVSEs: []volt.LoadEVSE{{CPID: "000001", ConnectorID: 1, MinA: 6, MaxA: 32, Phases: 3}, {CPID: "000002", ConnectorID: 1, MinA: 6, MaxA: 32, Phases: 3}}}
	site := newFakeSite(model)
	clock := &fakeClock{t: t0}
	app := &lastLimits{last: map[string]Limit{}}
	profiles := &fakeProfiles{m: map[string]*volt.SessionProfile{}}
	m := New(Config{Sites: site, Chargers: site, Sessions: site, Applier: app, Profiles: profiles,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clock.Now, MinInterval: time.Second})
	site.addCharger("000001", 1)
	site.addCharger("000002", 1)
	roam := site.start("000001", 1, t0.Add(-time.Minute))
	site.start("000002", 1, t0.Add(-time.Minute))
	step := func(wantRoam, wantOther float64) {
		t.Helper()
		clock.Add(2 * time.Second)
		m.Step(context.Background(), true)
		if a, b := app.get("000001/1").CurrentA, app.get("000002/1").CurrentA; a != wantRoam || b != wantOther {
			t.Fatalf("roaming car %.1f A, other %.1f A; want %.1f and %.1f", a, b, wantRoam, wantOther)
		}
	}
	step(16, 16) // no profile: an even share
	profiles.set(roam.ID, &volt.SessionProfile{SessionID: roam.ID, Unit: "A", Periods: []volt.ProfilePeriod{{StartS: 0, Limit: 10}}})
	step(10, 22)
	// Above its share the site's limit wins.
	profiles.set(roam.ID, &volt.SessionProfile{SessionID: roam.ID, Unit: "A", Periods: []volt.ProfilePeriod{{StartS: 0, Limit: 30}}})
	step(16, 16)
	// 8,280 W on 3 × 230 V is 12 A per phase.
	profiles.set(roam.ID, &volt.SessionProfile{SessionID: roam.ID, Unit: "W", Periods: []volt.ProfilePeriod{{StartS: 0, Limit: 8280}}})
	step(12, 20)
	// A later period of the profile (from 10 min after the session's
	// start) pauses the car: below the minimum.
	profiles.set(roam.ID, &volt.SessionProfile{SessionID: roam.ID, Unit: "A", Periods: []volt.ProfilePeriod{{StartS: 0, Limit: 12}, {StartS: 600, Limit: 2}}})
	step(12, 20)
	clock.Add(10 * time.Minute)
	step(0, 32)
	profiles.set(roam.ID, nil)
	step(16, 16)
}
