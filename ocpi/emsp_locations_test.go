package ocpi_test

import (
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/ocpischema"
	"github.com/volt-ev/volt/ocpi"
	"github.com/volt-ev/volt/store/storetest"
)

// TestReceiveLocationParts: a partner CPO changes parts of a Location B
// holds (issue 14 item 3, eMSP side), on both engines: PUT of a new EVSE
// and of a connector, PATCH of a connector and of the Location, each
// shown in B's app list; a part of an unknown Location or EVSE is 404
// (2003), a body naming another EVSE or a patched id 400 (2001), another
// party's URL 400. Every exchange is validated against the documents.
func TestReceiveLocationParts(t *testing.T) {
	spec := ocpischema.Load(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			A := newVolt(t, eng.Open(t), spec, "A Power", "GB", "AAA")
			B := newVolt(t, eng.Open(t), spec, "B Drive", "GB", "BBB")
			siteA, _ := A.site(t, A.cpo, "Mayfair", false, 1)
			pB := &volt.OCPIPartner{CPOID: A.cpo, Name: "B Drive", CountryCode: "GB", PartyID: "BBB", Role: volt.OCPIRoleEMSP}
			tokenA, err := A.store.CreateOCPIPartner(A.admin, pB)
			must(t, err)
			pA := &volt.OCPIPartner{CPOID: B.cpo, Name: "A Power", CountryCode: "GB", PartyID: "AAA", Role: volt.OCPIRoleCPO}
			_, err = B.store.CreateOCPIPartner(B.admin, pA)
			must(t, err)
			_, err = B.srv.RegisterWithPartner(B.admin, pA.ID, A.http.URL+"/ocpi/versions", tokenA)
			must(t, err)
			_, err = B.srv.PullLocations(sys(), pA.ID)
			must(t, err)
			aOfB, err := A.store.FindOCPIPartnerByID(A.admin, pB.ID)
			must(t, err)
			tok := aOfB.TheirToken
			base := B.http.URL + "/ocpi/emsp/2.2.1/locations/GB/AAA/" + siteA
			now := func() string { return ocpi.DateTime(time.Now()) }
			conn := func(id string) map[string]any {
				return map[string]any{"id": id, "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE",
					"max_voltage": 230, "max_amperage": 32, "last_updated": now()}
			}
			send := func(method, url string, body any, wantHTTP, wantCode int) {
				t.Helper()
				st, _, env := call(t, method, url, tok, body)
				if st != wantHTTP || code(env) != wantCode {
					t.Errorf("%s %s: %d %v, want %d %d", method, url, st, env, wantHTTP, wantCode)
				}
			}
			list := func() volt.RoamingLocation {
				t.Helper()
				locs, err := B.srv.FindRoamingLocations(sys(), B.cpo)
				must(t, err)
				if len(locs) != 1 {
					t.Fatalf("B holds %d locations of A", len(locs))
				}
				return locs[0]
			}
			if l := list(); l.EVSEs != 1 || l.Available != 1 {
				t.Fatalf("pulled location %+v", l)
			}

			send("PUT", base+"/NEW-1", map[string]any{"uid": "NEW-1", "evse_id": "GB*AAA*E900001*1", "status": "CHARGING",
				"connectors": []any{conn("1")}, "last_updated": now()}, 200, 1000)
			send("PUT", base+"/NEW-1/2", conn("2"), 200, 1000)
			send("PATCH", base+"/NEW-1/2", map[string]any{"max_electric_power": 22000, "last_updated": now()}, 200, 1000)
			send("PATCH", base, map[string]any{"name": "Mayfair Hub North", "last_updated": now()}, 200, 1000)
			l := list()
			if l.Name != "Mayfair Hub North" || l.EVSEs != 2 || l.Available != 1 {
				t.Errorf("after the changes: %+v", l)
			}
			locs, err := B.srv.PartnerLocations(sys(), pA.ID)
			must(t, err)
			if e := locs[0].EVSEs[1]; e.UID != "NEW-1" || len(e.Connectors) != 2 || e.Connectors[1].MaxElectricPower != 22000 {
				t.Errorf("the new EVSE as stored: %+v", e)
			}
			// A repeated PUT replaces, never duplicates.
			send("PUT", base+"/NEW-1/2", conn("2"), 200, 1000)
			if locs, _ := B.srv.PartnerLocations(sys(), pA.ID); len(locs[0].EVSEs[1].Connectors) != 2 || locs[0].EVSEs[1].Connectors[1].MaxElectricPower != 0 {
				t.Errorf("connector PUT again: %+v", locs[0].EVSEs[1])
			}

			send("PUT", base+"/NEW-2", map[string]any{"uid": "NEW-3", "status": "AVAILABLE", "last_updated": now()}, 400, 2001)
			send("PATCH", base, map[string]any{"id": "other", "last_updated": now()}, 400, 2001)
			send("PATCH", base+"/NEW-1/9", map[string]any{"max_amperage": 16, "last_updated": now()}, 404, 2003)
			send("PUT", base+"/NOPE-1/1", conn("1"), 404, 2003)
			send("PUT", B.http.URL+"/ocpi/emsp/2.2.1/locations/GB/AAA/nope/X-1", map[string]any{"uid": "X-1", "status": "AVAILABLE", "last_updated": now()}, 404, 2003)
			send("PATCH", B.http.URL+"/ocpi/emsp/2.2.1/locations/GB/CCC/"+siteA, map[string]any{"name": "x", "last_updated": now()}, 400, 2001)
		})
	}
}
