package store_test

import (
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestBootWritesWithoutChangeCommitNothing (issue 12): a boot's Available
// report on a connector without an active session closes nothing and
// commits no transaction; one with an active session still closes it with
// its CDR. A configuration read again unchanged commits nothing and leaves
// the stored keys as they were; a change is still written. On both engines.
func TestBootWritesWithoutChangeCommitNothing(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		ctx := sys()
		counter, stop := db.CountCommits()
		defer stop()

		cdrs, err := f.svc.CloseZombieSessions(ctx, f.cpidA, 1, "Available", f.now)
		if err != nil || len(cdrs) != 0 {
			t.Fatalf("zombies without a session: %v %v", cdrs, err)
		}
		if got := counter.Total(); got.Sync+got.Lazy != 0 {
			t.Fatalf("closing no zombie committed %+v, want nothing", counter.Sites())
		}
		t0 := f.now.Add(-time.Hour)
		st := f.start(t, f.cpidA, 1, "CARD-A", 1000, t0)
		before := counter.Total()
		cdrs, err = f.svc.CloseZombieSessions(ctx, f.cpidA, 1, "Available", t0.Add(time.Minute))
		if err != nil || len(cdrs) != 1 || cdrs[0].SessionID != st.Session.ID {
			t.Fatalf("zombie with a session: %+v %v", cdrs, err)
		}
		if after := counter.Total(); after.Sync+after.Lazy != before.Sync+before.Lazy+1 {
			t.Errorf("closing a zombie committed %d transactions, want 1", after.Sync+after.Lazy-before.Sync-before.Lazy)
		}
		if s, _ := f.svc.FindSessionByID(ctx, st.Session.ID); s.Status != volt.SessionCompleted {
			t.Errorf("zombie session %s, want completed", s.Status)
		}

		s := func(v string) *string { return &v }
		keys := []volt.ConfigKey{{Key: "HeartbeatInterval", Value: s("300")}, {Key: "NumberOfConnectors", Value: s("2"), Readonly: true}}
		if err := f.svc.RecordConfiguration(ctx, f.cpidA, keys); err != nil {
			t.Fatal(err)
		}
		f.exec(t, `UPDATE charger_configuration SET updated_at = 1 WHERE cpid = ?`, f.cpidA)
		before = counter.Total()
		if err := f.svc.RecordConfiguration(ctx, f.cpidA, keys); err != nil {
			t.Fatal(err)
		}
		if after := counter.Total(); after != before {
			t.Errorf("an unchanged configuration committed %+v, want nothing", counter.Sites())
		}
		if n := f.count(t, `SELECT count(*) FROM charger_configuration WHERE cpid = ? AND updated_at = 1`, f.cpidA); n != 2 {
			t.Errorf("%d of 2 unchanged keys left as they were", n)
		}
		keys[0].Value = s("60")
		if err := f.svc.RecordConfiguration(ctx, f.cpidA, keys); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.FindConfiguration(ctx, f.cpidA)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range got {
			if k.Key == "HeartbeatInterval" && (k.Value == nil || *k.Value != "60") {
				t.Errorf("changed HeartbeatInterval stored as %v, want 60", k.Value)
			}
		}
		if n := f.count(t, `SELECT count(*) FROM charger_configuration WHERE cpid = ? AND updated_at = 1`, f.cpidA); n != 1 {
			t.Errorf("%d keys left as they were after one changed, want 1", n)
		}
	})
}
