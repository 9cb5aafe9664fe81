package store_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestOCPIPushClaims: two nodes' push workers over one database (both
// engines) send every push exactly once, never the same push or the same
// partner's pushes at the same time; a claim of a node that died is taken
// over once it expires (issue 12, the OCPI push queue on many nodes).
func TestOCPIPushClaims(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		h := store.NewHierarchyService(db)
		svc := store.NewOCPIService(db)
		cpo := &volt.CPO{Name: "Claims"}
		must(t, h.CreateCPO(sys(), cpo))
		var partners []string
		for i := range 3 {
			id := volt.NewID("ocp")
			if _, err := db.Exec(sys(), `INSERT INTO ocpi_partners (id, cpo_id, name, country_code, party_id, role, status, created_at, updated_at)
				VALUES (?, ?, ?, 'NL', ?, 'EMSP', 'connected', 0, 0)`, id, cpo.ID, fmt.Sprintf("P%d", i), fmt.Sprintf("P%02d", i)); err != nil {
				t.Fatal(err)
			}
			partners = append(partners, id)
		}
		const pushes = 60
		for i := range pushes {
			must(t, svc.EnqueueOCPIPush(sys(), &volt.OCPIPush{PartnerID: partners[i%3], Module: "cdrs", ObjectID: fmt.Sprintf("cdr_%d", i), Method: "POST", Body: json.RawMessage(`{}`)}))
		}
		var mu sync.Mutex
		sent := map[string]int{}
		inFlight := map[string]string{}    // push → worker
		partnerBusy := map[string]string{} // partner → worker
		var failures []string
		worker := func(holder string) {
			for idle := 0; idle < 3; {
				due, err := svc.ClaimOCPIPushes(sys(), holder, time.Now(), time.Minute, 7)
				if err != nil {
					mu.Lock()
					failures = append(failures, holder+": "+err.Error())
					mu.Unlock()
					return
				}
				if len(due) == 0 {
					idle++
					continue
				}
				idle = 0
				mu.Lock()
				for _, p := range due {
					if w, ok := inFlight[p.ID]; ok {
						failures = append(failures, fmt.Sprintf("%s sent by %s and %s at once", p.ObjectID, w, holder))
					}
					if w, ok := partnerBusy[p.PartnerID]; ok && w != holder {
						failures = append(failures, fmt.Sprintf("partner %s served by %s and %s at once", p.PartnerID, w, holder))
					}
					inFlight[p.ID], partnerBusy[p.PartnerID] = holder, holder
					sent[p.ObjectID]++
				}
				mu.Unlock()
				ids := make([]string, len(due))
				for i, p := range due {
					ids[i] = p.ID
				}
				// Delivered: removed, then no longer in flight (under mu, so
				// no other worker claims in between and is blamed).
				mu.Lock()
				err = svc.DeleteOCPIPushes(sys(), ids)
				for _, p := range due {
					delete(inFlight, p.ID)
					delete(partnerBusy, p.PartnerID)
				}
				mu.Unlock()
				must(t, err)
				must(t, svc.ReleaseOCPIPushes(sys(), holder))
			}
		}
		var wg sync.WaitGroup
		for _, holder := range []string{"node-1", "node-2"} {
			wg.Add(1)
			go func() { defer wg.Done(); worker(holder) }()
		}
		wg.Wait()
		if len(failures) > 0 {
			t.Fatal(failures)
		}
		for i := range pushes {
			if n := sent[fmt.Sprintf("cdr_%d", i)]; n != 1 {
				t.Errorf("cdr_%d sent %d times, want once", i, n)
			}
		}

		// In lockstep: node-1 claims, node-2 claims while node-1's are in
		// flight; the two claims share no push and no partner.
		for i := range 30 {
			must(t, svc.EnqueueOCPIPush(sys(), &volt.OCPIPush{PartnerID: partners[i%3], Module: "sessions", ObjectID: fmt.Sprintf("ses_%d", i), Method: "PUT", Body: json.RawMessage(`{}`)}))
		}
		sent = map[string]int{}
		for round := 0; ; round++ {
			d1, err := svc.ClaimOCPIPushes(sys(), "node-1", time.Now(), time.Minute, 4)
			must(t, err)
			d2, err := svc.ClaimOCPIPushes(sys(), "node-2", time.Now(), time.Minute, 4)
			must(t, err)
			if len(d1)+len(d2) == 0 {
				break
			}
			owner := map[string]string{}
			var ids []string
			for _, d := range []struct {
				h  string
				ps []*volt.OCPIPush
			}{{"node-1", d1}, {"node-2", d2}} {
				for _, p := range d.ps {
					if o, ok := owner[p.PartnerID]; ok && o != d.h {
						t.Fatalf("round %d: partner %s claimed by %s and %s at once", round, p.PartnerID, o, d.h)
					}
					owner[p.PartnerID] = d.h
					sent[p.ObjectID]++
					ids = append(ids, p.ID)
				}
			}
			must(t, svc.DeleteOCPIPushes(sys(), ids))
			must(t, svc.ReleaseOCPIPushes(sys(), "node-1"))
			must(t, svc.ReleaseOCPIPushes(sys(), "node-2"))
		}
		for i := range 30 {
			if n := sent[fmt.Sprintf("ses_%d", i)]; n != 1 {
				t.Errorf("ses_%d sent %d times in lockstep, want once", i, n)
			}
		}

		// A node claims a partner's push and dies: the others get neither
		// it nor that partner's later pushes until the claim expires, then
		// take them over.
		now := time.Now()
		must(t, svc.EnqueueOCPIPush(sys(), &volt.OCPIPush{PartnerID: partners[0], Module: "cdrs", ObjectID: "cdr_a", Method: "POST", Body: json.RawMessage(`{}`), NextAt: now.Add(-2 * time.Second)}))
		got, err := svc.ClaimOCPIPushes(sys(), "dead", now, time.Minute, 10)
		if err != nil || len(got) != 1 {
			t.Fatalf("claimed %d (%v), want cdr_a", len(got), err)
		}
		must(t, svc.EnqueueOCPIPush(sys(), &volt.OCPIPush{PartnerID: partners[0], Module: "cdrs", ObjectID: "cdr_b", Method: "POST", Body: json.RawMessage(`{}`), NextAt: now.Add(-time.Second)}))
		must(t, svc.EnqueueOCPIPush(sys(), &volt.OCPIPush{PartnerID: partners[1], Module: "cdrs", ObjectID: "cdr_c", Method: "POST", Body: json.RawMessage(`{}`), NextAt: now.Add(-time.Second)}))
		got, err = svc.ClaimOCPIPushes(sys(), "node-2", now.Add(time.Second), time.Minute, 10)
		if err != nil || len(got) != 1 || got[0].ObjectID != "cdr_c" {
			t.Fatalf("while the dead node's claim lasts node-2 claimed %v (%v), want only cdr_c (another partner)", objectIDs(got), err)
		}
		must(t, svc.ReleaseOCPIPushes(sys(), "node-2"))
		must(t, svc.DeleteOCPIPushes(sys(), []string{got[0].ID}))
		got, err = svc.ClaimOCPIPushes(sys(), "node-2", now.Add(61*time.Second), time.Minute, 10)
		if err != nil || len(got) != 2 || got[0].ObjectID != "cdr_a" || got[1].ObjectID != "cdr_b" {
			t.Fatalf("after the claim expired node-2 claimed %v (%v), want cdr_a then cdr_b", objectIDs(got), err)
		}
	})
}

