package lms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/volt-ev/volt"
)

// Sites reads the models and readings (volt.LoadManagementService).
type Sites interface {
	FindLoadManagement(ctx context.Context, siteID string) (*volt.LoadManagement, error)
	LatestMeterReading(ctx context.Context, siteID string) (*volt.SiteMeterReading, error)
	FindLoadManagedSites(ctx context.Context) ([]string, error)
}

// Chargers lists a site's chargers (volt.ChargerService).
type Chargers interface {
	FindChargers(ctx context.Context, f volt.ChargerFilter) ([]*volt.Charger, int, error)
}

// Sessions lists a site's active sessions (volt.ChargingService).
type Sessions interface {
	FindSessions(ctx context.Context, f volt.SessionFilter) ([]*volt.Session, int, error)
}

// Usergroups finds a driver's usergroups, for the model's priorities.
type Usergroups interface {
	UsergroupsOfUser(ctx context.Context, userID string) ([]*volt.Usergroup, error)
}

// SmartChargers reads charger groups' smart charging settings and drivers'
// overrides (volt.SmartChargingService).
type SmartChargers interface {
	SmartChargingOfSite(ctx context.Context, siteID string) (map[string]*volt.SmartCharging, error)
	ChargeNowOf(ctx context.Context, sessionIDs []string) (map[string]bool, error)
}

// Config configures a Manager. Sites, Chargers, Sessions and Applier are
// required.
type Config struct {
	Sites      Sites
	Chargers   Chargers
	Sessions   Sessions
	Usergroups Usergroups // optional: without it usergroup priorities are ignored
	Applier    Applier
	Logger     *slog.Logger
	// Now is the clock (tests drive a fake one); default time.Now.
	Now func() time.Time
	// Tick is how often every managed site is recomputed (default 5 s),
	// which also notices a silent meter.
	Tick time.Duration
	// MinInterval is the least time between two raises of one outlet's
	// limit (default 10 s); cuts are never held back.
	MinInterval time.Duration
	// CallTimeout bounds one charger call (default 15 s).
	CallTimeout time.Duration
	// SmartCharging is optional: without it no session is held for its
	// group's randomised delay or peak windows.
	SmartCharging SmartChargers
	// Leads, when set, says whether this node runs the loop of a site
	// (many nodes: one leader per site, natsbus.Node.Lead); it is asked
	// for every site at every step, which also renews the lead. A site
	// this node does not lead is neither recomputed nor given failsafes,
	// and its kept state is dropped (a regained lead starts afresh).
	// Nil: this node runs every site.
	Leads func(ctx context.Context, siteID string) bool
	// Bus, when set, carries the per-phase currents this node measures
	// (AfterMeterReport) to the other nodes' loops (EventOutletCurrents).
	Bus volt.EventBus
	// Reports, when set, gives the loop the charging needs 2.x cars
	// report (NotifyEVChargingNeeds, needs.go); nil: none are used.
	Reports volt.ChargingReportService
	// Profiles, when set, gives the loop the caps roaming eMSPs set on
	// sessions (OCPI ChargingProfiles): a session gets the lower of its
	// share and its profile's limit, so the site's limits always win.
	Profiles SessionProfiles
	Tuning
}

// SessionProfiles reads the profiles roaming eMSPs set on sessions
// (volt.SessionProfileStore).
type SessionProfiles interface {
	SessionProfiles(ctx context.Context, sessionIDs []string) (map[string]*volt.SessionProfile, error)
}

// Manager is the loop that applies allocations: it recomputes a site when
// a session starts, stops or changes, a connector's status changes, a
// meter reading or the model arrives, and on every tick; and it applies the
// changed limits through the Applier, cuts before raises.
type Manager struct {
	cfg Config

	mu      sync.Mutex
	sites   map[string]*siteState
	dirty   map[string]bool
	boots   map[string]bool   // CPIDs that booted since the last step
	remodel map[string]bool   // sites whose model changed: failsafes again
	where   map[string]string // CPID → site
	// measured holds outlets' newest per-phase currents (AfterMeterReport).
	measured map[string]Measured
	// needs caches sessions' charging needs (needs.go), by session ID.
	needs map[string]cachedNeeds
	wake  chan struct{}
	// applied is called with each transaction limit a charger accepted
	// (OnApplied).
	applied func(ctx context.Context, l Limit)
}

