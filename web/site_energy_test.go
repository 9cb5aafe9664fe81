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

// siteLoad is a live allocation for the page.
type siteLoad struct{}

func (siteLoad) SiteLoad(siteID string) (*volt.SiteLoad, bool) {
	return &volt.SiteLoad{SiteID: siteID, Mode: volt.LoadModeDynamic, Outlets: []volt.LoadAllocation{
		{CPID: "000042", ConnectorID: 1, SessionID: "ses_1", CurrentA: 0, Phases: 3, Reason: "queued"}}}, true
}

func (siteLoad) OutletLoad(string, int) (*volt.LoadAllocation, bool) { return nil, false }

// TestSiteEnergyPage: an admin sets the site's model on its energy page and
// sees the allocation and the fallback warning; a refused model names its
// field; staff see the page but cannot save.
func TestSiteEnergyPage(t *testing.T) {
	db := storetest.SQLite(t)
	lm := store.NewLoadManagementService(db)
	f := newFixture(t, db, func(c *AdminConfig) { c.LoadManagement, c.LoadStatus = lm, siteLoad{} })
	c := f.client()
	c.login("admin@spark.test")
	page := "/admin/sites/" + f.site.ID + "/energy"
	res := c.get(page)
	if res.status != http.StatusOK || !strings.Contains(res.body, `id="lm-mode">off`) {
		t.Fatalf("energy page: %d %s", res.status, res.body)
	}
	if !strings.Contains(c.get("/admin/sites/"+f.site.ID).body, page) {
		t.Error("the site page does not link its energy page")
	}
	res = c.post(page, url.Values{"model": {`{"mode":"dynamic","supplyLimitA":63,"phases":3,"fallbackLimitA":20,
		"circuits":[{"id":"feed","limitA":40},{"id":"bay","parentId":"feed","limitA":50}]}`}})
	if res.status != http.StatusBadRequest || !strings.Contains(res.body, "circuits[1].limitA") {
		t.Fatalf("circuit above its parent: %d, want 400 naming circuits[1].limitA: %s", res.status, res.body)
	}
	res = c.post(page, url.Values{"model": {`{"mode":"dynamic","supplyLimitA":63,"phases":3,"fallbackLimitA":20}`}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", res.status, res.body)
	}
	res = c.get(page)
	for _, want := range []string{`id="lm-mode">dynamic`, "63 A per phase", "No recent meter reading", "queued", "000042"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("energy page lacks %q", want)
		}
	}
	staff := f.client()
	staff.login("staff@spark.test")
	if res := staff.get(page); res.status != http.StatusOK || !strings.Contains(res.body, "<fieldset disabled>") {
		t.Errorf("staff energy page: %d, want read-only", res.status)
	}
	if res := staff.post(page, url.Values{"model": {`{"mode":"off"}`}}); res.status != http.StatusForbidden {
		t.Errorf("staff save: %d, want 403", res.status)
	}
}
