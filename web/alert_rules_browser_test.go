package web

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/web/webtest"
)

// TestBrowserAlertRulesLinked: the rules form sets the reliability target
// and the ticket breach and security event rules, and shows them again.
func TestBrowserAlertRulesLinked(t *testing.T) {
	webtest.Chromium(t)
	db := storetest.SQLite(t)
	al := store.NewAlertService(db)
	f := newFixture(t, db, func(c *AdminConfig) { c.Alerts = al })
	b := newBrowser(t, f.srv.URL)
	b.login("admin@spark.test")
	b.Run("open alerts", b.open("/admin/alerts"), chromedp.WaitVisible(chromedp.CSS(`#reliabilityTargetPct`)))
	b.checkA11y("alert rules")
	b.Run("save linked rules", chromedp.SetValue(chromedp.CSS(`#reliabilityTargetPct`), "99.5"),
		chromedp.Click(chromedp.CSS(`input[name=ticketBreaches]`)), chromedp.Click(chromedp.CSS(`input[name=securityEvents]`)),
		chromedp.Click(chromedp.CSS(`form[action="/admin/alerts/rules"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	rules, err := al.FindAlertRules(sysCtx(), f.cpo.ID)
	if err != nil || rules.ReliabilityTargetPct.String() != "99.5" || !rules.TicketBreaches || !rules.SecurityEvents {
		t.Fatalf("rules after saving %+v, %v; want 99.5 %%, ticket breaches and security events", rules, err)
	}
	b.Run("reload", b.open("/admin/alerts"), chromedp.WaitVisible(chromedp.CSS(`#reliabilityTargetPct`)))
	if got := value(b, "read target", chromedp.Value(chromedp.CSS(`#reliabilityTargetPct`))); got != "99.5" {
		t.Fatalf("target shown %q, want 99.5", got)
	}
	checked := value(b, "read boxes", chromedp.Evaluate[bool](
		`document.querySelector('input[name=ticketBreaches]').checked && document.querySelector('input[name=securityEvents]').checked`))
	if !checked {
		t.Fatal("the ticket breach and security event boxes are not checked after saving")
	}
}
