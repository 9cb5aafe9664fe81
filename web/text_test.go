package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestPortalRefusesControlCharacters: a NUL in a form field or a search
// answers 400 naming the field, and nothing is stored, on both engines
// (PostgreSQL answered 500, SQLite stored it); a textarea's lines pass.
func TestPortalRefusesControlCharacters(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c := f.client()
		c.login("admin@spark.test")
		c.get("/admin/sites")
		res := c.post("/admin/sites", url.Values{"ownerId": {f.owner.ID}, "name": {"Dock\x00Road"}, "latitude": {"51.5"}, "longitude": {"-0.1"}})
		if res.status != http.StatusBadRequest {
			t.Fatalf("NUL in a site name: %d", res.status)
		}
		wantContains(t, "field named", res.body, "The field name contains the control character U&#43;0000")
		sites, _, err := f.hier.FindSites(sysCtx(), volt.Filter{Page: volt.Page{Limit: 100}})
		must(t, err)
		for _, s := range sites {
			if s.Name != "Quay Street" {
				t.Errorf("site stored: %q", s.Name)
			}
		}
		if res := c.get("/admin/helpline?q=%00"); res.status != http.StatusBadRequest || !strings.Contains(res.body, "The field q contains") {
			t.Errorf("NUL in a search: %d", res.status)
		}
		if res := c.get("/admin/chargers?q=abc%FF"); res.status != http.StatusBadRequest || !strings.Contains(res.body, "not valid UTF-8") {
			t.Errorf("invalid UTF-8 in a search: %d", res.status)
		}
	})
}
