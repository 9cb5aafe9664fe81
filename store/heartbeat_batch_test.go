package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestHeartbeatBatching: with batching a heartbeat answers without writing,
// and the newest time reaches last_seen_at within the period; stopping
// writes what is pending.
func TestHeartbeatBatching(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		ctx := sys()
		f.svc.HeartbeatEvery = time.Millisecond
		lastSeen := func() int64 {
			var seen *int64
			if err := db.QueryRow(context.Background(), `SELECT last_seen_at FROM chargers WHERE cpid = ?`, f.cpidA).Scan(&seen); err != nil {
				t.Fatal(err)
			}
			if seen == nil {
				return 0
			}
			return *seen
		}
		stop := f.svc.StartHeartbeatBatching(20 * time.Millisecond)
		newest := f.now.Add(time.Hour)
		for _, at := range []time.Time{newest.Add(-time.Minute), newest, newest.Add(-2 * time.Minute)} {
			if err := f.svc.RecordHeartbeat(ctx, f.cpidA, at); err != nil {
				t.Fatal(err)
			}
		}
		deadline := time.Now().Add(10 * time.Second)
		for lastSeen() != newest.UnixMilli() {
			if time.Now().After(deadline) {
				t.Fatalf("last seen %d, want the newest heartbeat %d", lastSeen(), newest.UnixMilli())
			}
			time.Sleep(10 * time.Millisecond)
		}
		later := newest.Add(time.Minute)
		if err := f.svc.RecordHeartbeat(ctx, f.cpidA, later); err != nil {
			t.Fatal(err)
		}
		stop()
		if got := lastSeen(); got != later.UnixMilli() {
			t.Errorf("after stop last seen %d, want the pending heartbeat %d", got, later.UnixMilli())
		}
	})
}
