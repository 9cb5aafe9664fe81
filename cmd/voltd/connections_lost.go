package main

import (
	"context"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
)

// Issue 12: connections a dead process left recorded open (store
// RecordConnectionsLost). On one node, every charger recorded online when
// the node starts was held by the process before it: closeLostConnections
// records them offline at their last sign of life before the gateway
// accepts a connection. On a cluster the node holding a charger is in the
// registry: the sweep of dead nodes records theirs (nodeLost), and
// startLostConnectionSweep catches what no registry entry names any more
// (a cluster that went down whole, a registry lost with its NATS).

// lostBatch is how many connections one pass records at most.
const lostBatch = 1000

// closeLostConnections records offline, at their last_seen_at, the chargers
// recorded online when a node without a cluster starts.
func (m *Main) closeLostConnections(ctx context.Context, charging *store.ChargingService) error {
	ctx = volt.NewContextWithActor(ctx, volt.SystemActor)
	total := 0
	for {
		conns, err := charging.OpenConnections(ctx, time.Now(), lostBatch)
		if err != nil {
			return err
		}
		lost, err := charging.RecordConnectionsLost(ctx, conns)
		total += len(lost)
		if err != nil {
			return err
		}
		if len(conns) < lostBatch || len(lost) == 0 {
			break
		}
	}
	if total > 0 {
		m.Logger.Warn("the previous process ended without recording its chargers' disconnections: recorded at their last sign of life", "chargers", total)
	}
	return nil
}

// lostStaleAfter is how long a charger recorded online may go unheard
// before the cluster sweep asks the registry who holds it: two heartbeat
// intervals and a minute, so a live charger is never asked about.
func (m *Main) lostStaleAfter() time.Duration {
	hb := m.Config.Heartbeat
	if hb <= 0 {
		hb = 300 * time.Second
	}
	return 2*hb + time.Minute
}

// startLostConnectionSweep runs, once a minute on one node of the cluster,
// the check of chargers recorded online, unheard for lostStaleAfter, that
// no live node holds in the registry: they are recorded offline at their
// last sign of life.
func (m *Main) startLostConnectionSweep(ctx context.Context, charging *store.ChargingService) {
	m.periodic(ctx, "connections.lost", time.Minute, func(ctx context.Context) {
		if err := m.sweepLostConnections(ctx, charging); err != nil && ctx.Err() == nil {
			m.Logger.Warn("sweep of lost connections", "err", err)
		}
	})
}

// sweepLostConnections is one pass of startLostConnectionSweep.
func (m *Main) sweepLostConnections(ctx context.Context, charging *store.ChargingService) error {
	ctx = volt.NewContextWithActor(ctx, volt.SystemActor)
	conns, err := charging.OpenConnections(ctx, time.Now().Add(-m.lostStaleAfter()), lostBatch)
	if err != nil {
		return err
	}
	var orphans []store.LostConnection
	for _, c := range conns {
		holder, err := m.Node.Holder(ctx, c.CPID)
		if err != nil {
			return err // unknown: the next pass asks again
		}
		if holder == "" {
			orphans = append(orphans, c)
		}
	}
	lost, err := charging.RecordConnectionsLost(ctx, orphans)
	if len(lost) > 0 {
		m.Logger.Warn("chargers recorded online that no node holds: recorded offline at their last sign of life", "chargers", len(lost))
	}
	return err
}