// OnApplied sets f to be called, on the step's goroutine, with each
// transaction limit a charger accepted (the OCPI side tells a roaming
// eMSP its session's new active profile); nil: none.
func (m *Manager) OnApplied(f func(ctx context.Context, l Limit)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.applied = f
}

// siteState is what the loop keeps of a site between steps.
type siteState struct {
	prev    map[string]State
	ctl     map[string]*Control
	last    []Allocation
	outlets []Outlet
	fresh   bool
	mode    volt.LoadMode
	at      time.Time
	// discharge is what each outlet of last is asked to give back (V2X),
	// nil when none.
	discharge []float64
}

// New returns a Manager.
func New(cfg Config) *Manager {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Tick <= 0 {
		cfg.Tick = 5 * time.Second
	}
	if cfg.MinInterval <= 0 {
		cfg.MinInterval = 10 * time.Second
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = 15 * time.Second
	}
	if cfg.HysteresisA == 0 {
		cfg.HysteresisA = 1
	}
	if cfg.MinRun == 0 {
		cfg.MinRun = 15 * time.Minute
	}
	if cfg.Settle == 0 {
		cfg.Settle = 20 * time.Second
	}
	if cfg.HeadroomA == 0 {
		cfg.HeadroomA = 2
	}
	return &Manager{cfg: cfg, sites: map[string]*siteState{}, dirty: map[string]bool{}, boots: map[string]bool{}, remodel: map[string]bool{},
		where: map[string]string{}, measured: map[string]Measured{}, needs: map[string]cachedNeeds{}, wake: make(chan struct{}, 1)}
}

// Run follows the bus and the ticker until ctx ends.
func (m *Manager) Run(ctx context.Context, bus volt.EventBus) {
	var events <-chan volt.Event
	if bus != nil {
		ch, stop := bus.Subscribe()
		defer stop()
		events = ch
	}
	t := time.NewTicker(m.cfg.Tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-events:
			if !ok {
				// Dropped as a slow subscriber: subscribe again and
				// recompute everything on the next tick.
				ch, stop := bus.Subscribe()
				defer stop()
				events = ch
				continue
			}
			m.Observe(e)
		case <-m.wake:
			m.Step(ctx, false)
		case <-t.C:
			m.Step(ctx, true)
		}
	}
}

