package ocpi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/inmem"
	"github.com/volt-ev/volt/internal/ocpischema"
	"github.com/volt-ev/volt/ocpi"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// pair makes A (a CPO) and B (an eMSP) partners through the credentials
// handshake; it returns A's view of B and B's view of A.
func pair(t *testing.T, A, B *volt1) (pB, pA *volt.OCPIPartner) {
	t.Helper()
	pB = &volt.OCPIPartner{CPOID: A.cpo, Name: "B Drive", CountryCode: "GB", PartyID: "BBB", Role: volt.OCPIRoleEMSP}
	tokenA, err := A.store.CreateOCPIPartner(A.admin, pB)
	must(t, err)
	pA = &volt.OCPIPartner{CPOID: B.cpo, Name: "A Power", CountryCode: "GB", PartyID: "AAA", Role: volt.OCPIRoleCPO}
	_, err = B.store.CreateOCPIPartner(B.admin, pA)
	must(t, err)
	if _, err := B.srv.RegisterWithPartner(B.admin, pA.ID, A.http.URL+"/ocpi/versions", tokenA); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	return pB, pA
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestStatusPushes follows EVSE status changes from the bus to a partner
// eMSP (issue 14): a burst of changes of one EVSE leaves one pending PATCH
// per EVSE with the latest status; private chargers are never pushed; a
// partner down keeps the one row (with its back-off) while further
// changes replace its body, and a restarted server delivers the latest;
// a charger going offline pushes UNKNOWN. Every PATCH is validated at B
// against the OCPI 2.2.1 eMSP document.
func TestStatusPushes(t *testing.T) {
	spec := ocpischema.Load(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) { statusPushes(t, spec, eng.Open(t), eng.Open(t)) })
	}
}

