package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/gateway"
	"github.com/volt-ev/volt/natsbus"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestLoneNodeRestartClosesLostConnections (issue 12): a single node died
// (nothing recorded) while a charger was connected, last heard from by a
// heartbeat. The node that starts next records the charger offline at
// that heartbeat, with a charger.disconnected event in the journal, before
// it accepts connections; on both engines.
func TestLoneNodeRestartClosesLostConnections(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			dsn := e.DSN(t)
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := db.Exec(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			cpo, cpid := seedOneCharger(t, exec)
			connectedAt := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
			if _, err := store.NewChargingService(db).RecordConnected(ctx, cpid, "ocpp1.6", connectedAt); err != nil {
				t.Fatal(err)
			}
			heartbeat := connectedAt.Add(20 * time.Minute)
			exec(`UPDATE chargers SET last_seen_at = ? WHERE cpid = ?`, heartbeat.UnixMilli(), cpid)
			db.Close() // the process died here

			m := testMain(t, dsn)
			var online bool
			var offAt int64
			if err := m.DB.QueryRow(ctx, `SELECT online FROM chargers WHERE cpid = ?`, cpid).Scan(&online); err != nil || online {
				t.Fatalf("after the restart the charger is online=%v (%v), want offline", online, err)
			}
			if err := m.DB.QueryRow(ctx, `SELECT at FROM connection_history WHERE cpid = ? AND online = ? ORDER BY at DESC LIMIT 1`, cpid, false).Scan(&offAt); err != nil ||
				offAt != heartbeat.UnixMilli() {
				t.Fatalf("recorded offline at %d (%v), want its last heartbeat %d", offAt, err, heartbeat.UnixMilli())
			}
			var n int
			if err := m.DB.QueryRow(ctx, `SELECT count(*) FROM event_log WHERE type = ? AND cpid = ? AND cpo_id = ? AND at = ?`,
				volt.EventChargerDisconnected, cpid, cpo, heartbeat.UnixMilli()).Scan(&n); err != nil || n != 1 {
				t.Fatalf("charger.disconnected journaled %d times (%v), want once", n, err)
			}
		})
	}
}

// TestClusterSweepClosesOrphanConnections (issue 12): on a cluster, a
// charger recorded online, unheard for two heartbeats, that no live node
// holds in the registry (its entry lost with the whole cluster) is
// recorded offline at its last sign of life; one unheard as long but held
// by a live node is left alone.
func TestClusterSweepClosesOrphanConnections(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Exec(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		cpo, own, site, grp := volt.NewID("cpo"), volt.NewID("own"), volt.NewID("sit"), volt.NewID("cgr")
		exec(`INSERT INTO cpos (id, name, currency, created_at, updated_at) VALUES (?, 'CPO', 'GBP', 0, 0)`, cpo)
		exec(`INSERT INTO owners (id, cpo_id, name, created_at, updated_at) VALUES (?, ?, 'o', 0, 0)`, own, cpo)
		exec(`INSERT INTO sites (id, cpo_id, owner_id, name, time_zone, created_at, updated_at) VALUES (?, ?, ?, 's', 'Europe/London', 0, 0)`, site, cpo, own)
		exec(`INSERT INTO charger_groups (id, cpo_id, owner_id, site_id, name, private, created_at, updated_at) VALUES (?, ?, ?, ?, 'g', FALSE, 0, 0)`, grp, cpo, own, site)
		base := time.Now().UnixNano() % 900_000
		orphan, held := volt.FormatCPID(base), volt.FormatCPID(base+1)
		charging := store.NewChargingService(db)
		seen := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
		fences := map[string]int64{}
		for _, cpid := range []string{orphan, held} {
			exec(`INSERT INTO chargers (cpid, ocpp_identity, cpo_id, owner_id, site_id, charger_group_id, password_hash, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, 'x', 0, 0)`, cpid, "id-"+cpid, cpo, own, site, grp)
			f, err := charging.RecordConnected(ctx, cpid, "ocpp1.6", seen)
			if err != nil {
				t.Fatal(err)
			}
			fences[cpid] = f
		}

		srv, err := natsbus.StartEmbedded(natsbus.EmbeddedConfig{Listen: freeAddr(t), StoreDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
		nc, err := natsbus.Connect("", srv, "a")
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		n, err := natsbus.Start(ctx, natsbus.Config{Conn: nc, NodeID: "a", LeaseTTL: 3 * time.Second, CallTimeout: 3 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = n.Close() }()
		if err := n.Attach(&heldGateway{held: map[string]bool{held: true}}); err != nil {
			t.Fatal(err)
		}
		n.Publish(ctx, volt.Event{Type: volt.EventChargerConnected, CPID: held, Data: gateway.ConnectionState{CPID: held, Online: true, Fence: fences[held]}})
		checkFor(t, 10*time.Second, func() error {
			if h, err := n.Holder(ctx, held); err != nil || h != "a" {
				return errString("registry: not held yet")
			}
			return nil
		})

		m := &Main{Logger: slog.New(slog.DiscardHandler), Node: n, Config: Config{Heartbeat: 5 * time.Minute}}
		if err := m.sweepLostConnections(ctx, charging); err != nil {
			t.Fatal(err)
		}
		online := func(cpid string) bool {
			var on bool
			if err := db.QueryRow(ctx, `SELECT online FROM chargers WHERE cpid = ?`, cpid).Scan(&on); err != nil {
				t.Fatal(err)
			}
			return on
		}
		if online(orphan) || !online(held) {
			t.Fatalf("after the sweep orphan online=%v, held online=%v: want the orphan only offline", online(orphan), online(held))
		}
		var offAt int64
		if err := db.QueryRow(ctx, `SELECT at FROM connection_history WHERE cpid = ? AND online = ? ORDER BY at DESC LIMIT 1`, orphan, false).Scan(&offAt); err != nil ||
			offAt != seen.UnixMilli() {
			t.Fatalf("orphan recorded offline at %d (%v), want its last sign of life %d", offAt, err, seen.UnixMilli())
		}
	})
}
