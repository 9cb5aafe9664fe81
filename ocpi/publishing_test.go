package ocpi_test

import (
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/ocpischema"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// groupOf returns the charger group of a site made by volt1.site.
func (v *volt1) groupOf(t *testing.T, siteID string) *volt.ChargerGroup {
	t.Helper()
	gs, _, err := v.hierarchy.FindChargerGroups(sys(), volt.Filter{SiteID: siteID})
	must(t, err)
	if len(gs) != 1 {
		t.Fatalf("site %s has %d groups", siteID, len(gs))
	}
	return gs[0]
}

// pulled returns the ids of the Locations a partner pulls, sorted.
func pulled(t *testing.T, v *volt1, token string) []string {
	t.Helper()
	st, _, env := call(t, "GET", v.http.URL+"/ocpi/cpo/2.2.1/locations", token, nil)
	if st != 200 {
		t.Fatalf("locations pull: %d %v", st, env)
	}
	var ids []string
	for _, l := range env["data"].([]any) {
		ids = append(ids, l.(map[string]any)["id"].(string))
	}
	sort.Strings(ids)
	return ids
}

// TestPublishingSwitches: a charger group excluded from OCPI is seen by no
// partner and not in the open data feed; a partner limited to some groups
// sees only those, in pulls (list and by id), tariffs, status pushes and
// commands, while another partner sees every published group. Every
// exchange is validated against the OCPI documents.
func TestPublishingSwitches(t *testing.T) {
	spec := ocpischema.Load(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) { publishing(t, spec, eng.Open(t), eng.Open(t)) })
	}
}

