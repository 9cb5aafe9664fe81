package ocpi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/volt-ev/volt"
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

// patchesAt counts the status PATCHes of an EVSE that reached v (down or
// not).
func (v *volt1) patchesAt(uid string) int64 {
	if n, ok := v.patches.Load(uid); ok {
		return n.(*atomic.Int64).Load()
	}
	return 0
}

// statusAt is the status B holds of one of A's EVSEs.
func statusAt(t *testing.T, B *volt1, partnerID, uid string) string {
	t.Helper()
	locs, err := B.srv.PartnerLocations(sys(), partnerID)
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

// change records a status as the OCPP gateway does.
func (v *volt1) change(t *testing.T, cpid string, st volt.ConnectorStatus) {
	t.Helper()
	must(t, v.charging.RecordStatus(sys(), volt.StatusReport{CPID: cpid, ConnectorID: 1, Status: st, ErrorCode: "NoError", At: time.Now()}))
}

// restarted is a new process on A's database (a new holder of feeds) whose
// clock is at.
func restarted(A *volt1, at time.Time) *ocpi.Server {
	return &ocpi.Server{Store: A.store, Partners: A.store, Hierarchy: A.hierarchy, Chargers: A.chargers, Tariffs: A.tariffs,
		BaseURL: A.srv.BaseURL, Now: func() time.Time { return at }}
}

// TestStatusPushes delivers EVSE status changes to a partner eMSP (issue
// 14) from the status feed, with no row per change: the first round sends
// every published EVSE (never the private charger); a burst of changes of
// one EVSE is one PATCH of the latest status; an unchanged status is not
// sent again; a partner down is tried once, then backs off while changes
// go on, and after a restart (a new process) gets the latest status of
// the changed EVSE exactly once; a charger going offline pushes UNKNOWN.
// Every PATCH is validated at B against the OCPI 2.2.1 eMSP document.
func TestStatusPushes(t *testing.T) {
	spec := ocpischema.Load(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) { statusPushes(t, spec, eng.Open(t), eng.Open(t)) })
	}
}

