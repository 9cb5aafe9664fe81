package app

import (
	"context"
	"net/http"
	"strings"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// fakeRoaming holds partner locations per CPO and records who asked.
type fakeRoaming struct {
	byCPO map[string][]volt.RoamingLocation
}

func (f fakeRoaming) FindRoamingLocations(_ context.Context, cpoID string) ([]volt.RoamingLocation, error) {
	if cpoID == "" { // the platform's own host: every CPO's partners
		var all []volt.RoamingLocation
		for _, l := range f.byCPO {
			all = append(all, l...)
		}
		return all, nil
	}
	return f.byCPO[cpoID], nil
}

// TestFindListsPartnerNetworks: the find page lists the partner networks'
// chargers of the host's CPO (issue 14) below Volt's own, with the
// partner's name, availability and the margin on its price; another
// CPO's partners never show.
func TestFindListsPartnerNetworks(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		roam := fakeRoaming{byCPO: map[string][]volt.RoamingLocation{}}
		f := newFixture(t, db, func(c *Config) { c.Roaming = roam })
		roam.byCPO[f.cpo.ID] = []volt.RoamingLocation{{PartnerName: "A Power", ID: "sit_a", Name: "Mayfair Hub", Address: "1 Mayfair Road",
			City: "London", EVSEs: 2, Available: 1, MarginPercent: volt.MustDecimal("10")}}
		roam.byCPO["cpo_other"] = []volt.RoamingLocation{{PartnerName: "Elsewhere Energy", ID: "sit_x", Name: "Hidden", EVSEs: 1}}
		c := f.client()
		c.host = "charge.spark.test" // the CPO's whitelabel
		res := c.get("/app/")
		if res.status != http.StatusOK {
			t.Fatalf("GET /app/: %d", res.status)
		}
		for _, want := range []string{"Partner networks", "Mayfair Hub", "A Power · 1 Mayfair Road, London", "1 of 2 available", "A Power's price + 10 %"} {
			if !strings.Contains(res.body, want) {
				t.Errorf("find page lacks %q", want)
			}
		}
		if strings.Contains(res.body, "Elsewhere Energy") {
			t.Error("another CPO's partner shows")
		}
	})
}