func objectIDs(ps []*volt.OCPIPush) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ObjectID)
	}
	return out
}

// TestOCPIPushClaimsInStatements: a claim larger than one statement's
// rows (claimRows) returns each due push once, oldest first, up to the
// limit (issue 14: short statements for the OCPP p99).
func TestOCPIPushClaimsInStatements(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		h := store.NewHierarchyService(db)
		svc := store.NewOCPIService(db)
		cpo := &volt.CPO{Name: "Claims"}
		must(t, h.CreateCPO(sys(), cpo))
		id := volt.NewID("ocp")
		if _, err := db.Exec(sys(), `INSERT INTO ocpi_partners (id, cpo_id, name, country_code, party_id, role, status, created_at, updated_at)
			VALUES (?, ?, 'P', 'NL', 'P01', 'EMSP', 'connected', 0, 0)`, id, cpo.ID); err != nil {
			t.Fatal(err)
		}
		base := time.Now().Add(-time.Hour)
		for i := range 260 {
			must(t, svc.EnqueueOCPIPush(sys(), &volt.OCPIPush{PartnerID: id, Module: "cdrs", ObjectID: fmt.Sprintf("cdr_%03d", i),
				Method: "POST", Body: json.RawMessage(`{}`), NextAt: base.Add(time.Duration(i) * time.Millisecond)}))
		}
		due, err := svc.ClaimOCPIPushes(sys(), "node-a", time.Now(), time.Minute, 250)
		must(t, err)
		if len(due) != 250 {
			t.Fatalf("claimed %d, want 250", len(due))
		}
		for i, p := range due {
			if want := fmt.Sprintf("cdr_%03d", i); p.ObjectID != want {
				t.Fatalf("claim %d is %s, want %s (each once, oldest first)", i, p.ObjectID, want)
			}
		}
		if other, err := svc.ClaimOCPIPushes(sys(), "node-b", time.Now(), time.Minute, 250); err != nil || len(other) != 0 {
			t.Errorf("another node claimed %d of a partner node-a holds, %v", len(other), err)
		}
	})
}