func statusPushes(t *testing.T, spec *ocpischema.Spec, dbA, dbB *store.DB) {
	A := newVolt(t, dbA, spec, "A Power", "GB", "AAA")
	B := newVolt(t, dbB, spec, "B Drive", "GB", "BBB")
	siteA, cpids := A.site(t, A.cpo, "Mayfair", false, 2)
	_, private := A.site(t, A.cpo, "Depot", true, 1)
	pB, pA := pair(t, A, B)
	if _, err := B.srv.PullLocations(sys(), pA.ID); err != nil {
		t.Fatal(err)
	}

	bus := inmem.NewBus()
	ctx, cancel := context.WithCancel(sys())
	stopped := make(chan struct{})
	go func() { defer close(stopped); A.srv.FollowStatuses(ctx, bus, 10*time.Millisecond) }()
	defer func() { cancel(); <-stopped }()

	pending := func() map[string]string { // object id → body
		due, err := A.store.DueOCPIPushes(sys(), time.Now().Add(24*time.Hour), 100)
		must(t, err)
		out := map[string]string{}
		for _, p := range due {
			if p.PartnerID != pB.ID || p.Module != "locations" || p.Method != "PATCH" {
				t.Errorf("unexpected push %+v", p)
			}
			if _, twice := out[p.ObjectID]; twice {
				t.Errorf("two pending pushes of %s: not coalesced", p.ObjectID)
			}
			out[p.ObjectID] = string(p.Body)
		}
		return out
	}
	evse := func(cpid string) string { return siteA + "/" + cpid + "-1" }
	// On start every published EVSE's status is queued (a restart loses nothing).
	waitFor(t, "the start's resync", func() bool { return len(pending()) == 2 })

	change := func(cpid string, st volt.ConnectorStatus) {
		at := time.Now()
		must(t, A.charging.RecordStatus(sys(), volt.StatusReport{CPID: cpid, ConnectorID: 1, Status: st, ErrorCode: "NoError", At: at}))
		bus.Publish(sys(), volt.Event{Type: volt.EventConnectorStatus, CPID: cpid, CPOID: A.cpo, At: at,
			Data: volt.Connector{CPID: cpid, ConnectorID: 1, Status: st, StatusAt: at}})
	}
	for _, st := range []volt.ConnectorStatus{volt.StatusPreparing, volt.StatusCharging, volt.StatusSuspendedEV, volt.StatusFinishing,
		volt.StatusAvailable, volt.StatusPreparing, volt.StatusCharging, volt.StatusFaulted} {
		change(cpids[0], st)
		change(private[0], st)
	}
	waitFor(t, "the burst coalesced to the latest status", func() bool {
		p := pending()
		return len(p) == 2 && strings.Contains(p[evse(cpids[0])], `"status":"OUTOFORDER"`)
	})
	if p := pending(); len(p) != 2 || !strings.Contains(p[evse(cpids[1])], `"status":"AVAILABLE"`) {
		t.Errorf("pending pushes %v: want one per public EVSE, none for the private charger", p)
	}
	if n, err := A.srv.DeliverDue(sys(), 100); err != nil || n != 2 {
		t.Fatalf("delivered %d, %v; want 2", n, err)
	}
	statusAtB := func(uid string) string {
		locs, err := B.srv.PartnerLocations(sys(), pA.ID)
		must(t, err)
		for _, l := range locs {
			for _, e := range l.EVSEs {
				if e.UID == uid {
					return e.Status
				}
			}
		}
		return ""
	}
	if st := statusAtB(cpids[0] + "-1"); st != "OUTOFORDER" {
		t.Errorf("B sees %s as %q, want OUTOFORDER", cpids[0], st)
	}

	// B down: the push fails and backs off; later changes replace its body
	// in the same row, keeping the back-off.
	B.down.Store(true)
	change(cpids[0], volt.StatusUnavailable)
	waitFor(t, "INOPERATIVE queued", func() bool { return strings.Contains(pending()[evse(cpids[0])], "INOPERATIVE") })
	if n, _ := A.srv.DeliverDue(sys(), 100); n != 0 {
		t.Fatalf("delivered %d to a partner down", n)
	}
	change(cpids[0], volt.StatusAvailable)
	waitFor(t, "AVAILABLE queued", func() bool { return strings.Contains(pending()[evse(cpids[0])], "AVAILABLE") })
	if p := pending(); len(p) != 1 {
		t.Errorf("pending while B is down: %v, want one row", p)
	}
	if due, _ := A.store.DueOCPIPushes(sys(), time.Now(), 100); len(due) != 0 {
		t.Errorf("a coalesced push skipped its back-off: %+v", due)
	}
	B.down.Store(false)
	cancel()
	<-stopped
	later := time.Now().Add(time.Minute)
	restarted := &ocpi.Server{Store: A.store, Partners: A.store, Hierarchy: A.hierarchy, Chargers: A.chargers, Tariffs: A.tariffs,
		BaseURL: A.srv.BaseURL, Now: func() time.Time { return later }}
	if n, err := restarted.DeliverDue(sys(), 100); err != nil || n != 1 {
		t.Fatalf("after the back-off: delivered %d, %v", n, err)
	}
	if st := statusAtB(cpids[0] + "-1"); st != "AVAILABLE" {
		t.Errorf("B sees %s as %q after the outage, want AVAILABLE", cpids[0], st)
	}

	// Offline: every EVSE of the charger is UNKNOWN.
	must(t, A.charging.RecordConnection(sys(), cpids[1], false, "ocpp1.6", time.Now()))
	if n, err := restarted.QueueStatuses(sys(), []ocpi.EVSEKey{{CPID: cpids[1]}}); err != nil || n != 1 {
		t.Fatalf("queued %d for an offline charger, %v", n, err)
	}
	if n, err := restarted.DeliverDue(sys(), 100); err != nil || n != 1 {
		t.Fatalf("delivered %d, %v", n, err)
	}
	if st := statusAtB(cpids[1] + "-1"); st != "UNKNOWN" {
		t.Errorf("B sees the offline %s as %q, want UNKNOWN", cpids[1], st)
	}

	// B refuses a PATCH of an EVSE it does not hold.
	cur, err := A.store.FindOCPIPartnerSystem(sys(), pB.ID)
	must(t, err)
	if st, _, env := call(t, "PATCH", B.http.URL+"/ocpi/emsp/2.2.1/locations/GB/AAA/"+siteA+"/nope-1", cur.TheirToken,
		map[string]any{"status": "AVAILABLE", "last_updated": "2026-01-01T00:00:00Z"}); st != 404 || code(env) != 2003 {
		t.Errorf("PATCH of an unknown EVSE: %d %v", st, env)
	}
	if B.exchanges < 6 {
		t.Errorf("validated %d exchanges at B: the validator is not in the path", B.exchanges)
	}
}

