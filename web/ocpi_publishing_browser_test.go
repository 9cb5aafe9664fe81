package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/web/webtest"
)

// TestBrowserOCPIPublishing limits an eMSP partner to one charger group
// and gives it a roaming tariff on its portal page (issue 14); an excluded
// group is marked as never published; "every group" lifts the limit.
func TestBrowserOCPIPublishing(t *testing.T) {
	webtest.Chromium(t)
	db := storetest.SQLite(t)
	ocpiStore := store.NewOCPIService(db)
	f := newFixture(t, db, func(c *AdminConfig) { c.OCPIPartners = ocpiStore })
	ctx := sysCtx()
	depot := &volt.ChargerGroup{SiteID: f.site.ID, Name: "Depot", OCPIExcluded: true}
	must(t, f.hier.CreateChargerGroup(ctx, depot))
	tr := &volt.Tariff{CPOID: f.cpo.ID, Name: "Roaming NL", Currency: "GBP", VATRate: volt.MustDecimal("0.20"), EnergyPricePerKWh: volt.MustDecimal("0.60")}
	must(t, store.NewTariffService(db).CreateTariff(ctx, tr))
	p := &volt.OCPIPartner{CPOID: f.cpo.ID, Name: "Roam NL", CountryCode: "NL", PartyID: "RNL", Role: volt.OCPIRoleEMSP}
	_, err := ocpiStore.CreateOCPIPartner(ctx, p)
	must(t, err)

	b := newBrowser(t, f.srv.URL)
	b.login("admin@spark.test")
	page := "/admin/ocpi-partners/" + p.ID
	b.Run("open partner", b.open(page), chromedp.WaitVisible(chromedp.CSS(`#ocpi-publishing`)))
	if txt := value(b, "form", chromedp.Text(chromedp.CSS(`#ocpi-publishing`))); !strings.Contains(txt, "never published: excluded from OCPI") {
		t.Errorf("publishing form %q", txt)
	}
	b.checkA11y("ocpi partner publishing")
	b.Run("limit and price",
		chromedp.Click(chromedp.CSS(`#ocpi-publishing input[name=scope][value=some]`)),
		chromedp.Click(chromedp.CSS(`#ocpi-publishing input[value="`+f.group.ID+`"]`)),
		chromedp.SetValue(chromedp.CSS(`#tariffId`), tr.ID),
		chromedp.Click(chromedp.CSS(`#ocpi-publishing button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	got, err := ocpiStore.FindOCPIPartnerSystem(ctx, p.ID)
	must(t, err)
	if len(got.ChargerGroupIDs) != 1 || got.ChargerGroupIDs[0] != f.group.ID || got.TariffID != tr.ID {
		t.Fatalf("after saving: groups %v, tariff %q", got.ChargerGroupIDs, got.TariffID)
	}
	b.Run("every group",
		chromedp.Click(chromedp.CSS(`#ocpi-publishing input[name=scope][value=all]`)),
		chromedp.Click(chromedp.CSS(`#ocpi-publishing button[type=submit]`)))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) { // the form's answer, polled
		got, err = ocpiStore.FindOCPIPartnerSystem(ctx, p.ID)
		must(t, err)
		if len(got.ChargerGroupIDs) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the limit is not lifted: groups %v", got.ChargerGroupIDs)
		}
	}
	if got.TariffID != tr.ID {
		t.Errorf("after lifting the limit: tariff %q", got.TariffID)
	}
}
