package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// alertsOfKind returns the CPO's alerts of kind (state: "active" or "").
func alertsOfKind(t *testing.T, svc *store.AlertService, cpo, kind, state string) []*volt.Alert {
	t.Helper()
	as, _, err := svc.FindAlerts(sysCtx(), volt.AlertFilter{CPOID: cpo, State: state, Page: volt.Page{Limit: 500}})
	if err != nil {
		t.Fatal(err)
	}
	var out []*volt.Alert
	for _, a := range as {
		if a.Kind == kind {
			out = append(out, a)
		}
	}
	return out
}

func openedOfKind(t *testing.T, db *store.DB, consumer, kind string) int {
	t.Helper()
	n := 0
	for _, e := range ofType(consume(t, db, consumer), volt.EventAlertOpened) {
		if strings.Contains(string(e.Data.(json.RawMessage)), `"kind":"`+kind+`"`) {
			n++
		}
	}
	return n
}

// TestAlertReliabilityBelowTarget: a connector Faulted 12 of the month's
// first 60 hours puts it (80 %) and its site (95 %) below a 99 % target:
// one alert each, not repeated by the next sweep; annotating the downtime
// with evidence (UK reg. 7) brings both back above and resolves them at the
// next computation (every 10 minutes); the other CPO, without the rule,
// gets none.
func TestAlertReliabilityBelowTarget(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		svc := store.NewAlertService(db)
		ctx := sys()
		for _, bad := range []string{"101", "99.555", "-1"} {
			d, err := volt.ParseDecimal(bad)
			must(t, err)
			if _, err := svc.SetAlertRules(ctx, &volt.AlertRules{CPOID: f.cpoA, ReliabilityTargetPct: d}); volt.ErrorCode(err) != volt.EINVALID {
				t.Errorf("target %s: %v, want invalid", bad, err)
			}
		}
		target, _ := volt.ParseDecimal("99.5")
		_, err := svc.SetAlertRules(ctx, &volt.AlertRules{CPOID: f.cpoA, ReliabilityTargetPct: target})
		must(t, err)
		if r, err := svc.FindAlertRules(ctx, f.cpoA); err != nil || r.ReliabilityTargetPct.String() != "99.5" {
			t.Fatalf("rules read back: %+v, %v", r, err)
		}
		day := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, time.UTC) }
		for _, cpid := range []string{f.cpidA, f.cpidB} {
			must(t, f.svc.RecordStatus(ctx, volt.StatusReport{CPID: cpid, ConnectorID: 1, Status: volt.StatusFaulted, At: day(3, 0)}))
			must(t, f.svc.RecordStatus(ctx, volt.StatusReport{CPID: cpid, ConnectorID: 1, Status: volt.StatusAvailable, At: day(3, 12)}))
		}
		must(t, svc.SweepAlerts(context.Background(), day(3, 12)))
		must(t, svc.SweepAlerts(context.Background(), day(3, 12).Add(time.Minute)))
		got := alertsOfKind(t, svc, f.cpoA, volt.AlertReliability, "active")
		subjects := map[string]*volt.Alert{}
		for _, a := range got {
			subjects[a.Subject] = a
		}
		evse := subjects[f.cpidA+"/1"]
		if len(got) != 2 || evse == nil || evse.CPID != f.cpidA || !strings.Contains(evse.Message, "80.00 %") {
			t.Fatalf("reliability alerts %+v, want connector 1 of %s (80 %%) and its site", got, f.cpidA)
		}
		for s, a := range subjects {
			if s != f.cpidA+"/1" && (!strings.HasPrefix(s, "site:") || !strings.Contains(a.Message, "95.00 %")) {
				t.Fatalf("site alert %+v, want the site at 95 %%", a)
			}
		}
		if n := openedOfKind(t, db, "test-rel", volt.AlertReliability); n != 2 {
			t.Fatalf("alert.opened journaled %d times, want 2", n)
		}
		if b := alertsOfKind(t, svc, f.cpoB, volt.AlertReliability, ""); len(b) != 0 {
			t.Fatalf("CPO B without the rule: %+v", b)
		}
		admin := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "a", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: f.cpoA}}})
		must(t, store.NewReliabilityService(db).CreateReliabilityExclusion(admin, &volt.ReliabilityExclusion{CPID: f.cpidA, ConnectorID: 1,
			Reason: volt.DowntimeVandalism, From: day(3, 0), To: day(3, 12), Evidence: "Police ref 55/1234"}))
		// Recomputed at most every 10 minutes: a sweep 5 minutes later
		// leaves the alerts as they are (neither resolved nor repeated).
		must(t, svc.SweepAlerts(context.Background(), day(3, 12).Add(5*time.Minute)))
		if got := alertsOfKind(t, svc, f.cpoA, volt.AlertReliability, "active"); len(got) != 2 {
			t.Fatalf("a sweep before the next computation: %+v, want the 2 alerts kept", got)
		}
		must(t, svc.SweepAlerts(context.Background(), day(3, 13)))
		if got := alertsOfKind(t, svc, f.cpoA, volt.AlertReliability, "active"); len(got) != 0 {
			t.Fatalf("after the exclusion: %+v, want all resolved", got)
		}
		if got := alertsOfKind(t, svc, f.cpoA, volt.AlertReliability, volt.AlertResolved); len(got) != 2 {
			t.Fatalf("resolved reliability alerts %d, want 2", len(got))
		}
	})
}

