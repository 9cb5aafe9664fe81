package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func TestAuditScopeAndPlacement(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		svc := store.NewAuditService(db)
		sys := sysCtx()
		entries := map[string]*volt.AuditEntry{
			"cpoA":   {Action: "cpo.update", ResourceType: volt.ResourceCPO, ResourceID: f.cpoA.ID, CPOID: f.cpoA.ID},
			"ownerA": {Action: "owner.update", ResourceType: volt.ResourceOwner, ResourceID: f.ownerA.ID, OwnerID: f.ownerA.ID},
			"groupA": {Action: "charger-group.update", ResourceType: volt.ResourceChargerGroup, ResourceID: f.groupA1.ID, ChargerGroupID: f.groupA1.ID},
			"cpoB":   {Action: "cpo.update", ResourceType: volt.ResourceCPO, ResourceID: f.cpoB.ID, CPOID: f.cpoB.ID},
			"none":   {Action: "charger-model.upsert"},
		}
		for _, e := range entries {
			must(t, svc.Record(sys, e))
		}
		if e := entries["ownerA"]; e.CPOID != f.cpoA.ID {
			t.Errorf("owner entry not completed with its CPO: %+v", e)
		}
		if e := entries["groupA"]; e.CPOID != f.cpoA.ID || e.OwnerID != f.ownerA.ID {
			t.Errorf("group entry not completed: %+v", e)
		}
		cases := []struct {
			name string
			ctx  func() []*volt.AuditEntry
			want []string
		}{
			{"super", func() []*volt.AuditEntry { return findAudit(t, svc, sys, volt.AuditFilter{}) }, []string{"cpoA", "ownerA", "groupA", "cpoB", "none"}},
			{"adminA", func() []*volt.AuditEntry { return findAudit(t, svc, f.adminA(), volt.AuditFilter{}) }, []string{"cpoA", "ownerA", "groupA"}},
			{"staffA", func() []*volt.AuditEntry { return findAudit(t, svc, f.staffA(), volt.AuditFilter{}) }, []string{"cpoA", "ownerA", "groupA"}},
			{"adminB", func() []*volt.AuditEntry { return findAudit(t, svc, f.adminB(), volt.AuditFilter{}) }, []string{"cpoB"}},
			{"ownerA", func() []*volt.AuditEntry { return findAudit(t, svc, f.ownerAdminA(), volt.AuditFilter{}) }, []string{"ownerA", "groupA"}},
			{"host", func() []*volt.AuditEntry { return findAudit(t, svc, f.host(), volt.AuditFilter{}) }, []string{"groupA"}},
			{"driver", func() []*volt.AuditEntry { return findAudit(t, svc, actorCtx(), volt.AuditFilter{}) }, nil},
		}
		for _, c := range cases {
			got := map[string]bool{}
			for _, e := range c.ctx() {
				got[e.ID] = true
			}
			if len(got) != len(c.want) {
				t.Errorf("%s sees %d entries, want %d", c.name, len(got), len(c.want))
			}
			for _, w := range c.want {
				if !got[entries[w].ID] {
					t.Errorf("%s does not see entry %s", c.name, w)
				}
			}
		}
	})
}

func findAudit(t testing.TB, svc *store.AuditService, ctx context.Context, f volt.AuditFilter) []*volt.AuditEntry {
	t.Helper()
	list, total, err := svc.FindAuditEntries(ctx, f)
	must(t, err)
	if total != len(list) && f.Limit == 0 {
		t.Errorf("total %d, listed %d", total, len(list))
	}
	return list
}