func publishing(t *testing.T, spec *ocpischema.Spec, dbA, dbB *store.DB) {
	A := newVolt(t, dbA, spec, "A Power", "GB", "AAA")
	B := newVolt(t, dbB, spec, "B Drive", "GB", "BBB")
	C := newVolt(t, dbB, spec, "C Drive", "GB", "CCC")
	mayfair, mayfairCPIDs := A.site(t, A.cpo, "Mayfair", false, 1)
	soho, sohoCPIDs := A.site(t, A.cpo, "Soho", false, 1)
	depot, _ := A.site(t, A.cpo, "Depot", false, 1)
	gMayfair, gSoho, gDepot := A.groupOf(t, mayfair), A.groupOf(t, soho), A.groupOf(t, depot)
	pB, _, tokB := connect(t, A, B, "GB", "BBB")
	pC, _, tokC := connect(t, A, C, "GB", "CCC")

	if got := pulled(t, A, tokC); len(got) != 3 {
		t.Fatalf("before any switch C pulls %v", got)
	}
	// The Depot group is switched off for everyone; B is limited to Mayfair.
	gDepot.OCPIExcluded = true
	must(t, A.hierarchy.UpdateChargerGroup(A.admin, gDepot))
	if g, _ := A.hierarchy.FindChargerGroupByID(A.admin, gDepot.ID); g == nil || !g.OCPIExcluded {
		t.Fatalf("the switch is not kept: %+v", g)
	}
	groups := []string{gMayfair.ID}
	if _, err := A.store.UpdateOCPIPartner(A.admin, pB.ID, volt.OCPIPartnerUpdate{ChargerGroupIDs: &groups}); err != nil {
		t.Fatal(err)
	}
	// A group of another CPO cannot be given to a partner.
	other := &volt.CPO{Name: "Other"}
	must(t, A.hierarchy.CreateCPO(sys(), other))
	otherSite, _ := A.site(t, other.ID, "Elsewhere", false, 0)
	foreign := []string{A.groupOf(t, otherSite).ID}
	if _, err := A.store.UpdateOCPIPartner(A.admin, pB.ID, volt.OCPIPartnerUpdate{ChargerGroupIDs: &foreign}); !volt.IsCode(err, volt.EINVALID) ||
		!strings.Contains(volt.ErrorMessage(err), "not found") {
		t.Errorf("another CPO's group for a partner: %v", err)
	}

	A.srv.Now = func() time.Time { return time.Now().Add(time.Minute) } // past the Locations cache
	if got, want := pulled(t, A, tokB), []string{mayfair}; !slices.Equal(got, want) {
		t.Errorf("B pulls %v, want %v", got, want)
	}
	want := []string{mayfair, soho}
	sort.Strings(want)
	if got := pulled(t, A, tokC); !slices.Equal(got, want) {
		t.Errorf("C pulls %v, want %v", got, want)
	}
	for _, c := range []struct {
		token, path string
		status      int
	}{
		{tokB, "/" + soho, 404}, {tokB, "/" + soho + "/" + sohoCPIDs[0] + "-1", 404}, {tokB, "/" + mayfair, 200},
		{tokC, "/" + depot, 404}, {tokC, "/" + soho, 200},
	} {
		if st, _, env := call(t, "GET", A.http.URL+"/ocpi/cpo/2.2.1/locations"+c.path, c.token, nil); st != c.status {
			t.Errorf("GET location %s: %d %v, want %d", c.path, st, env, c.status)
		}
	}
	// Tariffs: B sees only Mayfair's Public tariff.
	tariffs := func(token string) int {
		st, _, env := call(t, "GET", A.http.URL+"/ocpi/cpo/2.2.1/tariffs", token, nil)
		if st != 200 {
			t.Fatalf("tariffs: %d %v", st, env)
		}
		return len(env["data"].([]any))
	}
	if b, c := tariffs(tokB), tariffs(tokC); b != 1 || c != 2 {
		t.Errorf("tariffs: B sees %d, C %d; want 1 and 2", b, c)
	}
	// Commands: B cannot reserve or start on a group not published to it.
	for _, cmd := range []string{"RESERVE_NOW", "START_SESSION"} {
		st, _, env := call(t, "POST", A.http.URL+"/ocpi/cpo/2.2.1/commands/"+cmd, tokB, map[string]any{
			"response_url": B.http.URL + "/ocpi/emsp/2.2.1/commands/" + cmd + "/x", "reservation_id": "r", "location_id": soho,
			"evse_uid": sohoCPIDs[0] + "-1", "expiry_date": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
			"token": map[string]any{"country_code": "GB", "party_id": "BBB", "uid": "04B0", "type": "RFID", "contract_id": "GB-BBB-1",
				"issuer": "B", "valid": true, "whitelist": "ALLOWED", "last_updated": "2026-01-01T00:00:00Z"}})
		if st != 404 || code(env) != 2003 {
			t.Errorf("%s on a group not published to B: %d %v", cmd, st, env)
		}
	}

	// Status pushes: the whole estate to a new partner, then one change.
	pushesTo := func() map[string][]string {
		sent, err := A.srv.SendStatusesForTest(sys())
		must(t, err)
		out := map[string][]string{}
		for id, objs := range sent {
			for _, o := range objs {
				loc, _, _ := strings.Cut(o, "/")
				out[id] = append(out[id], loc)
			}
		}
		return out
	}
	got := pushesTo()
	if b := got[pB.ID]; len(b) != 1 || b[0] != mayfair {
		t.Errorf("status pushes sent to B: %v", b)
	}
	if c := got[pC.ID]; len(c) != 2 || slices.Contains(c, depot) {
		t.Errorf("status pushes sent to C: %v", c)
	}
	must(t, A.charging.RecordStatus(sys(), volt.StatusReport{CPID: sohoCPIDs[0], ConnectorID: 1, Status: volt.StatusCharging, ErrorCode: "NoError", At: time.Now()}))
	if got := pushesTo(); len(got[pB.ID]) != 0 || len(got[pC.ID]) != 1 {
		t.Errorf("Soho's change sent %v, want one to C", got)
	}
	_ = mayfairCPIDs

	// The open data feed has no Depot either.
	st, _, env := call(t, "GET", A.http.URL+"/api/v1/open-data/locations", "", nil)
	if st != 200 {
		t.Fatalf("open data: %d", st)
	}
	for _, l := range env["data"].([]any) {
		if l.(map[string]any)["id"] == depot {
			t.Errorf("the open data feed publishes the excluded group")
		}
	}
	if n := len(env["data"].([]any)); n != 2 {
		t.Errorf("open data has %d locations, want 2", n)
	}

	// Switched on again: C sees the Depot; B's limit lifted, it sees all.
	gDepot.OCPIExcluded = false
	must(t, A.hierarchy.UpdateChargerGroup(A.admin, gDepot))
	none := []string{}
	if _, err := A.store.UpdateOCPIPartner(A.admin, pB.ID, volt.OCPIPartnerUpdate{ChargerGroupIDs: &none}); err != nil {
		t.Fatal(err)
	}
	A.srv.Now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	if got := pulled(t, A, tokB); len(got) != 3 {
		t.Errorf("B without a limit pulls %v", got)
	}
	_ = gSoho
}