// TestAlertTicketBreach: an urgent ticket unanswered past its 15 minutes
// opens one response alert (a repeat sweep adds none), the answer resolves
// it; past its 4 hours the resolution alert opens, and resolving the
// ticket resolves it. A breach resolved by hand while the ticket stays late
// is not alerted again. CPO B's breaches open nothing without its rule.
func TestAlertTicketBreach(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newSupportFixture(t, db)
		svc := store.NewAlertService(db)
		now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		_, err := svc.SetAlertRules(sysCtx(), &volt.AlertRules{CPOID: f.cpoA.ID, TicketBreaches: true})
		must(t, err)
		urgent := &volt.Ticket{Subject: "Cable damaged", Priority: volt.PriorityUrgent, CPID: f.chA.CPID, ConnectorID: 1, DriverUserID: f.d1.ID, Body: "Cut"}
		normal := &volt.Ticket{Subject: "Receipt", CPID: f.chA.CPID, DriverUserID: f.d1.ID, Body: "Where is it?"}
		other := &volt.Ticket{Subject: "B's", Priority: volt.PriorityUrgent, CPID: f.chB.CPID, DriverUserID: f.dB.ID, Body: "Broken"}
		must(t, f.tickets.CreateTicket(f.supportA(), urgent))
		must(t, f.tickets.CreateTicket(f.supportA(), normal))
		must(t, f.tickets.CreateTicket(f.supportB(), other))
		sweep := func(d time.Duration) {
			t.Helper()
			now = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC).Add(d)
			must(t, svc.SweepAlerts(context.Background(), now))
		}
		active := func() map[string]*volt.Alert {
			t.Helper()
			out := map[string]*volt.Alert{}
			for _, a := range alertsOfKind(t, svc, f.cpoA.ID, volt.AlertTicketBreach, "active") {
				out[a.Subject] = a
			}
			return out
		}
		sweep(10 * time.Minute)
		if a := active(); len(a) != 0 {
			t.Fatalf("after 10 minutes: %+v", a)
		}
		sweep(20 * time.Minute)
		sweep(21 * time.Minute)
		a := active()
		if len(a) != 1 || a[urgent.ID+"/response"] == nil || a[urgent.ID+"/response"].CPID != f.chA.CPID {
			t.Fatalf("after 20 minutes: %+v, want the urgent ticket's response breach", a)
		}
		must(t, f.tickets.AddTicketMessage(f.supportA(), urgent.ID, &volt.TicketMessage{Body: "On our way."}))
		sweep(25 * time.Minute)
		if a := active(); len(a) != 0 {
			t.Fatalf("after the answer: %+v, want resolved", a)
		}
		sweep(5 * time.Hour) // urgent: resolution (4 h) breached; normal: response (4 h) breached
		sweep(5*time.Hour + time.Minute)
		a = active()
		if len(a) != 2 || a[urgent.ID+"/resolution"] == nil || a[normal.ID+"/response"] == nil {
			t.Fatalf("after 5 hours: %+v, want urgent's resolution and normal's response", a)
		}
		if _, err := svc.ResolveAlert(sysCtx(), a[normal.ID+"/response"].ID); err != nil {
			t.Fatal(err)
		}
		resolved := volt.TicketResolved
		_, err = f.tickets.UpdateTicket(f.supportA(), urgent.ID, volt.TicketUpdate{Status: &resolved})
		must(t, err)
		sweep(6 * time.Hour)
		if a := active(); len(a) != 0 {
			t.Fatalf("after resolving: %+v, want none (normal's breach alerted once, resolved by hand)", a)
		}
		if n := openedOfKind(t, db, "test-tix", volt.AlertTicketBreach); n != 3 {
			t.Fatalf("alert.opened journaled %d times, want 3", n)
		}
		if b := alertsOfKind(t, svc, f.cpoB.ID, volt.AlertTicketBreach, ""); len(b) != 0 {
			t.Fatalf("CPO B without the rule: %+v", b)
		}
	})
}

