package ops_test

import (
	"context"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ops"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestHomeAttention builds a small network in each engine and checks the
// home's figures and its attention feed: a charger off line for 20 minutes
// (one off line for 5 is not yet news), a faulted connector, a session with
// no reading for an hour, three refused starts on one charger; and that a
// CPO admin of another tenant sees none of it.
func TestHomeAttention(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		sys := volt.NewContextWithActor(context.Background(), volt.SystemActor)
		hier, chargers, charging := store.NewHierarchyService(db), store.NewChargerService(db), store.NewChargingService(db)
		cpo := &volt.CPO{Name: "Ops CPO"}
		must(t, hier.CreateCPO(sys, cpo))
		other := &volt.CPO{Name: "Other CPO"}
		must(t, hier.CreateCPO(sys, other))
		own := &volt.Owner{CPOID: cpo.ID, Name: "Ops owner"}
		must(t, hier.CreateOwner(sys, own))
		site := &volt.Site{OwnerID: own.ID, Name: "Ops site"}
		must(t, hier.CreateSite(sys, site))
		g := &volt.ChargerGroup{SiteID: site.ID, Name: "Ops group"}
		must(t, hier.CreateChargerGroup(sys, g))
		mk := func() string {
			cr, err := chargers.CreateCharger(sys, &volt.Charger{ChargerGroupID: g.ID, Name: "Bay"}, 2)
			must(t, err)
			return cr.CPID
		}
		gone, brief, faulty, busy := mk(), mk(), mk(), mk()
		now := time.Now()
		if m := ops.Midnight(now); now.Sub(m) < 2*time.Hour {
			now = m.Add(2 * time.Hour) // today's failed starts stay today
		}
		must(t, charging.RecordConnection(sys, gone, false, "ocpp1.6", now.Add(-20*time.Minute)))
		must(t, charging.RecordConnection(sys, brief, false, "ocpp1.6", now.Add(-5*time.Minute)))
		must(t, charging.RecordConnection(sys, faulty, true, "ocpp1.6", now))
		must(t, charging.RecordConnection(sys, busy, true, "ocpp1.6", now))
		must(t, charging.RecordStatus(sys, volt.StatusReport{CPID: faulty, ConnectorID: 1, Status: volt.StatusFaulted, ErrorCode: "GroundFailure", At: now}))
		stuck, err := charging.StartTransaction(sys, volt.StartRequest{CPID: busy, ConnectorID: 1, IDTag: "UNKNOWN1", At: now.Add(-time.Hour), ReceivedAt: now.Add(-time.Hour)})
		must(t, err)
		for i := range 3 {
			at := now.Add(-time.Duration(10+i) * time.Minute)
			res, err := charging.StartTransaction(sys, volt.StartRequest{CPID: faulty, ConnectorID: 2, IDTag: "NOPE" + string(rune('A'+i)), At: at, ReceivedAt: at})
			must(t, err)
			_, err = charging.StopTransaction(sys, volt.StopRequest{CPID: faulty, TransactionID: res.TransactionID, MeterStop: 0, At: at.Add(time.Second)})
			must(t, err)
		}
		h, err := ops.Compute(sys, ops.Sources{Chargers: chargers, Charging: charging}, now)
		must(t, err)
		if h.Online != 2 || h.Offline != 2 || h.Faulted != 1 || h.ActiveSessions != 1 {
			t.Errorf("tiles online %d offline %d faulted %d active %d; want 2 2 1 1", h.Online, h.Offline, h.Faulted, h.ActiveSessions)
		}
		kinds := map[string]string{}
		for _, a := range h.Attention {
			kinds[a.Kind+" "+a.CPID] = a.SessionID
		}
		for _, want := range []string{ops.AttentionOffline + " " + gone, ops.AttentionFaulted + " " + faulty,
			ops.AttentionStuckSession + " " + busy, ops.AttentionFailedStarts + " " + faulty} {
			if _, ok := kinds[want]; !ok {
				t.Errorf("attention lacks %q: %+v", want, h.Attention)
			}
		}
		if _, ok := kinds[ops.AttentionOffline+" "+brief]; ok {
			t.Errorf("a charger off line for 5 minutes needs attention already")
		}
		if kinds[ops.AttentionStuckSession+" "+busy] != stuck.Session.ID {
			t.Errorf("stuck session link %q, want %s", kinds[ops.AttentionStuckSession+" "+busy], stuck.Session.ID)
		}
		if h.Attention[0].Kind != ops.AttentionFaulted {
			t.Errorf("first item %s, want the faulted charger first", h.Attention[0].Kind)
		}
		// Another tenant's admin sees an empty home.
		otherAdmin := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "u", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: other.ID}}})
		oh, err := ops.Compute(otherAdmin, ops.Sources{Chargers: chargers, Charging: charging}, now)
		must(t, err)
		if oh.Online+oh.Offline != 0 || len(oh.Attention) != 0 || oh.SessionsToday != 0 {
			t.Errorf("another CPO's admin sees %+v", oh)
		}
	})
}
