package web

import (
	"testing"

	"github.com/chromedp/chromedp"
	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/web/webtest"
)

// TestBrowserSiteEnergyPage opens a managed site's energy page in Chromium
// and runs axe-core on it.
func TestBrowserSiteEnergyPage(t *testing.T) {
	webtest.Chromium(t)
	db := storetest.SQLite(t)
	lm := store.NewLoadManagementService(db)
	f := newFixture(t, db, func(c *AdminConfig) { c.LoadManagement, c.LoadStatus = lm, siteLoad{} })
	must(t, lm.SetLoadManagement(sysCtx(), &volt.LoadManagement{SiteID: f.site.ID, Mode: volt.LoadModeDynamic,
		SupplyLimitA: 63, Phases: 3, FallbackLimitA: 20}))
	must(t, lm.RecordMeterReading(sysCtx(), &volt.SiteMeterReading{SiteID: f.site.ID, CurrentA: []float64{20, 18.5, 22}}))
	b := newBrowser(t, f.srv.URL)
	b.login("admin@spark.test")
	b.Run("open energy page", b.open("/admin/sites/"+f.site.ID+"/energy"), chromedp.WaitVisible(chromedp.CSS(`#lm-outlets`)))
	b.checkA11y("site energy")
}
