package app

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	volt "github.com/volt-ev/volt"
)

// TestBrowserPrivateCharger (issue #11 item 14): a private charger says
// "This charger is private" and how to get access, and nothing else about
// it (no name, location or price); an unknown number keeps its own message;
// with the affiliate code the driver sees the charger and its price.
func TestBrowserPrivateCharger(t *testing.T) {
	s := newStack(t)
	f, ctx := s.f, sysCtx()
	site := &volt.Site{OwnerID: f.group.OwnerID, Name: "Hidden Yard", Latitude: 51.46, Longitude: -2.6, Address: volt.Address{Line1: "7 Secret Lane", City: "Bath"}}
	must(t, f.hier.CreateSite(ctx, site))
	g := &volt.ChargerGroup{SiteID: site.ID, Name: "Staff bays", Private: true}
	must(t, f.hier.CreateChargerGroup(ctx, g))
	ug := &volt.Usergroup{Name: "Staff", Role: volt.RoleDriver, CPOID: f.cpo.ID, Private: true}
	must(t, f.users.CreateUsergroup(ctx, ug))
	must(t, f.users.CreateAffiliateCode(ctx, &volt.AffiliateCode{Code: "YARD2026", UsergroupID: ug.ID}))
	tr := &volt.Tariff{CPOID: f.cpo.ID, Name: "Staff", Currency: "GBP", VATRate: volt.MustDecimal("0.20"), EnergyPricePerKWh: volt.MustDecimal("0.19")}
	must(t, f.tariffs.CreateTariff(ctx, tr))
	must(t, f.tariffs.CreateTariffAssignment(ctx, &volt.TariffAssignment{TariffID: tr.ID, UsergroupID: ug.ID, ChargerGroupID: g.ID}))
	cr, err := f.chargers.CreateCharger(ctx, &volt.Charger{ChargerGroupID: g.ID, Name: "Yard post"}, 2)
	must(t, err)

	b := newBrowser(t)
	spark := fmt.Sprintf(s.base, "charge.spark.test")
	body := func(step string) string { return value(b, step, chromedp.Evaluate[string](`document.body.innerText`)) }
	b.Run("the list", chromedp.Navigate(spark+"/app/"), chromedp.WaitVisible(chromedp.CSS(`#cpid`)))
	b.submit("type the private charger's number",
		chromedp.SendKeys(chromedp.CSS(`#cpid`), cr.CPID), chromedp.Click(chromedp.CSS(`form.cpid button`)))
	b.Run("private page", chromedp.WaitVisible(chromedp.CSS(`#private-h`)))
	page := body("private page")
	if !strings.Contains(page, "This charger is private") || !strings.Contains(page, "affiliate code") {
		t.Errorf("private page says:\n%s", page)
	}
	for _, secret := range []string{"Hidden Yard", "Secret Lane", "Bath", "Yard post", "Staff bays", "£", "0.19", "Start charging"} {
		if strings.Contains(page, secret) {
			t.Errorf("the private page reveals %q", secret)
		}
	}
	b.checkPage("private charger")

	b.Run("the list again", chromedp.Navigate(spark+"/app/"), chromedp.WaitVisible(chromedp.CSS(`#cpid`)))
	b.submit("an unknown number",
		chromedp.SendKeys(chromedp.CSS(`#cpid`), "999999"), chromedp.Click(chromedp.CSS(`form.cpid button`)))
	if got := b.text("unknown", ".error"); got != "No charger has the number 999999. Check the sticker and try again." {
		t.Errorf("unknown number says %q", got)
	}

	b.Run("the register form", chromedp.Navigate(spark+"/app/register?next=/app/account"), chromedp.WaitVisible(chromedp.CSS(`#name`)))
	b.submit("register",
		chromedp.SendKeys(chromedp.CSS(`#name`), "Yara"), chromedp.SendKeys(chromedp.CSS(`#email`), "yara@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#password`), testPassword), chromedp.Click(chromedp.CSS(`form[action="/app/register"] button`)))
	b.submit("enter the affiliate code", chromedp.SendKeys(chromedp.CSS(`#code`), "yard2026"),
		chromedp.Click(chromedp.CSS(`form[action="/app/account/affiliate"] button`)))
	b.Run("the charger opens to the driver", chromedp.Navigate(spark+"/app/c/"+cr.CPID), chromedp.WaitVisible(chromedp.CSS(`#price-h`)))
	page = body("charger page")
	if !strings.Contains(page, "Yard post") || !strings.Contains(page, "£0.19 per kWh") {
		t.Errorf("with the code the charger page says:\n%s", page)
	}
}
