package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/audit"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// env is an estate of two CPOs, each with an owner, a site and a charger
// group, built as the system, with wrapped services over one database.
type env struct {
	db    *store.DB
	log   *store.AuditService
	rec   *audit.Recorder
	h     volt.HierarchyService
	ch    volt.ChargerService
	us    volt.UserService
	tk    volt.TicketService
	cpoA  *volt.CPO
	cpoB  *volt.CPO
	ownA  *volt.Owner
	grpA  *volt.ChargerGroup
	grpB  *volt.ChargerGroup
	logs  *bytes.Buffer
	sysUS *store.UserService
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	e := &env{db: db, log: store.NewAuditService(db), logs: &bytes.Buffer{}, sysUS: store.NewUserService(db)}
	e.rec = audit.NewRecorder(e.log, slog.New(slog.NewTextHandler(e.logs, nil)))
	e.h = audit.WrapHierarchy(store.NewHierarchyService(db), e.rec)
	e.ch = audit.WrapChargers(store.NewChargerService(db), e.rec)
	e.us = audit.WrapUsers(e.sysUS, e.rec)
	e.tk = audit.WrapTickets(store.NewTicketService(db), e.rec)
	raw := store.NewHierarchyService(db)
	sys := volt.NewContextWithActor(context.Background(), volt.SystemActor)
	e.cpoA, e.cpoB = &volt.CPO{Name: "A"}, &volt.CPO{Name: "B"}
	must(t, raw.CreateCPO(sys, e.cpoA))
	must(t, raw.CreateCPO(sys, e.cpoB))
	e.ownA = &volt.Owner{CPOID: e.cpoA.ID, Name: "Owner A"}
	ownB := &volt.Owner{CPOID: e.cpoB.ID, Name: "Owner B"}
	must(t, raw.CreateOwner(sys, e.ownA))
	must(t, raw.CreateOwner(sys, ownB))
	siteA, siteB := &volt.Site{OwnerID: e.ownA.ID, Name: "S A"}, &volt.Site{OwnerID: ownB.ID, Name: "S B"}
	must(t, raw.CreateSite(sys, siteA))
	must(t, raw.CreateSite(sys, siteB))
	e.grpA, e.grpB = &volt.ChargerGroup{SiteID: siteA.ID, Name: "G A"}, &volt.ChargerGroup{SiteID: siteB.ID, Name: "G B"}
	must(t, raw.CreateChargerGroup(sys, e.grpA))
	must(t, raw.CreateChargerGroup(sys, e.grpB))
	return e
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// actor returns a context acting through the API from 203.0.113.7.
func actor(id string, grants ...volt.Grant) context.Context {
	ctx := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: id, Email: id + "@example.com", Grants: grants})
	return volt.NewContextWithAudit(ctx, volt.AuditContext{Source: volt.AuditSourceAPI, ClientAddr: "203.0.113.7"})
}

func (e *env) adminA() context.Context {
	return actor("usr_admina", volt.Grant{Role: volt.RoleAdmin, CPOID: e.cpoA.ID})
}
func (e *env) adminB() context.Context {
	return actor("usr_adminb", volt.Grant{Role: volt.RoleAdmin, CPOID: e.cpoB.ID})
}
func (e *env) staffA() context.Context {
	return actor("usr_staffa", volt.Grant{Role: volt.RoleStaff, CPOID: e.cpoA.ID})
}

// entries returns what ctx's actor reads in the audit log, newest first.
func (e *env) entries(t testing.TB, ctx context.Context, f volt.AuditFilter) []*volt.AuditEntry {
	t.Helper()
	list, _, err := e.log.FindAuditEntries(ctx, f)
	must(t, err)
	return list
}

// one returns the single entry of action ctx reads, failing otherwise.
func (e *env) one(t testing.TB, ctx context.Context, action string) *volt.AuditEntry {
	t.Helper()
	list := e.entries(t, ctx, volt.AuditFilter{Action: action})
	if len(list) != 1 {
		t.Fatalf("%d entries %s, want 1", len(list), action)
	}
	return list[0]
}

func field(t testing.TB, raw json.RawMessage, name string) any {
	t.Helper()
	if len(raw) == 0 {
		return nil
	}
	var m map[string]any
	must(t, json.Unmarshal(raw, &m))
	return m[name]
}

