package ocpi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpi"
	"github.com/volt-ev/volt/store/storetest"
)

// pagedStore hides store.OCPIService's OCPIEstate, so that LoadEstate
// pages through the services as it did before the estate query.
type pagedStore struct{ volt.OCPIStore }

// TestEstateQuery: the estate read in one query per table (issue 14, made
// for 10,000 chargers) maps to the same Locations as the estate paged
// through the services, public tariffs included; a private group, a
// deleted charger and another CPO's site are not in it.
func TestEstateQuery(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			A := newVolt(t, eng.Open(t), nil, "A Power", "GB", "AAA")
			A.site(t, A.cpo, "Mayfair", false, 3)
			_, soho := A.site(t, A.cpo, "Soho", false, 2)
			A.site(t, A.cpo, "Depot", true, 1)
			other := &volt.CPO{Name: "Other"}
			must(t, A.hierarchy.CreateCPO(sys(), other))
			A.site(t, other.ID, "Elsewhere", false, 2)
			must(t, A.chargers.DeleteCharger(sys(), soho[1]))

			query, err := A.srv.LoadEstate(sys(), A.cpo, true)
			must(t, err)
			paged := &ocpi.Server{Store: pagedStore{A.store}, Partners: A.store, Hierarchy: A.hierarchy, Chargers: A.chargers, Tariffs: A.tariffs}
			want, err := paged.LoadEstate(sys(), A.cpo, true)
			must(t, err)
			got, _ := json.Marshal(query.LocationsFor(nil))
			exp, _ := json.Marshal(want.LocationsFor(nil))
			if string(got) != string(exp) {
				t.Errorf("estate query maps to\n%s\nwant (paged through the services)\n%s", got, exp)
			}
			if len(query.Chargers) != 5 || len(query.Sites) != 3 || len(query.PublicTariffs) != 2 {
				t.Errorf("read %d chargers, %d sites, %d public tariffs; want 5, 3 and 2 (the private group has none published)", len(query.Chargers), len(query.Sites), len(query.PublicTariffs))
			}
			locs := query.LocationsFor(nil)
			if len(locs) != 2 || len(locs[0].EVSEs)+len(locs[1].EVSEs) != 4 {
				t.Fatalf("locations %s: want Mayfair's 3 EVSEs and Soho's 1", got)
			}
			if !strings.Contains(string(got), `"tariff_ids"`) || strings.Contains(string(got), soho[1]) {
				t.Errorf("locations %s: want the public tariffs and not the deleted charger", got)
			}
		})
	}
}