// Observe marks what an event changes for the next step.
func (m *Manager) Observe(e volt.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch e.Type {
	case volt.EventSessionStarted, volt.EventSessionStopped, volt.EventSessionUpdated:
		if s, ok := e.Data.(*volt.Session); ok && s.SiteID != "" {
			m.dirty[s.SiteID] = true
			m.where[s.CPID] = s.SiteID
		} else if site, ok := m.where[e.CPID]; ok {
			m.dirty[site] = true
		}
		if e.Type == volt.EventSessionUpdated {
			return // a reading: recomputed on the tick, not at once
		}
	case volt.EventConnectorStatus, volt.EventChargerConnected, volt.EventChargerDisconnected:
		if site, ok := m.where[e.CPID]; ok {
			m.dirty[site] = true
		}
	case volt.EventChargerBooted:
		m.boots[e.CPID] = true
	case EventOutletCurrents:
		m.observeCurrents(e.Data)
		return // used on the next step
	case volt.EventMeterReading:
		if r, ok := e.Data.(*volt.SiteMeterReading); ok {
			m.dirty[r.SiteID] = true
		}
	case volt.EventLoadManagement:
		if lm, ok := e.Data.(*volt.LoadManagement); ok {
			m.dirty[lm.SiteID] = true
			m.remodel[lm.SiteID] = true
		}
	default:
		return
	}
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Step recomputes the sites marked by events (all managed sites when all),
// sends the failsafe to chargers that booted, and applies what changed. The
// simulation drives it with a fake clock.
func (m *Manager) Step(ctx context.Context, all bool) {
	ctx = volt.NewContextWithActor(ctx, volt.SystemActor)
	m.mu.Lock()
	dirty, boots, remodel := m.dirty, m.boots, m.remodel
	m.dirty, m.boots, m.remodel = map[string]bool{}, map[string]bool{}, map[string]bool{}
	m.mu.Unlock()
	booted := make(map[string]bool, len(boots)) // real boots, before the model changes' additions
	for cpid := range boots {
		booted[cpid] = true
	}
	// A changed model changes the failsafes (fallback share, a charger's
	// own circuit): every charger of the site gets them again.
	for site := range remodel {
		chs, err := m.chargersOf(ctx, site)
		if err != nil {
			m.cfg.Logger.Error("lms: failsafes after a model change", "site", site, "err", err)
			continue
		}
		for _, ch := range chs {
			if ch.Online {
				boots[ch.CPID] = true
			}
		}
	}
	if all {
		ids, err := m.cfg.Sites.FindLoadManagedSites(ctx)
		if err != nil {
			m.cfg.Logger.Error("lms: managed sites", "err", err)
		}
		for _, id := range ids {
			dirty[id] = true
		}
	}
	for cpid := range boots {
		if site := m.boot(ctx, cpid, booted[cpid]); site != "" {
			dirty[site] = true
		}
	}
	ids := make([]string, 0, len(dirty))
	for id := range dirty {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if !m.leads(ctx, id) {
			continue
		}
		if err := m.recompute(ctx, id); err != nil {
			m.cfg.Logger.Error("lms: recompute site", "site", id, "err", err)
		}
	}
}

// leads reports whether this node runs site's loop (Config.Leads) and
// forgets the site's state when it does not.
func (m *Manager) leads(ctx context.Context, siteID string) bool {
	if m.cfg.Leads == nil || m.cfg.Leads(ctx, siteID) {
		return true
	}
	m.mu.Lock()
	delete(m.sites, siteID)
	m.mu.Unlock()
	return false
}

// state returns the kept state of a site.
func (m *Manager) state(siteID string) *siteState {
	st, ok := m.sites[siteID]
	if !ok {
		st = &siteState{prev: map[string]State{}, ctl: map[string]*Control{}}
		m.sites[siteID] = st
	}
	return st
}

// recompute reads a site, allocates and applies the changes.
func (m *Manager) recompute(ctx context.Context, siteID string) error {
	now := m.cfg.Now()
	snap, err := m.snapshot(ctx, siteID, now)
	if err != nil {
		return err
	}
	m.mu.Lock()
	if snap == nil {
		delete(m.sites, siteID)
		m.mu.Unlock()
		return nil
	}
	st := m.state(siteID)
	for _, ch := range snap.Chargers {
		m.where[ch.CPID] = siteID
	}
	snap.Measured = map[string]*Measured{}
	for _, x := range snap.Sessions {
		id := EVSEID(x.CPID, x.ConnectorID)
		if ms, ok := m.measured[id]; ok && ms.TxID == x.TransactionID {
			snap.Measured[id] = &ms
		} else if ok {
			delete(m.measured, id) // an ended transaction's
		}
	}
	in, outlets, fresh := BuildInput(snap, st.ctl, st.prev, m.cfg.Tuning)
	res := Allocate(in)
	markHolds(snap, in, outlets, res)
	st.prev = make(map[string]State, len(res.EVSEs))
	for _, a := range res.EVSEs {
		st.prev[a.ID] = a.State
	}
	st.last, st.outlets, st.fresh, st.at, st.mode = res.EVSEs, outlets, fresh, now, snap.Model.Mode
	var discharge []float64
	if snap.Model.AllowExport && snap.Model.Mode != volt.LoadModeStatic {
		maxD := make([]float64, len(outlets))
		for i, o := range outlets {
			maxD[i] = o.Config.MaxDischargeA
			if o.Session != nil {
				if n, ok := snap.Needs[o.Session.ID]; ok { // the car's own limit bounds it
					maxD[i] = math.Min(maxD[i], n.DischargeA(in.VoltageV, in.EVSEs[i].Phases))
				}
			}
		}
		discharge = Discharge(in, res, maxD) // v2x.go
	}
	st.discharge = discharge
	cuts, raises := m.changes(st, in, outlets, res, discharge, now)
	m.mu.Unlock()
	// A raise may rely on a cut elsewhere: when a cut was not applied, no
	// raise goes out until the next step counts that outlet as it is.
	if m.apply(ctx, siteID, cuts) == 0 {
		m.apply(ctx, siteID, raises)
	} else if len(raises) > 0 {
		m.mu.Lock()
		m.dirty[siteID] = true
		m.mu.Unlock()
	}
	return nil
}

// changes lists the limits to send: cuts at once, raises once per
// MinInterval per outlet (a held-back raise is sent on a later step).
func (m *Manager) changes(st *siteState, in *Input, outlets []Outlet, res *Result, discharge []float64, now time.Time) (cuts, raises []Limit) {
	for i, a := range res.EVSEs {
		o, e := outlets[i], in.EVSEs[i]
		if o.Session == nil || e.Fixed {
			continue
		}
		c := st.ctl[a.ID]
		tx := o.Session.TransactionID
		// numberPhases is the outlet's, not the car's: a charger that can
		// switch phases must not take a detected 1-phase car as an order.
		l := Limit{CPID: o.CPID, ConnectorID: o.ConnectorID, TransactionID: tx, Purpose: PurposeTx, SessionID: o.Session.ID,
			ChargerTransactionID: o.Session.ChargerTransactionID, CurrentA: a.CurrentA, Phases: o.Config.Phases}
		if i < len(discharge) {
			l.DischargeA = discharge[i]
		}
		switch {
		case c == nil || c.Rejected || c.TxID != tx || a.CurrentA < c.SentA-Step/2 || math.Abs(l.DischargeA-c.SentDischargeA) > Step/2:
			cuts = append(cuts, l)
		case a.CurrentA > c.SentA+Step/2 && now.Sub(c.SentAt) >= m.cfg.MinInterval:
			raises = append(raises, l)
		}
	}
	return cuts, raises
}

// apply sends limits concurrently and records the outcome: applied, the
// charger refused (its transaction then counts at the outlet's maximum
// for RetryRejected), or not sent. It returns how many were not applied.
func (m *Manager) apply(ctx context.Context, siteID string, ls []Limit) int {
	if len(ls) == 0 {
		return 0
	}
	errs := make([]error, len(ls))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, l := range ls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			cctx, cancel := context.WithTimeout(ctx, m.cfg.CallTimeout)
			defer cancel()
			errs[i] = m.cfg.Applier.ApplyLimit(cctx, l)
		}()
	}
	wg.Wait()
	m.mu.Lock()
	hook := m.applied
	m.mu.Unlock()
	if hook != nil {
		for i, l := range ls {
			if errs[i] == nil && l.Purpose == PurposeTx {
				hook(ctx, l)
			}
		}
	}
	now := m.cfg.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.state(siteID)
	failed := 0
	for i, l := range ls {
		id := EVSEID(l.CPID, l.ConnectorID)
		if errs[i] != nil {
			failed++
		}
		switch err := errs[i]; {
		case err == nil:
			st.ctl[id] = &Control{SentA: l.CurrentA, SentAt: now, TxID: l.TransactionID, SentDischargeA: l.DischargeA}
		case errors.Is(err, ErrRejected):
			n := 1
			if prev := st.ctl[id]; prev != nil && prev.Rejected && prev.TxID == l.TransactionID {
				n = prev.Rejections + 1
			}
			c := &Control{Rejected: true, SentAt: now, TxID: l.TransactionID, Rejections: n}
			st.ctl[id] = c
			if c.retryAfter() == RetryRejected {
				m.cfg.Logger.Warn("lms: charger refuses load management, counted at its maximum", "cpid", l.CPID, "connector", l.ConnectorID, "err", err)
			} else {
				m.cfg.Logger.Info("lms: profile refused, sent again soon (the charger may not know the transaction yet)", "cpid", l.CPID, "connector", l.ConnectorID, "err", err)
			}
			m.dirty[siteID] = true
			select {
			case m.wake <- struct{}{}:
			default:
			}
		default:
			m.cfg.Logger.Warn("lms: limit not applied", "cpid", l.CPID, "connector", l.ConnectorID, "err", err)
		}
	}
	return failed
}