// TestCoalescedPushInFlight: a status queued while the previous one of the
// same EVSE is being delivered survives that delivery's success.
func TestCoalescedPushInFlight(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			A := newVolt(t, eng.Open(t), nil, "A Power", "GB", "AAA")
			p := &volt.OCPIPartner{CPOID: A.cpo, Name: "B", CountryCode: "GB", PartyID: "BBB", Role: volt.OCPIRoleEMSP}
			_, err := A.store.CreateOCPIPartner(A.admin, p)
			must(t, err)
			push := func(body string) {
				must(t, A.store.QueueCoalescedPushes(sys(), []*volt.OCPIPush{{PartnerID: p.ID, Module: "locations",
					ObjectID: "loc/evse-1", Method: "PATCH", URL: "/GB/AAA/loc/evse-1", Body: []byte(body)}}))
			}
			push(`{"status":"CHARGING"}`)
			due, err := A.store.DueOCPIPushes(sys(), time.Now().Add(time.Hour), 10)
			must(t, err)
			if len(due) != 1 {
				t.Fatalf("due %d, want 1", len(due))
			}
			push(`{"status":"AVAILABLE"}`) // while CHARGING is on the wire
			must(t, A.store.FinishOCPIPush(sys(), due[0].ID, "", time.Now()))
			left, err := A.store.DueOCPIPushes(sys(), time.Now().Add(time.Hour), 10)
			must(t, err)
			if len(left) != 1 || string(left[0].Body) != `{"status":"AVAILABLE"}` {
				t.Errorf("after the delivery of the older status: %+v, want the AVAILABLE push", left)
			}
		})
	}
}

// TestCoalescedPushFailsInFlight: a status queued while the previous one
// of the same EVSE is on the wire to a partner that then fails takes the
// back-off too. Before, the failure was recorded against the replaced row's
// old id, which no longer existed, so the newer status was due at once and
// skipped the back-off (the cause of TestStatusPushes' "a coalesced push
// skipped its back-off" under load: FollowStatuses re-queued the EVSE while
// the test's DeliverDue was sending it).
func TestCoalescedPushFailsInFlight(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			A := newVolt(t, eng.Open(t), nil, "A Power", "GB", "AAA")
			p := &volt.OCPIPartner{CPOID: A.cpo, Name: "B", CountryCode: "GB", PartyID: "BBB", Role: volt.OCPIRoleEMSP}
			_, err := A.store.CreateOCPIPartner(A.admin, p)
			must(t, err)
			push := func(body string) {
				must(t, A.store.QueueCoalescedPushes(sys(), []*volt.OCPIPush{{PartnerID: p.ID, Module: "locations",
					ObjectID: "loc/evse-1", Method: "PATCH", URL: "/GB/AAA/loc/evse-1", Body: []byte(body)}}))
			}
			var calls atomic.Int32
			down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					push(`{"status":"AVAILABLE"}`) // queued while CHARGING is on the wire
				}
				http.Error(w, "down", http.StatusServiceUnavailable)
			}))
			defer down.Close()
			_, err = A.store.CompleteOCPIRegistration(sys(), volt.OCPIRegistration{PartnerID: p.ID, TheirToken: "theirs", OurToken: "ours",
				Endpoints: []volt.OCPIEndpoint{{Identifier: "locations", Role: "RECEIVER", URL: down.URL + "/ocpi/emsp/2.2.1/locations"}}})
			must(t, err)
			push(`{"status":"CHARGING"}`)
			if n, _ := A.srv.DeliverDue(sys(), 10); n != 0 {
				t.Fatalf("delivered %d to a partner down", n)
			}
			if calls.Load() != 1 {
				t.Fatalf("%d sends, want 1", calls.Load())
			}
			if due, _ := A.store.DueOCPIPushes(sys(), time.Now(), 10); len(due) != 0 {
				t.Errorf("the status queued in flight skipped the back-off: %+v", due)
			}
			left, err := A.store.DueOCPIPushes(sys(), time.Now().Add(time.Hour), 10)
			must(t, err)
			if len(left) != 1 || string(left[0].Body) != `{"status":"AVAILABLE"}` || left[0].Attempts != 1 {
				t.Errorf("pending %+v, want the AVAILABLE push after one failed attempt", left)
			}
		})
	}
}
