package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func activeAlerts(t *testing.T, svc *store.AlertService, ctx context.Context, cpo string) []*volt.Alert {
	t.Helper()
	as, _, err := svc.FindAlerts(ctx, volt.AlertFilter{CPOID: cpo, State: "active"})
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// TestAlertRulesOpenAndResolve: a Faulted connector, refused starts in a
// row, an offline charger and a connector stuck in Finishing open one alert
// each (alert.opened journaled once, whatever the repeats); clearing
// conditions resolve them; another CPO sees none of it.
func TestAlertRulesOpenAndResolve(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		svc := store.NewAlertService(db)
		ctx := sys()
		_, err := svc.SetAlertRules(ctx, &volt.AlertRules{CPOID: f.cpoA, OfflineMinutes: 10, Faulted: true, FailedStarts: 2,
			FinishingMinutes: 15, Email: "ops@a.example"})
		must(t, err)
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
		status := func(cpid string, conn int, st volt.ConnectorStatus) {
			t.Helper()
			must(t, f.svc.RecordStatus(ctx, volt.StatusReport{CPID: cpid, ConnectorID: conn, Status: st, ErrorCode: "GroundFailure", At: f.now}))
		}
		status(f.cpidA, 1, volt.StatusFaulted)
		status(f.cpidA, 1, volt.StatusFaulted) // repeated: still one alert
		status(f.cpidB, 1, volt.StatusFaulted) // CPO B has no rules
		f.start(t, f.cpidA, 2, "NOBODY-1", 0, f.now)
		f.start(t, f.cpidA, 2, "NOBODY-2", 0, f.now.Add(time.Second))
		evaluate()
		as := activeAlerts(t, svc, ctx, f.cpoA)
		kinds := map[string]*volt.Alert{}
		for _, a := range as {
			kinds[a.Kind] = a
		}
		if len(as) != 2 || kinds[volt.AlertConnectorFault] == nil || kinds[volt.AlertFailedStarts] == nil {
			t.Fatalf("alerts %+v, want connector_faulted and failed_starts", as)
		}
		if b := activeAlerts(t, svc, ctx, f.cpoB); len(b) != 0 {
			t.Fatalf("CPO B without rules has alerts %+v", b)
		}
		// CPO B's admin does not see CPO A's alerts.
		adminB := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "b", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: f.cpoB}}})
		if got, _, _ := svc.FindAlerts(adminB, volt.AlertFilter{}); len(got) != 0 {
			t.Fatalf("CPO B's admin sees %d alerts", len(got))
		}
		if _, err := svc.FindAlertByID(adminB, kinds[volt.AlertConnectorFault].ID); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Fatalf("CPO B reads CPO A's alert: %v", err)
		}
		if _, err := svc.AcknowledgeAlert(adminB, kinds[volt.AlertConnectorFault].ID, ""); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Fatalf("CPO B acknowledges CPO A's alert: %v", err)
		}
		// Acknowledge; the fault clearing resolves it.
		ack, err := svc.AcknowledgeAlert(ctx, kinds[volt.AlertConnectorFault].ID, "")
		if err != nil || ack.State != volt.AlertAcknowledged {
			t.Fatalf("acknowledge: %+v, %v", ack, err)
		}
		status(f.cpidA, 1, volt.StatusAvailable)
		// Offline and Finishing come from the sweep.
		must(t, f.svc.RecordConnection(ctx, f.cpidA, false, "", f.now))
		status(f.cpidA, 2, volt.StatusFinishing)
		evaluate()
		must(t, svc.SweepAlerts(context.Background(), f.now.Add(5*time.Minute)))
		if as := activeAlerts(t, svc, ctx, f.cpoA); len(as) != 1 || as[0].Kind != volt.AlertFailedStarts {
			t.Fatalf("after the fault cleared: %+v, want failed_starts only", as)
		}
		must(t, svc.SweepAlerts(context.Background(), f.now.Add(20*time.Minute)))
		must(t, svc.SweepAlerts(context.Background(), f.now.Add(21*time.Minute)))
		as = activeAlerts(t, svc, ctx, f.cpoA)
		if len(as) != 3 {
			t.Fatalf("after 20 minutes: %+v, want failed_starts, charger_offline, stuck_finishing", as)
		}
		must(t, f.svc.RecordConnection(ctx, f.cpidA, true, "", f.now.Add(22*time.Minute)))
		status(f.cpidA, 2, volt.StatusAvailable)
		evaluate()
		must(t, svc.SweepAlerts(context.Background(), f.now.Add(23*time.Minute)))
		if as := activeAlerts(t, svc, ctx, f.cpoA); len(as) != 1 {
			t.Fatalf("after reconnecting: %+v, want failed_starts only", as)
		}
		es := consume(t, db, "test")
		if o, r := len(ofType(es, volt.EventAlertOpened)), len(ofType(es, volt.EventAlertResolved)); o != 4 || r != 3 {
			t.Fatalf("journal: %d alert.opened, %d alert.resolved; want 4 and 3", o, r)
		}
		// Each opened alert is mailed once to the CPO's address.
		var mails []string
		send := func(to, subject, body string) error { mails = append(mails, to+": "+subject); return nil }
		for {
			n, err := svc.MailOpenedAlerts(context.Background(), 10, send)
			must(t, err)
			if n == 0 {
				break
			}
		}
		if len(mails) != 4 {
			t.Fatalf("mails %v, want 4", mails)
		}
		ds, err := svc.AlertDigests(context.Background(), f.now.Add(-time.Hour))
		if err != nil || len(ds) != 1 || len(ds[0].Active) != 1 || ds[0].Resolved != 3 {
			t.Fatalf("digests %+v, %v", ds, err)
		}
	})
}