// snapshot reads a site; nil when its load management is off.
func (m *Manager) snapshot(ctx context.Context, siteID string, now time.Time) (*Snapshot, error) {
	lm, err := m.cfg.Sites.FindLoadManagement(ctx, siteID)
	if err != nil {
		if volt.IsCode(err, volt.ENOTFOUND) {
			return nil, nil
		}
		return nil, err
	}
	if lm.Mode == volt.LoadModeOff {
		return nil, nil
	}
	s := &Snapshot{Model: lm, Now: now, UserPriority: map[string]int{}}
	if s.Chargers, err = m.chargersOf(ctx, siteID); err != nil {
		return nil, err
	}
	for off := 0; ; off += 500 {
		page, total, err := m.cfg.Sessions.FindSessions(ctx, volt.SessionFilter{SiteID: siteID, Status: volt.SessionActive, Page: volt.Page{Offset: off, Limit: 500}})
		if err != nil {
			return nil, err
		}
		s.Sessions = append(s.Sessions, page...)
		if len(page) == 0 || off+len(page) >= total {
			break
		}
	}
	if lm.Mode != volt.LoadModeStatic {
		r, err := m.cfg.Sites.LatestMeterReading(ctx, siteID)
		if err != nil && !volt.IsCode(err, volt.ENOTFOUND) {
			return nil, err
		}
		s.Reading = r
	}
	if m.cfg.SmartCharging != nil && len(s.Sessions) > 0 {
		if err := m.smartHolds(ctx, s); err != nil {
			return nil, err
		}
	}
	if len(lm.Priorities) > 0 && m.cfg.Usergroups != nil {
		m.userPriorities(ctx, lm, s)
	}
	if m.cfg.Reports != nil && len(s.Sessions) > 0 {
		m.chargingNeeds(ctx, s)
	}
	if m.cfg.Profiles != nil && len(s.Sessions) > 0 {
		ids := make([]string, len(s.Sessions))
		for i, x := range s.Sessions {
			ids[i] = x.ID
		}
		if s.Profiles, err = m.cfg.Profiles.SessionProfiles(ctx, ids); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// chargersOf lists every charger of a site, page by page.
func (m *Manager) chargersOf(ctx context.Context, siteID string) ([]*volt.Charger, error) {
	var out []*volt.Charger
	for off := 0; ; off += 500 {
		page, total, err := m.cfg.Chargers.FindChargers(ctx, volt.ChargerFilter{SiteID: siteID, Page: volt.Page{Offset: off, Limit: 500}})
		if err != nil {
			return nil, fmt.Errorf("chargers of site %s: %w", siteID, err)
		}
		out = append(out, page...)
		if len(page) == 0 || off+len(page) >= total {
			return out, nil
		}
	}
}

// userPriorities gives each session its driver's best usergroup priority.
// TODO(issue 15): cache per user; one read per session and step is fine
// for a site but not for a thousand.
func (m *Manager) userPriorities(ctx context.Context, lm *volt.LoadManagement, s *Snapshot) {
	prio := map[string]int{}
	for _, p := range lm.Priorities {
		prio[p.UsergroupID] = p.Priority
	}
	for _, x := range s.Sessions {
		if x.UserID == "" {
			continue
		}
		groups, err := m.cfg.Usergroups.UsergroupsOfUser(ctx, x.UserID)
		if err != nil {
			m.cfg.Logger.Warn("lms: usergroups of driver", "user", x.UserID, "err", err)
			continue
		}
		best, found := math.MinInt, false
		for _, g := range groups {
			if p, ok := prio[g.ID]; ok && p > best {
				best, found = p, true
			}
		}
		if found {
			s.UserPriority[x.ID] = best
		}
	}
}