func TestWrapHierarchyBeforeAfter(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		o := &volt.Owner{CPOID: e.cpoA.ID, Name: "New owner"}
		must(t, e.h.CreateOwner(e.adminA(), o))
		o.Name = "Renamed owner"
		must(t, e.h.UpdateOwner(e.adminA(), o))
		must(t, e.h.DeleteOwner(e.adminA(), o.ID))

		c := e.one(t, e.adminA(), "owner.create")
		if c.Before != nil || field(t, c.After, "name") != "New owner" || c.ResourceID != o.ID || c.CPOID != e.cpoA.ID || c.OwnerID != o.ID {
			t.Errorf("create entry: %+v", c)
		}
		if c.ActorID != "usr_admina" || c.ActorEmail != "usr_admina@example.com" || c.ActorRoles != "admin@"+e.cpoA.ID ||
			c.Source != volt.AuditSourceAPI || c.ClientAddr != "203.0.113.7" || c.Outcome != volt.AuditOK {
			t.Errorf("create entry who/where: %+v", c)
		}
		u := e.one(t, e.adminA(), "owner.update")
		if field(t, u.Before, "name") != "New owner" || field(t, u.After, "name") != "Renamed owner" {
			t.Errorf("update entry before %s after %s", u.Before, u.After)
		}
		d := e.one(t, e.adminA(), "owner.delete")
		if field(t, d.Before, "name") != "Renamed owner" || d.After != nil || d.Outcome != volt.AuditOK {
			t.Errorf("delete entry: before %s after %s", d.Before, d.After)
		}
		if got := e.entries(t, e.adminB(), volt.AuditFilter{}); len(got) != 0 {
			t.Errorf("admin B sees %d of A's entries", len(got))
		}
	})
}

func TestWrapRecordsFailedAttempts(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		// Staff may read but not write: refused, recorded with the before.
		o := *e.ownA
		o.Name = "Hijacked"
		err := e.h.UpdateOwner(e.staffA(), &o)
		if volt.ErrorCode(err) != volt.EFORBIDDEN {
			t.Fatalf("staff update: %v", err)
		}
		f := e.one(t, e.adminA(), "owner.update")
		if f.Outcome != volt.AuditFailed || f.ErrorCode != volt.EFORBIDDEN || field(t, f.Before, "name") != "Owner A" ||
			f.After != nil || f.ActorID != "usr_staffa" {
			t.Errorf("refused update entry: %+v", f)
		}
		// Admin B probing A's owner: not found, filed under B, invisible to A.
		err = e.h.DeleteOwner(e.adminB(), e.ownA.ID)
		if volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Fatalf("admin B delete: %v", err)
		}
		b := e.one(t, e.adminB(), "owner.delete")
		if b.Outcome != volt.AuditFailed || b.ErrorCode != volt.ENOTFOUND || b.Before != nil || b.CPOID != e.cpoB.ID {
			t.Errorf("probe entry: %+v", b)
		}
		if got := e.entries(t, e.adminA(), volt.AuditFilter{Action: "owner.delete"}); len(got) != 0 {
			t.Errorf("admin A sees B's probe: %+v", got[0])
		}
		// A failed create records the input's validation error.
		err = e.h.CreateSite(e.adminA(), &volt.Site{OwnerID: e.ownA.ID})
		if volt.ErrorCode(err) != volt.EINVALID {
			t.Fatalf("invalid site: %v", err)
		}
		s := e.one(t, e.adminA(), "site.create")
		if s.Outcome != volt.AuditFailed || s.ErrorCode != volt.EINVALID || s.ResourceID != "" {
			t.Errorf("failed create entry: %+v", s)
		}
	})
}