// TestAlertSecurityEvent: critical security events of a charger (reported
// or Volt's own refusals) open one alert for it while it is unresolved; a
// non-critical event, or a CPO without the rule, opens none; once resolved
// the next critical event opens a new one.
func TestAlertSecurityEvent(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		svc := store.NewAlertService(db)
		sec := store.NewSecurityService(db)
		_, err := svc.SetAlertRules(sys(), &volt.AlertRules{CPOID: f.cpoA, SecurityEvents: true})
		must(t, err)
		record := func(cpid, typ string) {
			t.Helper()
			_, err := sec.RecordSecurityEvent(context.Background(), volt.SecurityEvent{CPID: cpid, Type: typ, TechInfo: "from 203.0.113.9",
				Critical: volt.IsCriticalSecurityEvent(typ), At: f.now, ReceivedAt: f.now})
			must(t, err)
		}
		evaluate := func() {
			t.Helper()
			for {
				n, err := svc.EvaluateAlertEvents(context.Background(), 50)
				must(t, err)
				if n == 0 {
					return
				}
			}
		}
		record(f.cpidA, "FailedToAuthenticateAtCsms")
		record(f.cpidA, "FailedToAuthenticateAtCsms")
		record(f.cpidPrivA, "InvalidMessages") // not critical
		record(f.cpidB, "FailedToAuthenticateAtCsms")
		evaluate()
		got := alertsOfKind(t, svc, f.cpoA, volt.AlertSecurityEvent, "active")
		if len(got) != 1 || got[0].Subject != f.cpidA || !strings.Contains(got[0].Message, "FailedToAuthenticateAtCsms") {
			t.Fatalf("security alerts %+v, want one for %s", got, f.cpidA)
		}
		if b := alertsOfKind(t, svc, f.cpoB, volt.AlertSecurityEvent, ""); len(b) != 0 {
			t.Fatalf("CPO B without the rule: %+v", b)
		}
		_, err = svc.ResolveAlert(sys(), got[0].ID)
		must(t, err)
		record(f.cpidA, "FirmwareUpdated")
		record(f.cpidPrivA, volt.SecurityEventDowngradeRefused) // Volt's own refusal
		evaluate()
		if got := alertsOfKind(t, svc, f.cpoA, volt.AlertSecurityEvent, ""); len(got) != 3 {
			t.Fatalf("after new events: %d security alerts, want 3", len(got))
		}
		if got := alertsOfKind(t, svc, f.cpoA, volt.AlertSecurityEvent, "active"); len(got) != 2 {
			t.Fatalf("active security alerts %+v, want one per charger", got)
		}
		if n := openedOfKind(t, db, "test-sec", volt.AlertSecurityEvent); n != 3 {
			t.Fatalf("alert.opened journaled %d times, want 3", n)
		}
	})
}
