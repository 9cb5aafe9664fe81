package main

import (
	"context"
	"sync"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/lms"
	"github.com/volt-ev/volt/store"
)

// startLoadManagement runs the load management loop (issue 15), the
// Modbus meter poller and the pruning of old readings until the node
// closes, and returns the loop for its live allocations. The loop applies
// limits through the gateway directly: its profiles are the platform's
// own, sent every few seconds, not operator commands for the audit log.
//
// Many nodes: every node runs a Manager, and each site's loop steps on
// one node only, the site's leader (natsbus.Node.Lead, a lease renewed at
// each step and taken over within the lease TTL when its node dies); cmd
// is then the cluster commander, which routes each call to the node
// holding the charger. Events reach every node through the bus, the
// per-phase currents a node measures on its chargers too
// (lms.EventOutletCurrents), so a leader elsewhere sees them.
func (m *Main) startLoadManagement(ctx context.Context, sites volt.LoadManagementService, chargers volt.ChargerService,
	sessions volt.ChargingService, cmd volt.ChargerCommander) *lms.Manager {
	mgr := lms.New(lms.Config{
		Sites:      sites,
		Chargers:   chargers,
		Sessions:   sessions,
		Usergroups: store.NewUserService(m.DB),
		// Groups' off-peak default and randomised delay hold sessions
		// at 0 A (issue 15 item 6).
		SmartCharging: store.NewSmartChargingService(m.DB),
		// Each charger's version picks the profile's form; every
		// transaction limit is read back (GetCompositeSchedule); a
		// charger that boots has the profiles Volt does not own cleared
		// (a 2.x station's are listed from its stored reports).
		Applier: &lms.ByVersion{Chargers: chargers,
			V16: &lms.OCPP16{Commander: cmd, Verify: true}, V2x: &lms.OCPP201{Commander: cmd, Verify: true, Reports: reportsOf(sessions)}},
		Logger: m.Logger.With("component", "lms"),
		Leads:  m.leadsSite(),
		// Cars' departure, energy and discharge limits (2.x).
		Reports: reportsOf(sessions),
		Bus:     m.Bus,
		// Roaming eMSPs' charging profiles cap their sessions (issue 14).
		Profiles: store.NewOCPIService(m.DB),
	})
	// Modbus TCP meters of dynamic sites are read every 2 s; their
	// readings go through sites (which publishes them) to the loop.
	poller := &lms.MeterPoller{Sites: sites, Recorder: sites, Logger: m.Logger.With("component", "lms-meter")}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{}, 3)
	m.onClose(func(context.Context) error { cancel(); <-done; <-done; <-done; return nil })
	go func() {
		defer func() { done <- struct{}{} }()
		mgr.Run(ctx, m.Bus)
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		poller.Run(ctx, 2*time.Second)
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		m.pruneMeterReadings(ctx, store.NewLoadManagementService(m.DB).PruneMeterReadings)
	}()
	return mgr
}

// leadsSite returns the lms leader choice: nil on a single node (it runs
// every site), else the site's lead on the cluster, asked at most every
// 2 s per site (a burst of events steps the loop often; the lease lives
// 30 s and the loop's 5 s tick renews it).
func (m *Main) leadsSite() func(context.Context, string) bool {
	if m.Node == nil {
		return nil
	}
	return newLeadCache(func(ctx context.Context, siteID string) bool { return m.Node.Lead(ctx, "lms."+siteID) },
		2*time.Second, time.Now).leads
}

// leadCache remembers a lead answer per site for a short time.
type leadCache struct {
	ask   func(context.Context, string) bool
	every time.Duration
	now   func() time.Time
	mu    sync.Mutex
	seen  map[string]leadAnswer
}

type leadAnswer struct {
	lead bool
	at   time.Time
}

func newLeadCache(ask func(context.Context, string) bool, every time.Duration, now func() time.Time) *leadCache {
	return &leadCache{ask: ask, every: every, now: now, seen: map[string]leadAnswer{}}
}

func (c *leadCache) leads(ctx context.Context, siteID string) bool {
	now := c.now()
	c.mu.Lock()
	a, ok := c.seen[siteID]
	c.mu.Unlock()
	if ok && now.Sub(a.at) < c.every && !now.Before(a.at) {
		return a.lead
	}
	lead := c.ask(ctx, siteID)
	c.mu.Lock()
	c.seen[siteID] = leadAnswer{lead: lead, at: now}
	c.mu.Unlock()
	return lead
}

// pruneMeterReadings keeps 31 days of building-load readings, hourly.
func (m *Main) pruneMeterReadings(ctx context.Context, prune func(context.Context, time.Time) (int64, error)) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	sys := volt.NewContextWithActor(ctx, volt.SystemActor)
	for {
		if n, err := prune(sys, time.Now().AddDate(0, 0, -31)); err != nil && ctx.Err() == nil {
			m.Logger.Error("prune meter readings", "err", err)
		} else if n > 0 {
			m.Logger.Info("pruned meter readings", "readings", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// reportsOf is the store of the stations' smart-charging reports when the
// charging service keeps them (store.ChargingService does), else nil.
func reportsOf(sessions volt.ChargingService) volt.ChargingReportService {
	if r, ok := sessions.(volt.ChargingReportService); ok {
		return r
	}
	return nil
}
