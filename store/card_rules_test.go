package store_test

import (
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestConcurrentTxOnlyInStart: Authorize answers the card's own status even
// while the card charges elsewhere (OCPP 1.6 §7.2 keeps ConcurrentTx for
// StartTransaction); StartTransaction applies the CPO's
// maxConcurrentSessionsPerCard, 1 by default (issue #10 item 12).
func TestConcurrentTxOnlyInStart(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		t0 := f.now.Add(-time.Hour)
		if res := f.start(t, f.cpidA, 1, "CARD-A", 0, t0); res.Auth.Status != volt.AuthAccepted {
			t.Fatalf("first start %+v", res.Auth)
		}
		auth, err := f.svc.AuthorizeIDTag(sys(), f.cpidA, "CARD-A")
		if err != nil || auth.Status != volt.AuthAccepted {
			t.Fatalf("Authorize of a card charging elsewhere: %+v %v, want Accepted", auth, err)
		}
		if res := f.start(t, f.cpidA, 2, "CARD-A", 0, t0.Add(time.Minute)); res.Auth.Status != volt.AuthConcurrentTx {
			t.Fatalf("second start with the limit at 1: %+v, want ConcurrentTx", res.Auth)
		}
		// A fleet CPO allows two.
		f.exec(t, `UPDATE cpos SET max_concurrent_sessions_per_card = 2 WHERE id = ?`, f.cpoA)
		if res := f.start(t, f.cpidA, 2, "CARD-A", 10, t0.Add(2*time.Minute)); res.Auth.Status != volt.AuthAccepted {
			t.Fatalf("second start with the limit at 2: %+v, want Accepted", res.Auth)
		}
	})
}

// TestStartSupersedesOnce: a new StartTransaction on a connector with an
// open session closes that session once, with one CDR, and its replay
// closes nothing more (issue #10 item 12).
func TestStartSupersedesOnce(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		t0 := f.now.Add(-time.Hour)
		old := f.start(t, f.cpidA, 1, "CARD-A", 100, t0)
		next := f.start(t, f.cpidA, 1, "CARD-B", 900, t0.Add(30*time.Minute))
		if len(next.Superseded) != 1 || next.Superseded[0].SessionID != old.Session.ID {
			t.Fatalf("superseded %+v, want the first session's CDR", next.Superseded)
		}
		again := f.start(t, f.cpidA, 1, "CARD-B", 900, t0.Add(30*time.Minute))
		if !again.Replayed || len(again.Superseded) != 0 || again.TransactionID != next.TransactionID {
			t.Fatalf("replayed start %+v", again)
		}
		if n := f.count(t, `SELECT count(*) FROM cdrs WHERE session_id = ?`, old.Session.ID); n != 1 {
			t.Fatalf("%d CDRs of the superseded session, want 1", n)
		}
		if n := f.count(t, `SELECT count(*) FROM sessions WHERE cpid = ? AND connector_id = 1 AND status = 'active'`, f.cpidA); n != 1 {
			t.Fatalf("%d open sessions on the connector, want 1", n)
		}
	})
}

// TestCardGroups: a card's explicit group is its parentIdTag, and a
// StopTransaction by another card of the session's group is authorised,
// by a card of another group not (issue #10 item 13).
func TestCardGroups(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newChargingFixture(t, db)
		other := f.user(t, "CARD-C", false, nil)
		f.exec(t, `UPDATE rfid_cards SET group_id = 'FLEET-1' WHERE uid_norm IN ('CARD-A', 'CARD-B')`)
		auth, err := f.svc.AuthorizeIDTag(sys(), f.cpidA, "CARD-B")
		if err != nil || auth.ParentIDTag != "FLEET-1" {
			t.Fatalf("Authorize of a group card: %+v %v, want parentIdTag FLEET-1", auth, err)
		}
		auth, _ = f.svc.AuthorizeIDTag(sys(), f.cpidA, "CARD-C")
		if auth.ParentIDTag != other {
			t.Fatalf("card without a group: parentIdTag %q, want its user %q", auth.ParentIDTag, other)
		}
		t0 := f.now.Add(-time.Hour)
		stopBy := func(tag string, connector int) *volt.StopResult {
			st := f.start(t, f.cpidA, connector, "CARD-A", 0, t0)
			res, err := f.svc.StopTransaction(sys(), volt.StopRequest{CPID: f.cpidA, TransactionID: st.TransactionID,
				IDTag: tag, MeterStop: 500, At: t0.Add(10 * time.Minute), Reason: "Local"})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		if res := stopBy("CARD-B", 1); res.Auth == nil || res.Auth.Status != volt.AuthAccepted || res.CDR == nil {
			t.Fatalf("stop by a card of the group: %+v", res.Auth)
		}
		if res := stopBy("CARD-C", 2); res.Auth == nil || res.Auth.Status != volt.AuthInvalid || res.CDR == nil {
			t.Fatalf("stop by a card of another group: %+v, want Invalid (and the session stopped)", res.Auth)
		}
	})
}
