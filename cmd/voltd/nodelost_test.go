package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/gateway"
	"github.com/volt-ev/volt/natsbus"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// heldGateway is a node's gateway holding the chargers it lists.
type heldGateway struct {
	mu   sync.Mutex
	held map[string]bool
}

func (g *heldGateway) Connected(cpid string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.held[cpid]
}

func (g *heldGateway) Call(_ context.Context, cpid, _ string, _ any) (json.RawMessage, error) {
	if !g.Connected(cpid) {
		return nil, volt.Errorf(volt.ECHARGEROFFLINE, "charger %s is not connected", cpid)
	}
	return json.RawMessage(`{"status":"Accepted"}`), nil
}

func (g *heldGateway) Release(cpid, _ string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	ok := g.held[cpid]
	delete(g.held, cpid)
	return ok
}

// TestDeadNodesChargersRecordedOffline: two nodes in one process on one
// database; node a holds a charger and stops renewing its lease (cut off
// from NATS, as a killed node). The survivor b, leading the registry
// sweep, records the charger offline at a's last renewal: the charger row
// and the connection history reliability reads (issue 17), on both engines.
func TestDeadNodesChargersRecordedOffline(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Exec(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		_, cpid := seedOneCharger(t, exec)
		charging := store.NewChargingService(db)

		srv, err := natsbus.StartEmbedded(natsbus.EmbeddedConfig{Listen: freeAddr(t), StoreDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
		start := func(id string, gw *heldGateway, onDead bool) (*natsbus.Node, *nats.Conn, func()) {
			nc, err := natsbus.Connect("", srv, id)
			if err != nil {
				t.Fatal(err)
			}
			n, err := natsbus.Start(ctx, natsbus.Config{Conn: nc, NodeID: id, LeaseTTL: 3 * time.Second, CallTimeout: 3 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if onDead {
				n.OnNodeDead = (&Main{Logger: slog.New(slog.DiscardHandler)}).nodeLost(charging)
			}
			if err := n.Attach(gw); err != nil {
				t.Fatal(err)
			}
			return n, nc, func() { _ = n.Close(); nc.Close() }
		}
		a, ncA, stopA := start("a", &heldGateway{held: map[string]bool{cpid: true}}, true)
		b, _, stopB := start("b", &heldGateway{held: map[string]bool{}}, true)
		defer stopB()

		connectedAt := time.Now().Add(-time.Minute)
		fence, err := charging.RecordConnected(ctx, cpid, "ocpp1.6", connectedAt)
		if err != nil {
			t.Fatal(err)
		}
		a.Publish(ctx, volt.Event{Type: volt.EventChargerConnected, CPID: cpid, Data: gateway.ConnectionState{CPID: cpid, Online: true, Fence: fence}})
		checkFor(t, 10*time.Second, func() error {
			_, err := b.Call(ctx, cpid, "Reset", nil)
			return err
		})

		// a is cut off: no renewal, no deletes, no disconnection recorded.
		cutAt := time.Now()
		ncA.Close()
		defer stopA()

		var online bool
		var offAt int64
		checkFor(t, 30*time.Second, func() error {
			if err := db.QueryRow(ctx, `SELECT online FROM chargers WHERE cpid = ?`, cpid).Scan(&online); err != nil {
				return err
			}
			if online {
				return errString("charger still online")
			}
			return db.QueryRow(ctx, `SELECT at FROM connection_history WHERE cpid = ? AND online = ? ORDER BY at DESC LIMIT 1`, cpid, false).Scan(&offAt)
		})
		off := time.UnixMilli(offAt)
		if off.After(cutAt) || cutAt.Sub(off) > 3*time.Second {
			t.Fatalf("recorded offline at %v, cut off at %v: want a's last renewal, within one lease before", off, cutAt)
		}
		if _, err := b.Call(ctx, cpid, "Reset", nil); volt.ErrorCode(err) != volt.ECHARGEROFFLINE {
			t.Fatalf("command for the dead node's charger: %v, want %s", err, volt.ECHARGEROFFLINE)
		}
	})
}

type errString string

func (e errString) Error() string { return string(e) }

// seedOneCharger inserts a CPO with an owner, a site, a public group and
// one charger through exec, and returns the CPO and the charger's CPID.
func seedOneCharger(t *testing.T, exec func(q string, args ...any)) (cpo, cpid string) {
	t.Helper()
	cpo, own, site, grp := volt.NewID("cpo"), volt.NewID("own"), volt.NewID("sit"), volt.NewID("cgr")
	cpid = volt.FormatCPID(time.Now().UnixNano() % 1_000_000)
	exec(`INSERT INTO cpos (id, name, currency, created_at, updated_at) VALUES (?, 'CPO', 'GBP', 0, 0)`, cpo)
	exec(`INSERT INTO owners (id, cpo_id, name, created_at, updated_at) VALUES (?, ?, 'o', 0, 0)`, own, cpo)
	exec(`INSERT INTO sites (id, cpo_id, owner_id, name, time_zone, created_at, updated_at) VALUES (?, ?, ?, 's', 'Europe/London', 0, 0)`, site, cpo, own)
	exec(`INSERT INTO charger_groups (id, cpo_id, owner_id, site_id, name, private, created_at, updated_at) VALUES (?, ?, ?, ?, 'g', FALSE, 0, 0)`, grp, cpo, own, site)
	exec(`INSERT INTO chargers (cpid, ocpp_identity, cpo_id, owner_id, site_id, charger_group_id, password_hash, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, 'x', 0, 0)`, cpid, "id-"+cpid, cpo, own, site, grp)
	return cpo, cpid
}
