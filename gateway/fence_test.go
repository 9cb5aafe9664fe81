package gateway

import (
	"context"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestStaleSocketDoesNotRecordOffline: the charger reconnected to another
// node (the store recorded a newer connection, fence+1) while this node's
// socket was still open; when that stale socket closes, this node neither
// marks the charger offline nor publishes charger.disconnected (issue 12:
// the fencing TODO of cluster.go). A socket that is still the newest does.
func TestStaleSocketDoesNotRecordOffline(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := volt.NewContextWithActor(context.Background(), volt.SystemActor)
		creds := onboard(t, ctx, db)
		svc := store.NewChargingService(db)
		bus := &recordingBus{}
		h := newHarness(t, func(c *Config) { c.Charging = svc; c.Bus = bus })
		online := func() bool {
			var on bool
			must(t, db.QueryRow(ctx, `SELECT online FROM chargers WHERE cpid = ?`, creds.CPID).Scan(&on))
			return on
		}

		c := h.connect(creds.OCPPIdentity, creds.OCPPPassword)
		waitFor(t, "charger.connected", func() bool { return bus.count(volt.EventChargerConnected) == 1 })
		// Another node takes the charger over.
		if _, err := svc.RecordConnected(ctx, creds.CPID, "ocpp1.6", time.Now()); err != nil {
			t.Fatal(err)
		}
		_ = c.ws.Close()
		waitFor(t, "the stale connection to end", func() bool { return h.g.Stats().Connections == 0 })
		if n := bus.count(volt.EventChargerDisconnected); n != 0 || !online() {
			t.Fatalf("stale socket closed: %d charger.disconnected, online=%v; want none and still on line", n, online())
		}

		c = h.connect(creds.OCPPIdentity, creds.OCPPPassword)
		waitFor(t, "charger.connected again", func() bool { return bus.count(volt.EventChargerConnected) == 2 })
		_ = c.ws.Close()
		waitFor(t, "charger.disconnected", func() bool { return bus.count(volt.EventChargerDisconnected) == 1 })
		if online() {
			t.Error("the newest connection closed: want the charger off line")
		}
	})
}
