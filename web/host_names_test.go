package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

type portalDNS map[string][]string

func (d portalDNS) LookupTXT(_ context.Context, name string) ([]string, error) {
	if r, ok := d[name]; ok {
		return r, nil
	}
	return nil, errors.New("no such host")
}

// TestThemeFormGuardsHostNames is issue #10 item 2 in the portal: the
// theme form refuses the platform's host names, a theme never applies on
// them, and a CPO admin claims and verifies its own name on the CPO page
// before the theme takes it.
func TestThemeFormGuardsHostNames(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		dns := portalDNS{}
		f := newFixture(t, db, func(c *AdminConfig) { c.HostNames = c.Hierarchy.(volt.HostNameService) })
		f.hier.PlatformHosts, f.hier.Resolver = []string{"volt.portal.test"}, dns
		c := f.client()
		c.login("admin@spark.test")
		form := func(hosts string) url.Values {
			return url.Values{"name": {"Spark Networks"}, "currency": {"GBP"}, "whitelabel": {"on"}, "displayName": {"Evil"},
				"primaryColor": {"#123456"}, "accentColor": {"#654321"}, "hostNames": {hosts}}
		}
		for _, h := range []string{"localhost", "127.0.0.1", "volt.portal.test"} {
			res := c.post("/admin/cpos/"+f.cpo.ID, form("charge.spark.test\n"+h))
			if res.status != http.StatusBadRequest {
				t.Errorf("theme with %s: %d", h, res.status)
			}
			wantContains(t, "reserved "+h, res.body, "is reserved for the platform")
		}
		themed := f.client()
		themed.host = "localhost"
		wantMissing(t, "platform login", themed.get("/admin/login").body, "Evil")

		res := c.post("/admin/cpos/"+f.cpo.ID, form("charge.spark.test\nportal.spark.example"))
		wantContains(t, "unverified", res.body, "is not verified for this CPO")
		res = c.post("/admin/cpos/"+f.cpo.ID+"/host-names", url.Values{"hostName": {"portal.spark.example"}})
		page := c.get(res.header.Get("Location"))
		wantContains(t, "claimed", page.body, "_volt-challenge.portal.spark.example", "waiting for the record")
		claims, err := f.hier.FindHostNameClaims(sysCtx(), f.cpo.ID)
		must(t, err)
		dns["_volt-challenge.portal.spark.example"] = []string{claims[0].TXTValue}
		res = c.post("/admin/cpos/"+f.cpo.ID+"/host-names/portal.spark.example/verify", url.Values{})
		wantContains(t, "verified", c.get(res.header.Get("Location")).body, "is verified")
		if res := c.post("/admin/cpos/"+f.cpo.ID, form("charge.spark.test\nportal.spark.example")); res.status != http.StatusSeeOther {
			t.Fatalf("theme with the verified name: %d %s", res.status, excerpt(res.body))
		}
		themed.host = "portal.spark.example"
		wantContains(t, "own theme", themed.get("/admin/login").body, "Evil")
	})
}