func statusPushes(t *testing.T, spec *ocpischema.Spec, dbA, dbB *store.DB) {
	A := newVolt(t, dbA, spec, "A Power", "GB", "AAA")
	B := newVolt(t, dbB, spec, "B Drive", "GB", "BBB")
	_, cpids := A.site(t, A.cpo, "Mayfair", false, 2)
	_, private := A.site(t, A.cpo, "Depot", true, 1)
	pB, pA := pair(t, A, B)
	if _, err := B.srv.PullLocations(sys(), pA.ID); err != nil {
		t.Fatal(err)
	}
	uid0, uid1 := cpids[0]+"-1", cpids[1]+"-1"
	deliver := func(srv *ocpi.Server, want int) {
		t.Helper()
		if n, err := srv.DeliverStatuses(sys()); err != nil || n != want {
			t.Fatalf("delivered %d, %v; want %d", n, err, want)
		}
	}
	// The first round: every published EVSE (the partner is new).
	deliver(A.srv, 2)
	if B.patchesAt(private[0]+"-1") != 0 {
		t.Errorf("the private charger was pushed")
	}

	for _, st := range []volt.ConnectorStatus{volt.StatusPreparing, volt.StatusCharging, volt.StatusSuspendedEV, volt.StatusFinishing,
		volt.StatusAvailable, volt.StatusPreparing, volt.StatusCharging, volt.StatusFaulted} {
		A.change(t, cpids[0], st)
		A.change(t, private[0], st)
	}
	before := B.patchesAt(uid0)
	deliver(A.srv, 1) // the burst, coalesced
	if n := B.patchesAt(uid0) - before; n != 1 {
		t.Errorf("the burst reached B as %d PATCHes, want 1", n)
	}
	if st := statusAt(t, B, pA.ID, uid0); st != "OUTOFORDER" {
		t.Errorf("B sees %s as %q, want OUTOFORDER", uid0, st)
	}
	if B.patchesAt(private[0]+"-1") != 0 || B.patchesAt(uid1) != 1 {
		t.Errorf("PATCHes: private %d, %s %d; want 0 and 1", B.patchesAt(private[0]+"-1"), uid1, B.patchesAt(uid1))
	}
	A.change(t, cpids[0], volt.StatusFaulted) // the same status again
	deliver(A.srv, 0)

	// B down: one attempt, then back-off while the EVSE keeps changing.
	B.down.Store(true)
	A.change(t, cpids[0], volt.StatusUnavailable)
	before = B.patchesAt(uid0)
	deliver(A.srv, 0)
	if n := B.patchesAt(uid0) - before; n != 1 {
		t.Fatalf("%d attempts at a partner down, want 1", n)
	}
	A.change(t, cpids[0], volt.StatusCharging)
	A.change(t, cpids[0], volt.StatusAvailable)
	deliver(A.srv, 0)
	if n := B.patchesAt(uid0) - before; n != 1 {
		t.Errorf("a change skipped the back-off: %d attempts", n)
	}
	if p, err := A.store.FindOCPIPartnerSystem(sys(), pB.ID); err != nil || p.LastError == "" {
		t.Errorf("B's last error not recorded: %+v %v", p, err)
	}

	// B up, A restarted (a new process, after the back-off and A's claim):
	// the latest status, once.
	B.down.Store(false)
	later := restarted(A, time.Now().Add(3*time.Minute))
	before = B.patchesAt(uid0)
	if _, err := later.DeliverStatuses(sys()); err != nil {
		t.Fatal(err)
	}
	if n := B.patchesAt(uid0) - before; n != 1 {
		t.Errorf("after the outage B got %d PATCHes of %s, want 1", n, uid0)
	}
	if st := statusAt(t, B, pA.ID, uid0); st != "AVAILABLE" {
		t.Errorf("B sees %s as %q after the outage, want AVAILABLE", uid0, st)
	}
	deliver(later, 0) // nothing left

	// Offline: every EVSE of the charger is UNKNOWN.
	must(t, A.charging.RecordConnection(sys(), cpids[1], false, "ocpp1.6", time.Now()))
	deliver(later, 1)
	if st := statusAt(t, B, pA.ID, uid1); st != "UNKNOWN" {
		t.Errorf("B sees the offline %s as %q, want UNKNOWN", uid1, st)
	}

	// B refuses a PATCH of an EVSE it does not hold.
	cur, err := A.store.FindOCPIPartnerSystem(sys(), pB.ID)
	must(t, err)
	if st, _, env := call(t, "PATCH", B.http.URL+"/ocpi/emsp/2.2.1/locations/GB/AAA/nope/nope-1", cur.TheirToken,
		map[string]any{"status": "AVAILABLE", "last_updated": "2026-01-01T00:00:00Z"}); st != 404 || code(env) != 2003 {
		t.Errorf("PATCH of an unknown EVSE: %d %v", st, env)
	}
	if B.exchanges < 6 {
		t.Errorf("validated %d exchanges at B: the validator is not in the path", B.exchanges)
	}
}

