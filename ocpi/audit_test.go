package ocpi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/audit"
	"github.com/volt-ev/volt/internal/ocpischema"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestPartnerChangesAudited follows one partnership through every change
// an operator or the partner makes (issue 14 item 1) and reads the audit
// log as the CPO's admin would (the API and the portal read the same
// log): who, through which surface, before and after, and never a token.
func TestPartnerChangesAudited(t *testing.T) {
	spec := ocpischema.Load(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) { partnerAudit(t, spec, eng.Open(t), eng.Open(t)) })
	}
}

func partnerAudit(t *testing.T, spec *ocpischema.Spec, dbA, dbB *store.DB) {
	A := newVolt(t, dbA, spec, "A Power", "GB", "AAA")
	B := newVolt(t, dbB, spec, "B Drive", "GB", "BBB")
	logA, logB := store.NewAuditService(dbA), store.NewAuditService(dbB)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	recA, recB := audit.NewRecorder(logA, quiet), audit.NewRecorder(logB, quiet)
	A.srv.Audit, B.srv.Audit = recA, recB
	partnersA, partnersB := audit.WrapOCPIPartners(A.store, recA), audit.WrapOCPIPartners(B.store, recB)
	regB := audit.WrapOCPIRegistrar(B.srv, B.store.FindOCPIPartnerByID, recB)
	viaAPI := func(ctx context.Context) context.Context {
		return volt.NewContextWithAudit(ctx, volt.AuditContext{Source: volt.AuditSourceAPI, ClientAddr: "203.0.113.9"})
	}
	adminA, adminB := viaAPI(A.admin), viaAPI(B.admin)
	var tokens []string // every token of the pair: none may reach the log

	// A adds B as an eMSP (its Token A); B adds A as a CPO.
	pB := &volt.OCPIPartner{CPOID: A.cpo, Name: "B Drive", CountryCode: "GB", PartyID: "BBB", Role: volt.OCPIRoleEMSP}
	tokenA, err := partnersA.CreateOCPIPartner(adminA, pB)
	must(t, err)
	tokens = append(tokens, tokenA)
	pA := &volt.OCPIPartner{CPOID: B.cpo, Name: "A Power", CountryCode: "GB", PartyID: "AAA", Role: volt.OCPIRoleCPO}
	_, err = partnersB.CreateOCPIPartner(adminB, pA)
	must(t, err)

	// A handshake refused (a wrong Token A) is recorded as failed at B.
	if _, err := regB.RegisterWithPartner(adminB, pA.ID, A.http.URL+"/ocpi/versions", "wrong-token"); err == nil {
		t.Fatal("registering with a wrong Token A succeeded")
	}
	// B registers with A: B records its operator's handshake, A the
	// partner's own registration.
	got, err := regB.RegisterWithPartner(adminB, pA.ID, A.http.URL+"/ocpi/versions", tokenA)
	must(t, err)
	tokens = append(tokens, got.TheirToken)
	ofB, err := A.store.FindOCPIPartnerSystem(sys(), pB.ID)
	must(t, err)
	tokens = append(tokens, ofB.TheirToken)
	// B rotates: both sides record it.
	rot, err := regB.RotateCredentials(adminB, pA.ID)
	must(t, err)
	tokens = append(tokens, rot.TheirToken)

	// A's operator suspends, resumes, limits what B sees, renames.
	on, off := true, false
	groups := []string{}
	name := "B Drive Ltd"
	for _, u := range []volt.OCPIPartnerUpdate{{Suspended: &on}, {Suspended: &off}, {ChargerGroupIDs: &groups}, {Name: &name}} {
		_, err := partnersA.UpdateOCPIPartner(adminA, pB.ID, u)
		must(t, err)
	}
	must(t, partnersA.SetOCPIParty(adminA, &volt.OCPIParty{CPOID: A.cpo, CountryCode: "GB", PartyID: "AAA"}))

	// B unregisters itself at A (DELETE credentials with its token).
	if st, _, _ := call(t, "DELETE", A.http.URL+"/ocpi/2.2.1/credentials", rot.TheirToken, nil); st != 200 {
		t.Fatalf("unregister: %d", st)
	}
	must(t, partnersA.DeleteOCPIPartner(adminA, pB.ID))

	entriesA := auditOf(t, logA, A.admin)
	wantA := []string{"ocpi-partner.create ok api usr_admin", "ocpi-partner.register ok ocpi ocpi:GB*BBB",
		"ocpi-partner.rotate-token ok ocpi ocpi:GB*BBB", "ocpi-partner.suspend ok api usr_admin",
		"ocpi-partner.unsuspend ok api usr_admin", "ocpi-partner.publishing ok api usr_admin",
		"ocpi-partner.update ok api usr_admin", "ocpi-party.set ok api usr_admin",
		"ocpi-partner.unregister ok ocpi ocpi:GB*BBB", "ocpi-partner.delete ok api usr_admin"}
	checkAudit(t, "A", entriesA, wantA, tokens)
	wantB := []string{"ocpi-partner.create ok api usr_admin", "ocpi-partner.register failed api usr_admin",
		"ocpi-partner.register ok api usr_admin", "ocpi-partner.rotate-token ok api usr_admin"}
	checkAudit(t, "B", auditOf(t, logB, B.admin), wantB, tokens)

	// The partner's registration at A: before pending, after connected.
	for _, e := range entriesA {
		if e.Action == "ocpi-partner.register" {
			if status(t, e.Before) != "pending" || status(t, e.After) != "connected" || e.CPOID != A.cpo || e.ResourceID != pB.ID {
				t.Errorf("A's register entry: %+v", e)
			}
		}
		if e.Action == "ocpi-partner.suspend" && (status(t, e.Before) != "connected" || status(t, e.After) != "suspended") {
			t.Errorf("suspend entry before %s after %s", e.Before, e.After)
		}
	}
	// Another CPO's admin on A's platform reads none of it.
	other := &volt.CPO{Name: "C Other"}
	must(t, A.hierarchy.CreateCPO(sys(), other))
	otherAdmin := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_c", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: other.ID}}})
	if list := auditOf(t, logA, otherAdmin); len(list) != 0 {
		t.Errorf("another CPO reads %d of A's partner entries", len(list))
	}
}

// auditOf lists the partner and party entries ctx reads, oldest first.
func auditOf(t *testing.T, log *store.AuditService, ctx context.Context) []*volt.AuditEntry {
	t.Helper()
	list, _, err := log.FindAuditEntries(ctx, volt.AuditFilter{Page: volt.Page{Limit: 200}})
	must(t, err)
	out := []*volt.AuditEntry{}
	for i := len(list) - 1; i >= 0; i-- {
		if strings.HasPrefix(list[i].Action, "ocpi-partner.") || strings.HasPrefix(list[i].Action, "ocpi-party.") {
			out = append(out, list[i])
		}
	}
	return out
}

func checkAudit(t *testing.T, side string, list []*volt.AuditEntry, want, tokens []string) {
	t.Helper()
	var got []string
	for _, e := range list {
		who := e.ActorID
		if who == "" {
			who = e.ActorEmail
		}
		got = append(got, e.Action+" "+e.Outcome+" "+string(e.Source)+" "+who)
		raw, _ := json.Marshal(e)
		for _, tok := range tokens {
			if tok != "" && strings.Contains(string(raw), tok) {
				t.Errorf("%s: entry %s holds a token", side, e.Action)
			}
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s's audit log:\n%s\nwant:\n%s", side, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func status(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var p struct{ Status string }
	if len(raw) > 0 {
		must(t, json.Unmarshal(raw, &p))
	}
	return p.Status
}
