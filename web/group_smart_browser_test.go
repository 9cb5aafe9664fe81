package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/web/webtest"
)

// TestBrowserGroupSmartCharging (issue 15 item 6): an admin reaches a
// charger group's smart charging page from the group, turns off-peak on
// with a peak window and a randomised delay; a delay above 600 s is refused
// naming the field, and the corrected form is saved and shown again.
func TestBrowserGroupSmartCharging(t *testing.T) {
	webtest.Chromium(t)
	db := storetest.SQLite(t)
	sc := store.NewSmartChargingService(db)
	f := newFixture(t, db, func(c *AdminConfig) { c.SmartCharging = sc })
	// Smart charging is applied by the site's load management: on first.
	must(t, store.NewLoadManagementService(db).SetLoadManagement(sysCtx(), &volt.LoadManagement{SiteID: f.site.ID,
		Mode: volt.LoadModeStatic, SupplyLimitA: 63, Phases: 3, FallbackLimitA: 16}))
	b := newBrowser(t, f.srv.URL)
	b.login("admin@spark.test")
	b.Run("open group", b.open("/admin/charger-groups/"+f.group.ID), chromedp.WaitVisible(chromedp.CSS(`a[href$="/smart-charging"]`)))
	b.Run("open smart charging", chromedp.Click(chromedp.CSS(`a[href$="/smart-charging"]`)), chromedp.WaitVisible(chromedp.CSS(`#peakWindows`)))
	b.checkA11y("group smart charging")
	b.Run("too long a delay",
		chromedp.Click(chromedp.CSS(`#offPeakDefault`)),
		chromedp.SendKeys(chromedp.CSS(`#peakWindows`), "17:00-20:00 1,2,3,4,5 8A\n07:30-09:00"),
		chromedp.SetValue(chromedp.CSS(`#randomDelayMaxS`), "900"),
		chromedp.SetValue(chromedp.CSS(`#timeZone`), "Europe/London"),
		// The browser's own max check is not the server's: submit anyway.
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#randomDelayMaxS').removeAttribute('max')`),
		chromedp.Click(chromedp.CSS(`form[action$="/smart-charging"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#smart-error`)))
	if msg := value(b, "read error", chromedp.Text(chromedp.CSS(`#smart-error`))); !strings.Contains(msg, "randomDelayMaxS") {
		t.Fatalf("error %q does not name randomDelayMaxS", msg)
	}
	if got, _ := sc.FindSmartCharging(sysCtx(), f.group.ID); got.OffPeakDefault || got.RandomDelayMaxS != 0 {
		t.Fatalf("a refused form changed the setting: %+v", got)
	}
	b.Run("fix and save",
		chromedp.SetValue(chromedp.CSS(`#randomDelayMaxS`), "300"),
		chromedp.Click(chromedp.CSS(`form[action$="/smart-charging"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-ok`)))
	got, err := sc.FindSmartCharging(sysCtx(), f.group.ID)
	if err != nil || !got.OffPeakDefault || got.RandomDelayMaxS != 300 || got.TimeZone != "Europe/London" || len(got.PeakWindows) != 2 {
		t.Fatalf("saved %+v, %v", got, err)
	}
	if w := got.PeakWindows[0]; w.From != "17:00" || w.To != "20:00" || len(w.Days) != 5 || w.LimitA != 8 {
		t.Fatalf("first window %+v", w)
	}
	if w := got.PeakWindows[1]; w.From != "07:30" || w.To != "09:00" || len(w.Days) != 0 || w.LimitA != 0 {
		t.Fatalf("second window %+v", w)
	}
	text := value(b, "read windows", chromedp.Value(chromedp.CSS(`#peakWindows`)))
	if !strings.Contains(text, "17:00-20:00 1,2,3,4,5 8A") || !strings.Contains(text, "07:30-09:00") {
		t.Fatalf("windows shown %q", text)
	}
	b.checkA11y("group smart charging saved")
}
