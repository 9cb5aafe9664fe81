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

// TestBrowserPhonePortal: at a phone's viewport the navigation folds
// behind the Menu button, and the header (brand, a long user name, Sign
// out) fits without overlapping or scrolling sideways.
func TestBrowserPhonePortal(t *testing.T) {
	webtest.Chromium(t)
	f := newFixture(t, storetest.SQLite(t))
	email := "alexandra.longname-operator@spark-networks-charging.test"
	f.user(email, volt.RoleAdmin)
	b := &browser{base: f.srv.URL, Browser: webtest.NewBrowser(t, webtest.Options{Width: 390, Height: 844, Mobile: true,
		Timeout: 2 * time.Minute, StepTimeout: 30 * time.Second, ShotPrefix: "volt-web-phone-", ShotQuality: 90})}
	b.login(email)
	b.Run("menu shown, navigation folded", chromedp.WaitVisible(chromedp.CSS(`.menu-toggle`)), chromedp.WaitNotVisible(chromedp.CSS(`#main-nav`)))
	overlap := value(b, "header overlap", chromedp.Evaluate[bool](`(() => {
		const r = s => document.querySelector(s).getBoundingClientRect();
		const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
		const brand = r('.topbar .brand span'), who = r('.topbar .who'), menu = r('.menu-toggle'), out = r('.topbar form.logout button');
		return hit(brand, who) || hit(brand, menu) || hit(menu, who) || hit(who, out) || hit(brand, out);
	})()`))
	if overlap {
		b.Screenshot("header overlaps")
		t.Error("the header's parts overlap at a phone's width")
	}
	wide := value(b, "page width", chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
	if wide {
		b.Screenshot("page wider than the phone")
		t.Error("the dashboard scrolls sideways on a phone")
	}
	b.checkA11y("phone dashboard")
	b.Run("open the menu", chromedp.Click(chromedp.CSS(`.menu-toggle`)), chromedp.WaitVisible(chromedp.CSS(`#main-nav a[href="/admin/chargers"]`)))
	if exp := value(b, "expanded", chromedp.Evaluate[string](`document.querySelector('.menu-toggle').getAttribute('aria-expanded')`)); exp != "true" {
		t.Errorf("aria-expanded %q after opening", exp)
	}
	b.checkA11y("phone menu open")
	b.Run("go", chromedp.Click(chromedp.CSS(`#main-nav a[href="/admin/chargers"]`)), chromedp.WaitVisible(chromedp.CSS(`main h1`)),
		chromedp.WaitNotVisible(chromedp.CSS(`#main-nav`)))
}

// TestBrowserNewPagesAreAccessible runs axe-core on the pages this wave
// adds that the other browser tests do not open: the first sign-in's
// password page, the new-ticket form and the quarterly contact report.
func TestBrowserNewPagesAreAccessible(t *testing.T) {
	webtest.Chromium(t)
	db := storetest.SQLite(t)
	f := newFixture(t, db, withSupport(db))
	f.user("first@spark.test", volt.RoleAdmin)
	must(t, store.RequirePasswordChange(context.Background(), db, "first@spark.test"))
	b := newBrowser(t, f.srv.URL)
	b.login("admin@spark.test")
	for _, p := range []string{"/admin/tickets/new", "/admin/helpline/report", "/admin/sites", "/admin/rfid-cards"} {
		b.Run("open "+p, b.open(p), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
		b.checkA11y(p)
	}
	b2 := newBrowser(t, f.srv.URL)
	b2.Run("sign in with a one-time password", b2.open("/admin/login"), chromedp.WaitVisible(chromedp.CSS(`#email`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), "first@spark.test"),
		chromedp.SendKeys(chromedp.CSS(`#password`), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/admin/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/password"]`)))
	b2.checkA11y("first sign-in password")
}
