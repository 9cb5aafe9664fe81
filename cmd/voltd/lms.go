package main

import (
	"context"
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
// TODO(issue 15): with many nodes, run the loop of a site on one node only
// (a lease), and route its calls to the node holding the charger.
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
		// transaction limit is read back (GetCompositeSchedule).
		Applier: &lms.ByVersion{Chargers: chargers,
			V16: &lms.OCPP16{Commander: cmd, Verify: true}, V2x: &lms.OCPP201{Commander: cmd, Verify: true}},
		Logger: m.Logger.With("component", "lms"),
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
