package ocpi_test

import (
	"errors"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/ocpischema"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestLocationOpeningHours: a site's opening hours are published as the
// Location's regular hours (validated against the OCPI documents); a site
// without any is open 24/7; bad hours are refused naming the field.
func TestLocationOpeningHours(t *testing.T) {
	spec := ocpischema.Load(t)
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		A := newVolt(t, db, spec, "A Power", "GB", "AAA")
		B := newVolt(t, db, spec, "B Drive", "GB", "BBB")
		siteID, _ := A.site(t, A.cpo, "Mayfair", false, 1)
		_, _, tok := connect(t, A, B, "GB", "BBB")
		hours := func() map[string]any {
			st, _, env := call(t, "GET", A.http.URL+"/ocpi/cpo/2.2.1/locations/"+siteID, tok, nil)
			if st != 200 {
				t.Fatalf("location: %d %v", st, env)
			}
			return env["data"].(map[string]any)["opening_times"].(map[string]any)
		}
		if h := hours(); h["twentyfourseven"] != true || h["regular_hours"] != nil {
			t.Errorf("a site without hours: %v", h)
		}
		site, err := A.hierarchy.FindSiteByID(A.admin, siteID)
		must(t, err)
		site.OpeningHours = []volt.OpeningPeriod{{Weekday: 1, Begin: "08:00", End: "18:00"}, {Weekday: 6, Begin: "09:30", End: "13:00"}}
		must(t, A.hierarchy.UpdateSite(A.admin, site))
		h := hours()
		rh, _ := h["regular_hours"].([]any)
		if h["twentyfourseven"] != false || len(rh) != 2 {
			t.Fatalf("opening times %v", h)
		}
		if r := rh[1].(map[string]any); r["weekday"] != float64(6) || r["period_begin"] != "09:30" || r["period_end"] != "13:00" {
			t.Errorf("Saturday %v", r)
		}
		for _, bad := range [][]volt.OpeningPeriod{{{Weekday: 0, Begin: "08:00", End: "18:00"}}, {{Weekday: 2, Begin: "18:00", End: "08:00"}},
			{{Weekday: 3, Begin: "8:00", End: "24:00"}}} {
			site.OpeningHours = bad
			var ve *volt.Error
			if err := A.hierarchy.UpdateSite(A.admin, site); !errors.As(err, &ve) || ve.Code != volt.EINVALID || ve.Field != "openingHours" {
				t.Errorf("hours %v: %v", bad, err)
			}
		}
	})
}