// TestStatusFeedResumes: a restarted process resumes a partner's feed
// from its stored position: what was delivered before it is not sent
// again (only what lies within StatusOverlap of it, which the new process
// cannot know was delivered), what changed since is. The database's clock
// is moved so that the changes are far enough apart.
func TestStatusFeedResumes(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			dbA := eng.Open(t)
			var clock atomic.Int64 // the DB clock's offset from now
			clock.Store(int64(-time.Hour))
			dbA.Now = func() time.Time { return time.Now().Add(time.Duration(clock.Load())) }
			A := newVolt(t, dbA, nil, "A Power", "GB", "AAA")
			B := newVolt(t, eng.Open(t), nil, "B Drive", "GB", "BBB")
			_, cpids := A.site(t, A.cpo, "Mayfair", false, 3)
			_, pA := pair(t, A, B)
			if _, err := B.srv.PullLocations(sys(), pA.ID); err != nil {
				t.Fatal(err)
			}
			if n, err := A.srv.DeliverStatuses(sys()); err != nil || n != 3 {
				t.Fatalf("first round: %d, %v; want 3", n, err)
			}
			clock.Store(int64(-30 * time.Minute))
			A.change(t, cpids[0], volt.StatusPreparing)
			if n, err := A.srv.DeliverStatuses(sys()); err != nil || n != 1 {
				t.Fatalf("second round: %d, %v; want 1", n, err)
			}
			clock.Store(0)
			A.change(t, cpids[2], volt.StatusCharging)
			// A dies (no release); a new process takes the feed once A's claim
			// ends: cpids[0] again (at the position, within the overlap) and
			// cpids[2]; never cpids[1], delivered long before the position.
			next := restarted(A, time.Now().Add(2*ocpi.StatusFeedLease))
			if n, err := next.DeliverStatuses(sys()); err != nil || n != 2 {
				t.Fatalf("after the restart: %d, %v; want 2", n, err)
			}
			for i, want := range []int64{3, 1, 2} {
				if got := B.patchesAt(cpids[i] + "-1"); got != want {
					t.Errorf("%s: %d PATCHes, want %d", cpids[i], got, want)
				}
			}
			if st := statusAt(t, B, pA.ID, cpids[2]+"-1"); st != "CHARGING" {
				t.Errorf("B sees %q, want CHARGING", st)
			}
			// A resync sends the whole estate again.
			must(t, next.ResyncStatuses(sys()))
			if n, err := next.DeliverStatuses(sys()); err != nil || n != 3 {
				t.Fatalf("after a resync: %d, %v; want 3", n, err)
			}
		})
	}
}

// TestStatusFeedLateCommit: a status whose transaction commits later than
// StatusOverlap after its stamp (a stalled database) is missed by the
// ordinary rounds, but the round every StatusLateEvery reads
// StatusLateWindow back and sends it, once; a later ordinary round sends
// nothing more. The database's clock stamps the late change (and the
// estate) in the past.
func TestStatusFeedLateCommit(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			dbA := eng.Open(t)
			var dbClock, srvClock atomic.Int64 // offsets from now
			dbClock.Store(int64(-time.Hour))   // the estate is an hour old
			dbA.Now = func() time.Time { return time.Now().Add(time.Duration(dbClock.Load())) }
			A := newVolt(t, dbA, nil, "A Power", "GB", "AAA")
			A.srv.Now = func() time.Time { return time.Now().Add(time.Duration(srvClock.Load())) }
			B := newVolt(t, eng.Open(t), nil, "B Drive", "GB", "BBB")
			_, cpids := A.site(t, A.cpo, "Mayfair", false, 2)
			_, pA := pair(t, A, B)
			if _, err := B.srv.PullLocations(sys(), pA.ID); err != nil {
				t.Fatal(err)
			}
			if n, err := A.srv.DeliverStatuses(sys()); err != nil || n != 2 {
				t.Fatalf("first round: %d, %v; want 2", n, err)
			}
			dbClock.Store(0)
			A.change(t, cpids[1], volt.StatusPreparing)
			if n, err := A.srv.DeliverStatuses(sys()); err != nil || n != 1 {
				t.Fatalf("second round: %d, %v; want 1", n, err)
			}
			// Stamped 30 s ago, visible only now: behind the overlap.
			dbClock.Store(int64(-30 * time.Second))
			A.change(t, cpids[0], volt.StatusCharging)
			dbClock.Store(0)
			if n, err := A.srv.DeliverStatuses(sys()); err != nil || n != 0 {
				t.Fatalf("an ordinary round: %d, %v; want 0 (the late commit lies behind the overlap)", n, err)
			}
			srvClock.Store(int64(ocpi.StatusLateEvery))
			if n, err := A.srv.DeliverStatuses(sys()); err != nil || n != 1 {
				t.Fatalf("the late round: %d, %v; want 1", n, err)
			}
			if st := statusAt(t, B, pA.ID, cpids[0]+"-1"); st != "CHARGING" {
				t.Errorf("B sees %q, want CHARGING", st)
			}
			srvClock.Store(int64(2 * ocpi.StatusLateEvery))
			if n, err := A.srv.DeliverStatuses(sys()); err != nil || n != 0 {
				t.Fatalf("the next late round: %d, %v; want 0 (nothing changed)", n, err)
			}
			for i, want := range []int64{2, 2} {
				if got := B.patchesAt(cpids[i] + "-1"); got != want {
					t.Errorf("%s: %d PATCHes, want %d", cpids[i], got, want)
				}
			}
		})
	}
}