// TestAlertDigestOncePerDay: the first claim of a day wins, a repeat (a
// restart, another node) does not, the next day's does.
func TestAlertDigestOncePerDay(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		svc := store.NewAlertService(db)
		day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		for i, c := range []struct {
			day  time.Time
			want bool
		}{{day, true}, {day, false}, {day.Add(-24 * time.Hour), false}, {day.Add(24 * time.Hour), true}} {
			got, err := svc.ClaimAlertDigest(context.Background(), c.day)
			if err != nil || got != c.want {
				t.Fatalf("claim %d of %s: %v, %v; want %v", i, c.day.Format("2006-01-02"), got, err, c.want)
			}
		}
	})
}

// TestAlertOpenedAndResolvedInOneBatch: a fault and its clearing evaluated
// in the same batch open the alert and resolve it, in that order.
func TestAlertOpenedAndResolvedInOneBatch(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		svc := store.NewAlertService(db)
		ctx := sys()
		_, err := svc.SetAlertRules(ctx, &volt.AlertRules{CPOID: f.cpoA, Faulted: true, Email: "ops@a.example"})
		must(t, err)
		must(t, f.svc.RecordStatus(ctx, volt.StatusReport{CPID: f.cpidA, ConnectorID: 1, Status: volt.StatusFaulted, At: f.now}))
		must(t, f.svc.RecordStatus(ctx, volt.StatusReport{CPID: f.cpidA, ConnectorID: 1, Status: volt.StatusAvailable, At: f.now.Add(time.Second)}))
		if n, err := svc.EvaluateAlertEvents(context.Background(), 50); err != nil || n < 2 {
			t.Fatalf("evaluated %d events (%v), want both in one batch", n, err)
		}
		if as := activeAlerts(t, svc, ctx, f.cpoA); len(as) != 0 {
			t.Fatalf("active alerts %+v, want none: opened and resolved in the batch", as)
		}
		es := consume(t, db, "test")
		if o, r := len(ofType(es, volt.EventAlertOpened)), len(ofType(es, volt.EventAlertResolved)); o != 1 || r != 1 {
			t.Fatalf("journal: %d alert.opened, %d alert.resolved; want 1 and 1", o, r)
		}
	})
}
