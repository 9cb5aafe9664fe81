package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestConnectionFence: a charger reconnects to another node (fence 2) while
// the first node's socket (fence 1) is still closing; the late disconnection
// of fence 1 must not mark offline the charger that is on line through
// fence 2 (issue 12, LESSONS 38 and 43). The disconnection of fence 2 does.
func TestConnectionFence(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		ctx := sys()
		online := func() bool {
			var on bool
			if err := db.QueryRow(context.Background(), `SELECT online FROM chargers WHERE cpid = ?`, f.cpidA).Scan(&on); err != nil {
				t.Fatal(err)
			}
			return on
		}
		first, err := f.svc.RecordConnected(ctx, f.cpidA, "ocpp1.6", f.now)
		if err != nil {
			t.Fatal(err)
		}
		second, err := f.svc.RecordConnected(ctx, f.cpidA, "ocpp1.6", f.now.Add(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if second <= first {
			t.Fatalf("fences %d then %d: want a growing fence", first, second)
		}
		if cur, err := f.svc.ConnectionFence(ctx, f.cpidA); err != nil || cur != second {
			t.Fatalf("fence %d, %v; want %d", cur, err, second)
		}
		ok, err := f.svc.RecordDisconnected(ctx, f.cpidA, first, f.now.Add(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if ok || !online() {
			t.Fatalf("stale disconnection applied=%v, online=%v: want ignored, still on line", ok, online())
		}
		ok, err = f.svc.RecordDisconnected(ctx, f.cpidA, second, f.now.Add(3*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if !ok || online() {
			t.Fatalf("current disconnection applied=%v, online=%v: want applied, off line", ok, online())
		}
		if _, err := f.svc.RecordConnected(ctx, "NOPE", "", f.now); err == nil {
			t.Error("unknown charger: want an error")
		}
	})
}
