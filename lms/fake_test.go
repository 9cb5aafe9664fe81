package lms

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp/v16"
)

// fakeSite is one site's data as the loop reads it, kept in memory.
type fakeSite struct {
	mu       sync.Mutex
	model    *volt.LoadManagement
	chargers map[string]*volt.Charger
	sessions map[string]*volt.Session // by EVSE id
	reading  *volt.SiteMeterReading
	nextTx   int64
}

func newFakeSite(m *volt.LoadManagement) *fakeSite {
	if err := m.Validate(); err != nil {
		panic(err)
	}
	return &fakeSite{model: m, chargers: map[string]*volt.Charger{}, sessions: map[string]*volt.Session{}}
}

func (f *fakeSite) addCharger(cpid string, connectors int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := &volt.Charger{CPID: cpid, SiteID: f.model.SiteID, Online: true}
	for c := 1; c <= connectors; c++ {
		ch.Connectors = append(ch.Connectors, volt.Connector{CPID: cpid, ConnectorID: c, Status: volt.StatusAvailable})
	}
	f.chargers[cpid] = ch
}

func (f *fakeSite) setOnline(cpid string, on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.chargers[cpid].Online = on
}

func (f *fakeSite) start(cpid string, conn int, at time.Time) *volt.Session {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextTx++
	s := &volt.Session{ID: fmt.Sprint("ses", f.nextTx), TransactionID: f.nextTx, CPID: cpid, ConnectorID: conn,
		SiteID: f.model.SiteID, Status: volt.SessionActive, StartedAt: at}
	f.sessions[EVSEID(cpid, conn)] = s
	return s
}

func (f *fakeSite) stop(cpid string, conn int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.sessions, EVSEID(cpid, conn))
}

// meter sets the draw a charger's meter reports for a session.
func (f *fakeSite) meter(cpid string, conn int, powerW int64, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.sessions[EVSEID(cpid, conn)]; s != nil {
		s.PowerW, s.LastMeterAt = powerW, &at
	}
}

func (f *fakeSite) read(a []float64, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reading = &volt.SiteMeterReading{SiteID: f.model.SiteID, CurrentA: a, At: at}
}

func (f *fakeSite) FindLoadManagement(_ context.Context, id string) (*volt.LoadManagement, error) {
	if id != f.model.SiteID {
		return nil, volt.Errorf(volt.ENOTFOUND, "no site")
	}
	m := *f.model
	return &m, nil
}

func (f *fakeSite) LatestMeterReading(_ context.Context, _ string) (*volt.SiteMeterReading, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.reading == nil {
		return nil, volt.Errorf(volt.ENOTFOUND, "no reading")
	}
	r := *f.reading
	return &r, nil
}

func (f *fakeSite) FindLoadManagedSites(context.Context) ([]string, error) {
	return []string{f.model.SiteID}, nil
}

func (f *fakeSite) FindChargers(_ context.Context, flt volt.ChargerFilter) ([]*volt.Charger, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*volt.Charger
	for _, ch := range f.chargers {
		if flt.CPID == "" || flt.CPID == ch.CPID {
			c := *ch
			out = append(out, &c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CPID < out[j].CPID })
	return out, len(out), nil
}

func (f *fakeSite) FindSessions(_ context.Context, _ volt.SessionFilter) ([]*volt.Session, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*volt.Session
	for _, s := range f.sessions {
		c := *s
		out = append(out, &c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, len(out), nil
}

// fakeCommander answers SetChargingProfile like a charger: Accepted, or
// Rejected for the CPIDs in reject, offline for those in offline. It keeps
// every request and the limit in force per outlet.
type fakeCommander struct {
	mu      sync.Mutex
	reject  map[string]bool
	offline map[string]bool
	calls   []v16.SetChargingProfileRequest
	cpids   []string
	limit   map[string]float64 // TxProfile limit by EVSE id
}

func newFakeCommander() *fakeCommander {
	return &fakeCommander{reject: map[string]bool{}, offline: map[string]bool{}, limit: map[string]float64{}}
}

func (c *fakeCommander) Call(_ context.Context, cpid, action string, request any) (json.RawMessage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.offline[cpid] {
		return nil, volt.Errorf(volt.ECHARGEROFFLINE, "offline")
	}
	if action != "SetChargingProfile" {
		return nil, fmt.Errorf("unexpected %s", action)
	}
	// Through JSON, as a charger would see it.
	b, _ := json.Marshal(request)
	var req v16.SetChargingProfileRequest
	if err := json.Unmarshal(b, &req); err != nil {
		return nil, err
	}
	c.calls = append(c.calls, req)
	c.cpids = append(c.cpids, cpid)
	if c.reject[cpid] {
		return json.RawMessage(`{"status":"Rejected"}`), nil
	}
	if req.CsChargingProfiles.ChargingProfilePurpose == v16.ChargingProfilePurposeTypeTxProfile {
		c.limit[EVSEID(cpid, req.ConnectorID)] = req.CsChargingProfiles.ChargingSchedule.ChargingSchedulePeriod[0].Limit
	}
	return json.RawMessage(`{"status":"Accepted"}`), nil
}

func (c *fakeCommander) limitOf(id string) (float64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.limit[id]
	return l, ok
}

func (c *fakeCommander) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.calls)
}

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