// TestStatusFeedOneNode: two nodes on one database never both deliver to
// a partner: while one holds its feed the other sends nothing; when the
// holder's claim ends (it died) the other takes the feed over and the old
// holder, back, sends nothing. Rounds of both nodes side by side send
// each change once.
func TestStatusFeedOneNode(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			A := newVolt(t, eng.Open(t), nil, "A Power", "GB", "AAA")
			B := newVolt(t, eng.Open(t), nil, "B Drive", "GB", "BBB")
			_, cpids := A.site(t, A.cpo, "Mayfair", false, 2)
			_, pA := pair(t, A, B)
			if _, err := B.srv.PullLocations(sys(), pA.ID); err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			node1, node2 := restarted(A, now), restarted(A, now)
			if n, err := node1.DeliverStatuses(sys()); err != nil || n != 2 {
				t.Fatalf("node 1: %d, %v; want 2", n, err)
			}
			A.change(t, cpids[0], volt.StatusCharging)
			if n, err := node2.DeliverStatuses(sys()); err != nil || n != 0 {
				t.Fatalf("node 2 delivered %d (%v) to a partner node 1 holds", n, err)
			}
			// Side by side: each change once.
			var wg sync.WaitGroup
			var total atomic.Int64
			for _, n := range []*ocpi.Server{node1, node2, node1, node2} {
				wg.Add(1)
				go func(srv *ocpi.Server) {
					defer wg.Done()
					d, err := srv.DeliverStatuses(sys())
					if err != nil {
						t.Error(err)
					}
					total.Add(int64(d))
				}(n)
			}
			wg.Wait()
			if total.Load() != 1 || B.patchesAt(cpids[0]+"-1") != 2 {
				t.Errorf("side by side: %d delivered, %d PATCHes of %s; want 1 and 2", total.Load(), B.patchesAt(cpids[0]+"-1"), cpids[0])
			}
			// Node 1 dies; node 2, after its claim, takes over.
			node2.Now = func() time.Time { return now.Add(2 * ocpi.StatusFeedLease) }
			A.change(t, cpids[1], volt.StatusFaulted)
			if n, err := node2.DeliverStatuses(sys()); err != nil || n < 1 {
				t.Fatalf("node 2 after node 1's claim: %d, %v", n, err)
			}
			if st := statusAt(t, B, pA.ID, cpids[1]+"-1"); st != "OUTOFORDER" {
				t.Errorf("B sees %q, want OUTOFORDER", st)
			}
			A.change(t, cpids[1], volt.StatusAvailable)
			if n, err := node1.DeliverStatuses(sys()); err != nil || n != 0 {
				t.Errorf("node 1, back, delivered %d (%v) to a partner node 2 holds", n, err)
			}
		})
	}
}