func TestWrapChargersNoSecrets(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		cred, err := e.ch.CreateCharger(e.adminA(), &volt.Charger{ChargerGroupID: e.grpA.ID, Name: "Bay 1"}, 2)
		must(t, err)
		ch, err := e.ch.FindChargerByCPID(e.adminA(), cred.CPID)
		must(t, err)
		ch.Name = "Bay 1 (left)"
		must(t, e.ch.UpdateCharger(e.adminA(), ch))
		cred2, err := e.ch.ResetChargerPassword(e.adminA(), cred.CPID)
		must(t, err)
		must(t, e.ch.DeleteCharger(e.adminA(), cred.CPID))

		all := e.entries(t, e.adminA(), volt.AuditFilter{ResourceType: volt.ResourceCharger, ResourceID: cred.CPID})
		var actions []string
		for _, en := range all {
			actions = append(actions, en.Action)
			for _, raw := range []json.RawMessage{en.Before, en.After, en.Details} {
				s := string(raw)
				if strings.Contains(s, cred.OCPPPassword) || strings.Contains(s, cred2.OCPPPassword) || strings.Contains(s, "argon2") {
					t.Errorf("%s entry holds a secret: %s", en.Action, s)
				}
			}
			if en.ChargerGroupID != e.grpA.ID || en.CPOID != e.cpoA.ID {
				t.Errorf("%s placed at %s/%s", en.Action, en.CPOID, en.ChargerGroupID)
			}
		}
		want := "charger.delete charger.reset-password charger.update charger.create"
		if strings.Join(actions, " ") != want {
			t.Errorf("actions %v, want %s", actions, want)
		}
		up := e.one(t, e.adminA(), "charger.update")
		if field(t, up.Before, "name") != "Bay 1" || field(t, up.After, "name") != "Bay 1 (left)" {
			t.Errorf("charger update before %s after %s", up.Before, up.After)
		}
	})
}

// fakeCommander answers every call with res or err.
type fakeCommander struct {
	res json.RawMessage
	err error
}

func (f *fakeCommander) Call(context.Context, string, string, any) (json.RawMessage, error) {
	return f.res, f.err
}

func TestWrapCommander(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		cred, err := e.ch.CreateCharger(e.adminA(), &volt.Charger{ChargerGroupID: e.grpA.ID}, 1)
		must(t, err)
		ok := audit.WrapCommander(&fakeCommander{res: json.RawMessage(`{"status":"Accepted"}`)}, e.ch, e.rec)
		off := audit.WrapCommander(&fakeCommander{err: volt.Errorf(volt.ECHARGEROFFLINE, "offline")}, e.ch, e.rec)
		res, err := ok.Call(e.adminA(), cred.CPID, "RemoteStopTransaction", json.RawMessage(`{"transactionId":42}`))
		must(t, err)
		if string(res) != `{"status":"Accepted"}` {
			t.Errorf("answer changed: %s", res)
		}
		_, err = off.Call(e.adminA(), cred.CPID, "Reset", map[string]string{"type": "Soft"})
		if volt.ErrorCode(err) != volt.ECHARGEROFFLINE {
			t.Errorf("error changed: %v", err)
		}
		stop := e.one(t, e.adminA(), "command.remote-stop")
		var d struct {
			OCPPAction string          `json:"ocppAction"`
			Request    json.RawMessage `json:"request"`
			Response   json.RawMessage `json:"response"`
		}
		must(t, json.Unmarshal(stop.Details, &d))
		if stop.Outcome != volt.AuditOK || d.OCPPAction != "RemoteStopTransaction" || string(d.Request) != `{"transactionId":42}` ||
			string(d.Response) != `{"status":"Accepted"}` || stop.ResourceID != cred.CPID || stop.CPOID != e.cpoA.ID {
			t.Errorf("remote-stop entry: %+v %s", stop, stop.Details)
		}
		reset := e.one(t, e.adminA(), "command.reset")
		if reset.Outcome != volt.AuditFailed || reset.ErrorCode != volt.ECHARGEROFFLINE || field(t, reset.Details, "request") == nil {
			t.Errorf("failed reset entry: %+v %s", reset, reset.Details)
		}
		// Admin B commanding A's charger (refused by the real API) is filed under B.
		_, _ = off.Call(e.adminB(), cred.CPID, "Reset", nil)
		if got := e.entries(t, e.adminA(), volt.AuditFilter{Action: "command."}); len(got) != 2 {
			t.Errorf("admin A sees %d command entries, want 2", len(got))
		}
		if got := e.entries(t, e.adminB(), volt.AuditFilter{Action: "command."}); len(got) != 1 || got[0].CPOID != e.cpoB.ID {
			t.Errorf("admin B's command entries: %d", len(got))
		}
	})
}

