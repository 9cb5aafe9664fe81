package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// disconnections are the charger.disconnected events journaled since the
// consumer's last call, as "cpid@unixms", and the outbox's count of them.
func disconnections(t *testing.T, db *store.DB, consumer string) ([]string, int) {
	t.Helper()
	var out []string
	for _, e := range ofType(consume(t, db, consumer), volt.EventChargerDisconnected) {
		if e.CPOID == "" {
			t.Errorf("charger.disconnected of %s without its CPO", e.CPID)
		}
		out = append(out, fmt.Sprintf("%s@%d", e.CPID, e.At.UnixMilli()))
	}
	var n int
	must(t, db.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE type = ?`, volt.EventChargerDisconnected).Scan(&n))
	return out, n
}

// TestRecordConnectionsLost (issue 12): the process holding A and B died
// without recording their disconnections. The next node lists them open,
// each with its last sign of life (A's heartbeat, B's connection); B
// connects again before they are recorded, so only A is recorded offline,
// at its last heartbeat, with one charger.disconnected event in the
// journal and the outbox. A second pass records nothing more.
func TestRecordConnectionsLost(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		db.EnableOutbox("n1", nil)
		f := newChargingFixture(t, db)
		ctx := sys()
		_, err := f.svc.RecordConnected(ctx, f.cpidA, "ocpp1.6", f.now)
		must(t, err)
		_, err = f.svc.RecordConnected(ctx, f.cpidB, "ocpp1.6", f.now)
		must(t, err)
		t0 := f.now.UnixMilli()
		f.exec(t, `UPDATE chargers SET last_seen_at = ? WHERE cpid = ?`, t0+300_000, f.cpidA) // a heartbeat 5 minutes later
		disconnections(t, db, "test-lost")                                                    // past events

		open, err := f.svc.OpenConnections(ctx, f.now.Add(time.Hour), 100)
		must(t, err)
		slices.SortFunc(open, func(a, b store.LostConnection) int { return strings.Compare(a.CPID, b.CPID) })
		if len(open) != 2 || open[0].At.UnixMilli() != t0+300_000 || open[1].At.UnixMilli() != t0 {
			t.Fatalf("open connections %+v, want A at its heartbeat, B at its connection", open)
		}
		if stale, err := f.svc.OpenConnections(ctx, f.now.Add(time.Minute), 100); err != nil || len(stale) != 1 || stale[0].CPID != f.cpidB {
			t.Fatalf("unheard for a minute: %+v, %v; want B only", stale, err)
		}
		_, err = f.svc.RecordConnected(ctx, f.cpidB, "ocpp1.6", f.now.Add(10*time.Minute)) // B is back: a newer fence
		must(t, err)

		lost, err := f.svc.RecordConnectionsLost(ctx, open)
		must(t, err)
		if !slices.Equal(lost, []string{f.cpidA}) {
			t.Fatalf("recorded offline %v, want %s only", lost, f.cpidA)
		}
		if got, want := historyOf(t, db, f.cpidA), []string{fmt.Sprintf("on@%d", t0), fmt.Sprintf("off@%d", t0+300_000)}; !slices.Equal(got, want) {
			t.Errorf("history of A %v, want %v", got, want)
		}
		if got := historyOf(t, db, f.cpidB); len(got) != 2 || got[1] != fmt.Sprintf("on@%d", t0+600_000) {
			t.Errorf("history of B %v, want its two connections only", got)
		}
		if evs, n := disconnections(t, db, "test-lost"); !slices.Equal(evs, []string{fmt.Sprintf("%s@%d", f.cpidA, t0+300_000)}) || n != 1 {
			t.Errorf("charger.disconnected %v (outbox %d), want A's at its heartbeat, once", evs, n)
		}
		if again, err := f.svc.RecordConnectionsLost(ctx, open); err != nil || len(again) != 0 {
			t.Errorf("second pass recorded %v, %v", again, err)
		}
		if evs, n := disconnections(t, db, "test-lost"); len(evs) != 0 || n != 1 {
			t.Errorf("second pass published %v (outbox %d)", evs, n)
		}
		if rest, err := f.svc.OpenConnections(ctx, f.now.Add(time.Hour), 100); err != nil || len(rest) != 1 || rest[0].CPID != f.cpidB {
			t.Errorf("still open %+v, %v; want B's new connection", rest, err)
		}
	})
}

// TestRecordNodeLostPublishes (issue 12): the chargers a dead node's sweep
// records offline publish charger.disconnected through the journal and the
// outbox, at the dead node's last renewal, once.
func TestRecordNodeLostPublishes(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		db.EnableOutbox("n1", nil)
		f := newChargingFixture(t, db)
		ctx := sys()
		fa, err := f.svc.RecordConnected(ctx, f.cpidA, "ocpp1.6", f.now)
		must(t, err)
		disconnections(t, db, "test-nodelost")
		last := f.now.Add(10 * time.Second)
		for range 2 {
			if _, err := f.svc.RecordNodeLost(ctx, map[string]int64{f.cpidA: fa}, last); err != nil {
				t.Fatal(err)
			}
		}
		if evs, n := disconnections(t, db, "test-nodelost"); !slices.Equal(evs, []string{fmt.Sprintf("%s@%d", f.cpidA, last.UnixMilli())}) || n != 1 {
			t.Errorf("charger.disconnected %v (outbox %d), want one at the last renewal", evs, n)
		}
	})
}
