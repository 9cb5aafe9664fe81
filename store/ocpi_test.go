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

// TestOCPIPartnersAndTokens checks the roaming partners' store (issue 14)
// on both engines: tenant scoping, the tokens of the handshake (Token A
// spent by the exchange), a rotation that fails halfway keeping the token
// in use valid, suspension, the push queue's back-off, and CDRs stored once.
func TestOCPIPartnersAndTokens(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		h := store.NewHierarchyService(db)
		svc := store.NewOCPIService(db)
		cpoA, cpoB := &volt.CPO{Name: "A"}, &volt.CPO{Name: "B"}
		must(t, h.CreateCPO(sys(), cpoA))
		must(t, h.CreateCPO(sys(), cpoB))
		as := func(role volt.Role, cpo string) context.Context {
			return volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_" + string(role) + cpo, Grants: []volt.Grant{{Role: role, CPOID: cpo}}})
		}
		adminA, staffA, adminB := as(volt.RoleAdmin, cpoA.ID), as(volt.RoleStaff, cpoA.ID), as(volt.RoleAdmin, cpoB.ID)

		must(t, svc.SetOCPIParty(adminA, &volt.OCPIParty{CPOID: cpoA.ID, CountryCode: "gb", PartyID: "aaa"}))
		wantCode(t, "another CPO's party id", svc.SetOCPIParty(adminB, &volt.OCPIParty{CPOID: cpoB.ID, CountryCode: "GB", PartyID: "AAA"}), volt.ECONFLICT)
		wantCode(t, "party of another tenant", svc.SetOCPIParty(adminB, &volt.OCPIParty{CPOID: cpoA.ID, CountryCode: "GB", PartyID: "ZZZ"}), volt.ENOTFOUND)
		wantCode(t, "staff sets the party", svc.SetOCPIParty(staffA, &volt.OCPIParty{CPOID: cpoA.ID, CountryCode: "GB", PartyID: "ZZZ"}), volt.EFORBIDDEN)

		p := &volt.OCPIPartner{CPOID: cpoA.ID, Name: "Roam", CountryCode: "NL", PartyID: "RMS", Role: volt.OCPIRoleEMSP}
		_, err := svc.CreateOCPIPartner(adminB, p)
		wantCode(t, "partner for another tenant", err, volt.ENOTFOUND)
		_, err = svc.CreateOCPIPartner(staffA, p)
		wantCode(t, "staff adds a partner", err, volt.EFORBIDDEN)
		tokenA, err := svc.CreateOCPIPartner(adminA, p)
		must(t, err)
		if _, err := svc.FindOCPIPartnerByID(adminB, p.ID); !volt.IsCode(err, volt.ENOTFOUND) {
			t.Errorf("another tenant reads the partner: %v", err)
		}
		if list, total, err := svc.FindOCPIPartners(adminB, volt.OCPIPartnerFilter{}); err != nil || total != 0 || len(list) != 0 {
			t.Errorf("another tenant lists %d partners (%v)", total, err)
		}
		_, err = svc.UpdateOCPIPartner(staffA, p.ID, volt.OCPIPartnerUpdate{Name: new(string)})
		wantCode(t, "staff renames", err, volt.EFORBIDDEN)

		if got, kind, err := svc.OCPIPartnerByToken(sys(), tokenA); err != nil || kind != volt.OCPITokenA || got.ID != p.ID {
			t.Fatalf("Token A: %v %v %v", got, kind, err)
		}
		_, _, err = svc.OCPIPartnerByToken(sys(), "nope")
		wantCode(t, "unknown token", err, volt.EUNAUTHORIZED)

		// The handshake spends Token A.
		_, err = svc.CompleteOCPIRegistration(sys(), volt.OCPIRegistration{PartnerID: p.ID, TheirToken: "their-b", OurToken: "our-c1",
			VersionsURL: "https://roam.example/ocpi/versions", Version: "2.2.1", Endpoints: []volt.OCPIEndpoint{{Identifier: "cdrs", Role: "RECEIVER", URL: "https://roam.example/cdrs"}}})
		must(t, err)
		_, _, err = svc.OCPIPartnerByToken(sys(), tokenA)
		wantCode(t, "Token A after the handshake", err, volt.EUNAUTHORIZED)
		if _, kind, err := svc.OCPIPartnerByToken(sys(), "our-c1"); err != nil || kind != volt.OCPITokenC {
			t.Fatalf("Token C: %v %v", kind, err)
		}

		// A rotation Volt starts fails halfway (the partner never answers):
		// both tokens stay valid; once completed, the old one lasts until
		// the partner uses the new one.
		must(t, svc.StageOCPIToken(sys(), p.ID, "our-c2", true))
		for _, tok := range []string{"our-c1", "our-c2", "our-c1"} { // the callback with the new one proves nothing
			if _, _, err := svc.OCPIPartnerByToken(sys(), tok); err != nil {
				t.Errorf("%s during a rotation that failed halfway: %v", tok, err)
			}
		}
		_, err = svc.CompleteOCPIRegistration(sys(), volt.OCPIRegistration{PartnerID: p.ID, TheirToken: "their-c", OurToken: "our-c2", KeepPrevious: true,
			VersionsURL: "https://roam.example/ocpi/versions", Version: "2.2.1"})
		must(t, err)
		if _, _, err := svc.OCPIPartnerByToken(sys(), "our-c1"); err != nil {
			t.Errorf("old token before the new one is used: %v", err)
		}
		if _, _, err := svc.OCPIPartnerByToken(sys(), "our-c2"); err != nil {
			t.Fatal(err)
		}
		_, _, err = svc.OCPIPartnerByToken(sys(), "our-c1")
		wantCode(t, "old token after the new one was used", err, volt.EUNAUTHORIZED)

		// Suspended: every token refused, and back on resume.
		yes, no := true, false
		_, err = svc.UpdateOCPIPartner(adminA, p.ID, volt.OCPIPartnerUpdate{Suspended: &yes})
		must(t, err)
		_, _, err = svc.OCPIPartnerByToken(sys(), "our-c2")
		wantCode(t, "token of a suspended partner", err, volt.EUNAUTHORIZED)
		got, err := svc.UpdateOCPIPartner(adminA, p.ID, volt.OCPIPartnerUpdate{Suspended: &no})
		must(t, err)
		if got.Status != volt.OCPIConnected || got.TheirToken != "their-c" {
			t.Errorf("resumed partner %+v", got)
		}

		// The push queue: a failure waits its back-off.
		now := time.Now()
		db.Now = func() time.Time { return now }
		must(t, svc.EnqueueOCPIPush(sys(), &volt.OCPIPush{PartnerID: p.ID, Module: "cdrs", ObjectID: "cdr_x", Method: "POST", Body: json.RawMessage(`{}`)}))
		due, err := svc.DueOCPIPushes(sys(), now, 10)
		must(t, err)
		if len(due) != 1 {
			t.Fatalf("%d pushes due", len(due))
		}
		must(t, svc.FinishOCPIPush(sys(), due[0].ID, "HTTP 503", now.Add(volt.OCPIPushBackoff(1))))
		if due, _ := svc.DueOCPIPushes(sys(), now.Add(29*time.Second), 10); len(due) != 0 {
			t.Errorf("due again before its back-off")
		}
		due, _ = svc.DueOCPIPushes(sys(), now.Add(30*time.Second), 10)
		if len(due) != 1 || due[0].Attempts != 1 || due[0].LastError != "HTTP 503" {
			t.Fatalf("after the back-off: %+v", due)
		}
		must(t, svc.FinishOCPIPush(sys(), due[0].ID, "", now))
		if due, _ := svc.DueOCPIPushes(sys(), now.Add(time.Hour), 10); len(due) != 0 {
			t.Errorf("a delivered push is still due")
		}

		// A CDR is stored once and never replaced; a location is replaced.
		for i, body := range []string{`{"id":"c1","v":1}`, `{"id":"c1","v":2}`} {
			created, err := svc.PutPartnerObject(sys(), p.ID, "cdrs", "c1", json.RawMessage(body), now)
			must(t, err)
			if created != (i == 0) {
				t.Errorf("put %d of the CDR: created %v", i, created)
			}
		}
		cdrs, _ := svc.FindPartnerObjects(sys(), p.ID, "cdrs")
		if len(cdrs) != 1 || string(cdrs[0]) != `{"id":"c1","v":1}` {
			t.Errorf("CDRs %s", cdrs)
		}
		must(t, svc.DeleteOCPIPartner(adminA, p.ID))
		_, err = svc.FindOCPIPartnerByID(adminA, p.ID)
		wantCode(t, "deleted partner", err, volt.ENOTFOUND)
	})
}

// TestOCPIPushBackoff pins the back-off: 30 s doubling to 6 h.
func TestOCPIPushBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 12: 6 * time.Hour, 100: 6 * time.Hour} {
		if got := volt.OCPIPushBackoff(n); got != want {
			t.Errorf("backoff(%d) = %v, want %v", n, got, want)
		}
	}
}