func TestAuditRecordByUserCannotForge(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		svc := store.NewAuditService(db)
		// Admin B tries to write an entry into CPO A's log, as someone else.
		e := &volt.AuditEntry{Action: "cpo.update", ActorID: "usr_someone", ActorEmail: "ceo@a.example", CPOID: f.cpoA.ID}
		must(t, svc.Record(f.adminB(), e))
		if e.CPOID != f.cpoB.ID || e.ActorID != "usr_actor" || e.ActorEmail != "actor@example.com" {
			t.Errorf("forged entry kept: %+v", e)
		}
		if got := findAudit(t, svc, f.adminA(), volt.AuditFilter{}); len(got) != 0 {
			t.Errorf("admin A sees %d entries written by admin B", len(got))
		}
		wantField(t, "no action", svc.Record(f.adminB(), &volt.AuditEntry{}), volt.EINVALID, "action")
		wantField(t, "bad json", svc.Record(f.adminB(), &volt.AuditEntry{Action: "x", Before: json.RawMessage("{")}), volt.EINVALID, "before")
		wantCode(t, "no actor", svc.Record(t.Context(), &volt.AuditEntry{Action: "x"}), volt.EUNAUTHORIZED)
	})
}

func TestAuditFilters(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		svc := store.NewAuditService(db)
		base := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
		mk := func(at time.Time, action, id, outcome, email string) *volt.AuditEntry {
			e := &volt.AuditEntry{At: at, Action: action, ResourceType: "charger", ResourceID: id, CPOID: f.cpoA.ID,
				Outcome: outcome, ActorID: "usr_" + email, ActorEmail: email + "@example.com",
				Before: json.RawMessage(`{"name":"old"}`), After: json.RawMessage(`{"name":"new"}`)}
			must(t, svc.Record(sysCtx(), e))
			return e
		}
		e1 := mk(base, "charger.update", "000001", volt.AuditOK, "ann")
		e2 := mk(base.Add(time.Hour), "charger.delete", "000002", volt.AuditFailed, "bob")
		e3 := mk(base.Add(2*time.Hour), "command.reset", "000001", volt.AuditOK, "ann")
		from, to := base.Add(30*time.Minute), base.Add(2*time.Hour)
		cases := []struct {
			name string
			f    volt.AuditFilter
			want []*volt.AuditEntry
		}{
			{"all newest first", volt.AuditFilter{}, []*volt.AuditEntry{e3, e2, e1}},
			{"action prefix", volt.AuditFilter{Action: "charger."}, []*volt.AuditEntry{e2, e1}},
			{"action exact", volt.AuditFilter{Action: "command.reset"}, []*volt.AuditEntry{e3}},
			{"resource", volt.AuditFilter{ResourceType: "charger", ResourceID: "000001"}, []*volt.AuditEntry{e3, e1}},
			{"actor", volt.AuditFilter{ActorID: "usr_bob"}, []*volt.AuditEntry{e2}},
			{"outcome", volt.AuditFilter{Outcome: volt.AuditFailed}, []*volt.AuditEntry{e2}},
			{"window", volt.AuditFilter{From: &from, To: &to}, []*volt.AuditEntry{e2}},
			{"query email", volt.AuditFilter{Query: "ANN@"}, []*volt.AuditEntry{e3, e1}},
			{"page", volt.AuditFilter{Page: volt.Page{Offset: 1, Limit: 1}}, []*volt.AuditEntry{e2}},
		}
		for _, c := range cases {
			got, _, err := svc.FindAuditEntries(f.adminA(), c.f)
			must(t, err)
			if len(got) != len(c.want) {
				t.Errorf("%s: %d entries, want %d", c.name, len(got), len(c.want))
				continue
			}
			for i := range got {
				if got[i].ID != c.want[i].ID {
					t.Errorf("%s: entry %d is %s, want %s", c.name, i, got[i].Action, c.want[i].Action)
				}
			}
		}
		got := findAudit(t, svc, f.adminA(), volt.AuditFilter{ActorID: "usr_bob"})[0]
		if string(got.Before) != `{"name":"old"}` || string(got.After) != `{"name":"new"}` || !got.At.Equal(e2.At) ||
			got.ActorEmail != "bob@example.com" || got.Source != volt.AuditSourceSystem {
			t.Errorf("entry did not round-trip: %+v", got)
		}
	})
}
