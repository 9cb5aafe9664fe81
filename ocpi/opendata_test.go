package ocpi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/ocpischema"
	"github.com/volt-ev/volt/ocpi"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestOpenDataFeed reads GET /api/v1/open-data/locations without any
// credentials (issue 17 item 4): published chargers of every CPO with an
// OCPI party, in OCPI Locations (validated), the Public price including
// VAT in pence per kWh, paged by walking every Link, an ETag that answers
// 304 until the data changes, and never a private group's charger.
func TestOpenDataFeed(t *testing.T) {
	spec := ocpischema.Load(t)
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		v := newVolt(t, db, spec, "A Power", "GB", "AAA")
		sites := map[string]bool{}
		var public []string
		for _, name := range []string{"One", "Two", "Three"} {
			id, cpids := v.site(t, v.cpo, name, false, 1)
			sites[id] = true
			public = append(public, cpids...)
		}
		privSite, privCPIDs := v.site(t, v.cpo, "Private", true, 1)
		noParty := &volt.CPO{Name: "No party"}
		must(t, v.hierarchy.CreateCPO(sys(), noParty))
		v.site(t, noParty.ID, "Unpublished", false, 1)

		seen := map[string]bool{}
		next := v.http.URL + "/api/v1/open-data/locations?limit=1"
		pages := 0
		for next != "" && pages < 10 {
			pages++
			resp, err := http.Get(next)
			must(t, err)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("ETag") == "" || !strings.Contains(resp.Header.Get("Cache-Control"), "public") ||
				resp.Header.Get("X-Total-Count") != "3" || resp.Header.Get("X-Limit") != "1" {
				t.Fatalf("page %d: %d %v", pages, resp.StatusCode, resp.Header)
			}
			st, _, env := call(t, "GET", next, "", nil)
			if st != 200 {
				t.Fatalf("page %d: %d", pages, st)
			}
			for _, raw := range env["data"].([]any) {
				l := raw.(map[string]any)
				seen[l["id"].(string)] = true
				conn := l["evses"].([]any)[0].(map[string]any)["connectors"].([]any)[0].(map[string]any)
				if conn["x_volt_price_incl_vat_per_kwh_minor"] != "45.6" {
					t.Errorf("price of %s: %v", l["id"], conn)
				}
			}
			next = ""
			if link := resp.Header.Get("Link"); link != "" {
				next = strings.TrimSuffix(strings.TrimPrefix(strings.Split(link, ";")[0], "<"), ">")
				if !strings.Contains(next, "limit=1") {
					t.Errorf("Link lost the limit: %s", link)
				}
			}
		}
		if len(seen) != 3 || pages != 3 {
			t.Errorf("walked %d pages, saw %v, want the 3 public sites %v", pages, seen, sites)
		}
		if seen[privSite] {
			t.Error("a private group's site is in the open data feed")
		}

		// ETag: 304 while nothing changed; a status change is a new ETag
		// once the cache has aged (a fresh feed here).
		resp, err := http.Get(v.http.URL + "/api/v1/open-data/locations")
		must(t, err)
		resp.Body.Close()
		etag := resp.Header.Get("ETag")
		req, _ := http.NewRequest("GET", v.http.URL+"/api/v1/open-data/locations", nil)
		req.Header.Set("If-None-Match", etag)
		resp, err = http.DefaultClient.Do(req)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match with the current ETag: %d", resp.StatusCode)
		}
		fresh := &ocpi.OpenData{Server: v.srv, MaxAge: time.Nanosecond}
		get := func() (string, string) {
			rec := httptest.NewRecorder()
			fresh.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/open-data/locations", nil))
			return rec.Header().Get("ETag"), rec.Body.String()
		}
		before, _ := get()
		if again, _ := get(); again != before {
			t.Errorf("the ETag changed without a change: %s, %s", before, again)
		}
		must(t, v.charging.RecordStatus(sys(), volt.StatusReport{CPID: public[0], ConnectorID: 1, Status: volt.StatusFaulted,
			ErrorCode: "GroundFailure", At: time.Now().Add(time.Minute)}))
		after, body := get()
		if after == before || !strings.Contains(body, `"OUTOFORDER"`) {
			t.Errorf("after a fault: ETag %s (was %s), body has OUTOFORDER: %v", after, before, strings.Contains(body, "OUTOFORDER"))
		}
		for _, cpid := range privCPIDs {
			if strings.Contains(body, cpid) {
				t.Errorf("private charger %s in the feed", cpid)
			}
		}
	})
}
