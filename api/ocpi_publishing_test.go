package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestOCPIPublishingAPI sets what is published over OCPI (issue 14): a
// charger group's ocpiExcluded switch (create and PATCH), a partner's
// chargerGroupIds and roaming tariffId (create and PATCH, [] and "" lift
// them), and an unknown group or tariff named by its field.
func TestOCPIPublishingAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		admin := e.tokens["A/cpo-admin"]
		st, body := e.do("POST", "/api/v1/charger-groups", `{"siteId":"`+e.A.Site+`","name":"Depot","ocpiExcluded":true}`, admin)
		if st != http.StatusCreated || !strings.Contains(string(body), `"ocpiExcluded":true`) {
			t.Fatalf("create excluded group: %d %s", st, body)
		}
		depot := jsonField(t, body, "id")
		if st, body = e.do("PATCH", "/api/v1/charger-groups/"+depot, `{"ocpiExcluded":false}`, admin); st != 200 || !strings.Contains(string(body), `"ocpiExcluded":false`) {
			t.Errorf("switch the group on: %d %s", st, body)
		}
		if st, body = e.do("PATCH", "/api/v1/charger-groups/"+e.A.Group, `{"name":"Renamed"}`, admin); st != 200 || !strings.Contains(string(body), `"ocpiExcluded":false`) {
			t.Errorf("a group's switch is off by default: %d %s", st, body)
		}

		st, body = e.do("POST", "/api/v1/ocpi-partners", `{"cpoId":"`+e.A.CPO+`","name":"Roam NL","countryCode":"NL","partyId":"RNL","role":"EMSP",`+
			`"chargerGroupIds":["`+e.A.Group+`"],"tariffId":"`+e.A.Tariff+`"}`, admin)
		if st != http.StatusCreated || !strings.Contains(string(body), `"chargerGroupIds":["`+e.A.Group+`"]`) || jsonField(t, body, "tariffId") != e.A.Tariff {
			t.Fatalf("create partner with groups and tariff: %d %s", st, body)
		}
		id := jsonField(t, body, "id")
		st, body = e.do("PATCH", "/api/v1/ocpi-partners/"+id, `{"chargerGroupIds":["`+depot+`","`+e.A.Group+`","`+depot+`"]}`, admin)
		if st != 200 || !strings.Contains(string(body), `"chargerGroupIds":[`) || strings.Count(string(body), depot) != 1 {
			t.Errorf("set groups: %d %s", st, body)
		}
		if st, body = e.do("GET", "/api/v1/ocpi-partners/"+id, "", e.tokens["A/cpo-staff"]); st != 200 || strings.Count(string(body), depot) != 1 ||
			jsonField(t, body, "tariffId") != e.A.Tariff {
			t.Errorf("read back: %d %s", st, body)
		}
		st, body = e.do("PATCH", "/api/v1/ocpi-partners/"+id, `{"chargerGroupIds":[],"tariffId":""}`, admin)
		if st != 200 || !strings.Contains(string(body), `"chargerGroupIds":[]`) || strings.Contains(string(body), `"tariffId"`) {
			t.Errorf("lift the limits: %d %s", st, body)
		}
		for field, patch := range map[string]string{"chargerGroupIds": `{"chargerGroupIds":["chg_nope"]}`, "tariffId": `{"tariffId":"trf_nope"}`} {
			st, body = e.do("PATCH", "/api/v1/ocpi-partners/"+id, patch, admin)
			if st/100 != 4 || jsonField(t, errorOf(t, body), "field") != field {
				t.Errorf("unknown %s: %d %s", field, st, body)
			}
		}
	})
}

// TestSiteOpeningHoursAPI sets a site's opening hours (published over
// OCPI): PATCH with openingHours, read back, [] for 24/7, a bad period
// named by its field.
func TestSiteOpeningHoursAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		admin := e.tokens["A/cpo-admin"]
		st, body := e.do("PATCH", "/api/v1/sites/"+e.A.Site, `{"openingHours":[{"weekday":1,"begin":"08:00","end":"18:00"}]}`, admin)
		if st != 200 || !strings.Contains(string(body), `"openingHours":[{"weekday":1,"begin":"08:00","end":"18:00"}]`) {
			t.Fatalf("set hours: %d %s", st, body)
		}
		if st, body = e.do("GET", "/api/v1/sites/"+e.A.Site, "", admin); st != 200 || !strings.Contains(string(body), `"begin":"08:00"`) {
			t.Errorf("read back: %d %s", st, body)
		}
		st, body = e.do("PATCH", "/api/v1/sites/"+e.A.Site, `{"openingHours":[{"weekday":8,"begin":"08:00","end":"18:00"}]}`, admin)
		if st/100 != 4 || jsonField(t, errorOf(t, body), "field") != "openingHours" {
			t.Errorf("bad weekday: %d %s", st, body)
		}
		if st, body = e.do("PATCH", "/api/v1/sites/"+e.A.Site, `{"openingHours":[]}`, admin); st != 200 || !strings.Contains(string(body), `"openingHours":[]`) {
			t.Errorf("24/7 again: %d %s", st, body)
		}
	})
}
