package store_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
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

// historyOf lists a charger's connection history as "on@ms"/"off@ms".
func historyOf(t *testing.T, db *store.DB, cpid string) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT online, at FROM connection_history WHERE cpid = ? ORDER BY at, online`, cpid)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var on bool
		var at int64
		if err := rows.Scan(&on, &at); err != nil {
			t.Fatal(err)
		}
		out = append(out, map[bool]string{true: "on", false: "off"}[on]+"@"+strconv.FormatInt(at, 10))
	}
	return out
}

// TestFencedConnectionsKeepTheHistory: the fenced records (every gateway
// uses them) write the connection history reliability reads, a superseded
// disconnection writes none (they wrote none at all before, so every
// charger counted online since its first connection).
func TestFencedConnectionsKeepTheHistory(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		ctx := sys()
		t0 := f.now.UnixMilli()
		first, err := f.svc.RecordConnected(ctx, f.cpidA, "ocpp1.6", f.now)
		if err != nil {
			t.Fatal(err)
		}
		second, err := f.svc.RecordConnected(ctx, f.cpidA, "ocpp1.6", f.now.Add(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RecordDisconnected(ctx, f.cpidA, first, f.now.Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RecordDisconnected(ctx, f.cpidA, second, f.now.Add(3*time.Second)); err != nil {
			t.Fatal(err)
		}
		want := []string{fmt.Sprintf("on@%d", t0), fmt.Sprintf("on@%d", t0+1000), fmt.Sprintf("off@%d", t0+3000)}
		if got := historyOf(t, db, f.cpidA); !slices.Equal(got, want) {
			t.Fatalf("history %v, want %v", got, want)
		}
	})
}

// TestRecordNodeLost: a node died holding A (fence 1) and B; B reconnected
// to another node before the survivor swept. A is recorded offline at the
// dead node's last renewal, B stays online without a gap; a second sweep
// changes nothing (issue 17: a dead node's chargers counted online).
func TestRecordNodeLost(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		ctx := sys()
		fa, err := f.svc.RecordConnected(ctx, f.cpidA, "ocpp1.6", f.now)
		if err != nil {
			t.Fatal(err)
		}
		fb, err := f.svc.RecordConnected(ctx, f.cpidB, "ocpp1.6", f.now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RecordConnected(ctx, f.cpidB, "ocpp1.6", f.now.Add(20*time.Second)); err != nil {
			t.Fatal(err)
		}
		last := f.now.Add(10 * time.Second)
		lost, err := f.svc.RecordNodeLost(ctx, map[string]int64{f.cpidA: fa, f.cpidB: fb}, last)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(lost, []string{f.cpidA}) {
			t.Fatalf("recorded offline %v, want only %s", lost, f.cpidA)
		}
		online := func(cpid string) bool {
			var on bool
			if err := db.QueryRow(context.Background(), `SELECT online FROM chargers WHERE cpid = ?`, cpid).Scan(&on); err != nil {
				t.Fatal(err)
			}
			return on
		}
		if online(f.cpidA) || !online(f.cpidB) {
			t.Fatalf("online A=%v B=%v, want A offline, B online", online(f.cpidA), online(f.cpidB))
		}
		t0 := f.now.UnixMilli()
		wantA := []string{fmt.Sprintf("on@%d", t0), fmt.Sprintf("off@%d", t0+10000)}
		if got := historyOf(t, db, f.cpidA); !slices.Equal(got, wantA) {
			t.Fatalf("history of A %v, want %v", got, wantA)
		}
		if got := historyOf(t, db, f.cpidB); len(got) != 2 || got[1] != fmt.Sprintf("on@%d", t0+20000) {
			t.Fatalf("history of B %v, want its two connections only", got)
		}
		again, err := f.svc.RecordNodeLost(ctx, map[string]int64{f.cpidA: fa, f.cpidB: fb}, last)
		if err != nil || len(again) != 0 || len(historyOf(t, db, f.cpidA)) != 2 {
			t.Fatalf("second sweep recorded %v (%v), history %v: want nothing more", again, err, historyOf(t, db, f.cpidA))
		}
	})
}