func TestWrapUsersAndTickets(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		const pw = "correct horse battery"
		u := &volt.User{Email: "dee@example.com", Name: "Dee", CPOID: e.cpoA.ID}
		must(t, e.us.CreateUser(e.adminA(), u, pw))
		must(t, e.us.SetPassword(e.adminA(), u.ID, pw+"2"))
		g := &volt.Usergroup{Name: "Fleet", Role: volt.RoleDriver, CPOID: e.cpoA.ID}
		must(t, e.us.CreateUsergroup(e.adminA(), g))
		must(t, e.us.AddMember(e.adminA(), g.ID, u.ID))
		for _, en := range e.entries(t, e.adminA(), volt.AuditFilter{}) {
			if strings.Contains(string(en.Before)+string(en.After)+string(en.Details), "horse") {
				t.Errorf("%s holds the password", en.Action)
			}
		}
		add := e.one(t, e.adminA(), "usergroup.add-member")
		if field(t, add.Details, "userId") != u.ID || add.ResourceID != g.ID {
			t.Errorf("add-member entry: %+v", add)
		}
		e.one(t, e.adminA(), "user.set-password")

		cr, err := store.NewChargerService(db).CreateCharger(volt.NewContextWithActor(context.Background(), volt.SystemActor),
			&volt.Charger{ChargerGroupID: e.grpA.ID}, 1)
		must(t, err)
		driver := volt.NewContextWithAudit(volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: u.ID, Email: u.Email}),
			volt.AuditContext{Source: volt.AuditSourceApp})
		tk := &volt.Ticket{Subject: "Broken", Body: "It sparks", CPID: cr.CPID}
		must(t, e.tk.CreateTicket(driver, tk))
		sup := actor("usr_sup", volt.Grant{Role: volt.RoleSupport, CPOID: e.cpoA.ID})
		must(t, e.tk.AddTicketMessage(audit.WithDriverContact(sup, "dee@example.com"), tk.ID, &volt.TicketMessage{Body: "Isolated it", Internal: true}))
		closed := volt.TicketClosed
		_, err = e.tk.UpdateTicket(sup, tk.ID, volt.TicketUpdate{Status: &closed})
		must(t, err)

		c := e.one(t, e.adminA(), "ticket.create")
		if c.ActorID != u.ID || c.ActorRoles != "driver" || c.Source != volt.AuditSourceApp || c.ChargerGroupID != e.grpA.ID {
			t.Errorf("driver's ticket entry: %+v", c)
		}
		n := e.one(t, e.adminA(), "ticket.add-note")
		if n.DriverContact != "dee@example.com" || field(t, n.Details, "body") != "Isolated it" {
			t.Errorf("note entry: %+v", n)
		}
		up := e.one(t, e.adminA(), "ticket.update")
		if field(t, up.Before, "status") != "open" || field(t, up.After, "status") != "closed" {
			t.Errorf("status change before %s after %s", up.Before, up.After)
		}
		if got := e.entries(t, e.adminB(), volt.AuditFilter{Action: "ticket."}); len(got) != 0 {
			t.Errorf("admin B sees %d ticket entries", len(got))
		}
	})
}

// failingLog refuses every entry.
type failingLog struct{ volt.AuditService }

func (failingLog) Record(context.Context, *volt.AuditEntry) error { return errors.New("disk full") }

func TestRecorderFailureIsLoudButHarmless(t *testing.T) {
	db := storetest.SQLite(t)
	e := newEnv(t, db)
	rec := audit.NewRecorder(failingLog{}, slog.New(slog.NewTextHandler(e.logs, nil)))
	h := audit.WrapHierarchy(store.NewHierarchyService(db), rec)
	o := &volt.Owner{CPOID: e.cpoA.ID, Name: "Survives"}
	must(t, h.CreateOwner(e.adminA(), o))
	if _, err := store.NewHierarchyService(db).FindOwnerByID(e.adminA(), o.ID); err != nil {
		t.Errorf("the change was lost with its audit entry: %v", err)
	}
	if rec.Failures() != 1 {
		t.Errorf("failures %d, want 1", rec.Failures())
	}
	if !strings.Contains(e.logs.String(), "audit: entry not recorded") || !strings.Contains(e.logs.String(), "owner.create") {
		t.Errorf("failure not logged: %s", e.logs.String())
	}
}
