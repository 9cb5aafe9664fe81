package web

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/web/webtest"
)

// TestBrowserReliabilityPage opens November 2025 of a charger whose
// connector 1 was Faulted for 12 hours (AFIR 1428/1440 h = 99.17 % over its
// two EVSEs), refuses an exclusion without evidence, then excludes 6 of
// those hours for vandalism with a police reference: the UK figure becomes
// 1434/1440 h = 99.58 %. axe-core runs on the page.
func TestBrowserReliabilityPage(t *testing.T) {
	webtest.Chromium(t)
	db := storetest.SQLite(t)
	f := newFixture(t, db, func(c *AdminConfig) { c.Reliability = store.NewReliabilityService(db) })
	cr := f.onboard(2)
	_, err := db.Exec(context.Background(), `UPDATE chargers SET created_at = 0 WHERE cpid = ?`, cr.CPID)
	must(t, err)
	for _, st := range []struct {
		s  volt.ConnectorStatus
		at time.Time
	}{{volt.StatusFaulted, time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC)}, {volt.StatusAvailable, time.Date(2025, 11, 3, 12, 0, 0, 0, time.UTC)}} {
		must(t, f.charging.RecordStatus(sysCtx(), volt.StatusReport{CPID: cr.CPID, ConnectorID: 1, Status: st.s, At: st.at}))
	}
	b := newBrowser(t, f.srv.URL)
	b.login("admin@spark.test")
	b.Run("open reliability", b.open("/admin/reliability?cpoId="+f.cpo.ID+"&month=2025-11"), chromedp.WaitVisible(chromedp.CSS(`#reliability-evses`)))
	if got := value(b, "network AFIR", chromedp.Text(chromedp.CSS(`#network-afir`))); got != "99.17 %" {
		t.Errorf("network AFIR %q, want 99.17 %%", got)
	}
	b.checkA11y("reliability")
	fill := func(evidence string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{
			chromedp.SetValue(chromedp.CSS(`#ex-cpid`), cr.CPID),
			chromedp.SetValue(chromedp.CSS(`#ex-connector`), "1"),
			chromedp.SetValue(chromedp.CSS(`#ex-reason`), "vandalism"),
			chromedp.SetValue(chromedp.CSS(`#ex-from`), "2025-11-03T00:00"),
			chromedp.SetValue(chromedp.CSS(`#ex-to`), "2025-11-03T06:00"),
			chromedp.SetValue(chromedp.CSS(`#ex-evidence`), evidence),
			chromedp.Click(chromedp.CSS(`#exclusion-form button[type=submit]`)),
		}
	}
	b.Run("exclude without evidence", append(fill("   "), chromedp.WaitVisible(chromedp.CSS(`#ex-evidence[aria-invalid="true"]`)))...)
	wantContains(t, "refusal", value(b, "refusal", chromedp.Text(chromedp.CSS(`p[role=alert]`))), "evidence")
	b.Run("exclude with evidence", append(fill("Police ref 55/1234"), chromedp.WaitVisible(chromedp.CSS(`#reliability-exclusions`)))...)
	if got := value(b, "network UK", chromedp.Text(chromedp.CSS(`#network-uk`))); got != "99.58 %" {
		t.Errorf("network UK %q after the exclusion, want 99.58 %%", got)
	}
	b.checkA11y("reliability with an exclusion")
}