// TestStatusFeedRefusedEVSE: a partner refusing one EVSE (a location it
// has not pulled yet: OCPI 2003) does not hold up the others nor put the
// partner in back-off; the refused EVSE is not sent again until its status
// changes. Before, a refused status would have stopped the partner's
// feed at its position for good.
func TestStatusFeedRefusedEVSE(t *testing.T) {
	spec := ocpischema.Load(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			A := newVolt(t, eng.Open(t), spec, "A Power", "GB", "AAA")
			B := newVolt(t, eng.Open(t), spec, "B Drive", "GB", "BBB")
			_, known := A.site(t, A.cpo, "Mayfair", false, 1)
			pB, pA := pair(t, A, B)
			if _, err := B.srv.PullLocations(sys(), pA.ID); err != nil {
				t.Fatal(err)
			}
			_, unknown := A.site(t, A.cpo, "Soho", false, 1) // after B's pull
			if n, err := A.srv.DeliverStatuses(sys()); err != nil || n != 1 {
				t.Fatalf("first round: %d, %v; want 1 (Soho refused)", n, err)
			}
			if p, err := A.store.FindOCPIPartnerSystem(sys(), pB.ID); err != nil || !strings.Contains(p.LastError, "2003") {
				t.Errorf("the refusal is not B's last error: %+v %v", p, err)
			}
			A.change(t, known[0], volt.StatusCharging)
			if n, err := A.srv.DeliverStatuses(sys()); err != nil || n != 1 {
				t.Fatalf("the next change: %d, %v; want 1 (no back-off)", n, err)
			}
			if st := statusAt(t, B, pA.ID, known[0]+"-1"); st != "CHARGING" {
				t.Errorf("B sees %q, want CHARGING", st)
			}
			if n := B.patchesAt(unknown[0] + "-1"); n != 1 {
				t.Errorf("the refused EVSE was sent %d times, want 1", n)
			}
		})
	}
}

// TestStatusFeedSlowPartner: a partner whose answers are slow (one across
// the internet) gets its PATCHes several at a time once its latency is
// known, so that its round keeps up; each EVSE still once a round, with
// its latest status.
func TestStatusFeedSlowPartner(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			A := newVolt(t, eng.Open(t), nil, "A Power", "GB", "AAA")
			_, cpids := A.site(t, A.cpo, "Mayfair", false, 20)
			var mu sync.Mutex
			held := map[string]string{}
			var inFlight, most atomic.Int32
			inner := partnerHandler(&mu, held)
			slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := inFlight.Add(1)
				defer inFlight.Add(-1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(30 * time.Millisecond) // the partner's latency, not a wait of the test's
				inner.ServeHTTP(w, r)
			}))
			defer slow.Close()
			p := &volt.OCPIPartner{CPOID: A.cpo, Name: "Far", CountryCode: "NL", PartyID: "FAR", Role: volt.OCPIRoleEMSP}
			_, err := A.store.CreateOCPIPartner(A.admin, p)
			must(t, err)
			_, err = A.store.CompleteOCPIRegistration(sys(), volt.OCPIRegistration{PartnerID: p.ID, TheirToken: "theirs", OurToken: "ours",
				Endpoints: []volt.OCPIEndpoint{{Identifier: "locations", Role: "RECEIVER", URL: slow.URL + "/ocpi/emsp/2.2.1/locations"}}})
			must(t, err)
			if n, err := A.srv.DeliverStatuses(sys()); err != nil || n != 20 {
				t.Fatalf("first round: %d, %v; want 20", n, err)
			}
			if m := most.Load(); m != 1 {
				t.Errorf("first round (latency unknown): %d in flight, want 1", m)
			}
			for _, c := range cpids {
				A.change(t, c, volt.StatusCharging)
			}
			if n, err := A.srv.DeliverStatuses(sys()); err != nil || n != 20 {
				t.Fatalf("second round: %d, %v; want 20", n, err)
			}
			if m := most.Load(); m < 2 {
				t.Errorf("a slow partner got its PATCHes %d at a time, want several", m)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, c := range cpids {
				if held[c+"-1"] != "CHARGING" {
					t.Errorf("%s: the partner holds %q, want CHARGING", c, held[c+"-1"])
				}
			}
		})
	}
}
