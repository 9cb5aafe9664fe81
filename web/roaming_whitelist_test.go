package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/web/webtest"
)

// whitelistFixture is the portal with roaming whitelists wired and a
// driver with one card.
func whitelistFixture(t *testing.T) (*fixture, *store.OCPIService, *volt.User, *volt.RFIDCard) {
	t.Helper()
	db := storetest.SQLite(t)
	ocpiStore := store.NewOCPIService(db)
	f := newFixture(t, db, func(c *AdminConfig) { c.RoamingWhitelists = ocpiStore })
	driver := f.user("nev@spark.test", volt.RoleDriver)
	card := &volt.RFIDCard{UID: "04AB12CD", UserID: driver.ID}
	must(t, f.users.CreateRFIDCard(sysCtx(), card))
	return f, ocpiStore, driver, card
}

// TestRoamingWhitelistPage (issue 14 item 4): the admin sets a driver's
// whitelist to NEVER and a card's back to ALLOWED from the portal; staff
// see the page without a save button, and their post changes nothing (the
// driver's own attempt: TestRoamingWhitelistPerDriver).
func TestRoamingWhitelistPage(t *testing.T) {
	f, ocpiStore, driver, card := whitelistFixture(t)
	page := "/admin/users/" + driver.ID + "/roaming-whitelist"
	admin := f.client()
	admin.login("admin@spark.test")
	if u := admin.get("/admin/users/" + driver.ID); !strings.Contains(u.body, page) {
		t.Errorf("the user page has no link to %s", page)
	}
	if p := admin.get(page); p.status != 200 || !strings.Contains(p.body, `id="whitelist-driver"`) || !strings.Contains(p.body, "04AB12CD") {
		t.Fatalf("whitelist page: %d", p.status)
	}
	if a := admin.post(page, map[string][]string{"whitelist": {"NEVER"}}); a.status != http.StatusSeeOther {
		t.Errorf("set NEVER: %d", a.status)
	}
	if a := admin.post(page, map[string][]string{"whitelist": {"ALLOWED"}, "cardId": {card.ID}}); a.status != http.StatusSeeOther {
		t.Errorf("set the card ALLOWED: %d", a.status)
	}
	w, err := ocpiStore.FindRoamingWhitelist(sysCtx(), driver.ID)
	must(t, err)
	if w.Whitelist != volt.WhitelistNever || len(w.Cards) != 1 || w.Cards[0].Whitelist != volt.WhitelistAllowed {
		t.Errorf("after the admin's posts: %+v", w)
	}
	if p := admin.get(page); !strings.Contains(p.body, `<span data-effective>NEVER</span>`) {
		t.Errorf("the page does not show NEVER")
	}
	staff := f.client()
	staff.login("staff@spark.test")
	if p := staff.get(page); p.status != 200 || strings.Contains(p.body, `<button type="submit">Save</button>`) {
		t.Errorf("staff page: %d, offers saving", p.status)
	}
	staff.post(page, map[string][]string{"whitelist": {"ALWAYS"}})
	if w, _ := ocpiStore.FindRoamingWhitelist(sysCtx(), driver.ID); w.Whitelist != volt.WhitelistNever {
		t.Errorf("staff changed the whitelist to %s", w.Whitelist)
	}
}

// TestBrowserRoamingWhitelist sets a driver to NEVER in the portal and
// checks the page with axe (issue 14 item 4).
func TestBrowserRoamingWhitelist(t *testing.T) {
	webtest.Chromium(t)
	f, ocpiStore, driver, _ := whitelistFixture(t)
	b := newBrowser(t, f.srv.URL)
	b.login("admin@spark.test")
	b.Run("open the whitelist", b.open("/admin/users/"+driver.ID+"/roaming-whitelist"), chromedp.WaitVisible(chromedp.CSS(`#wl-driver`)))
	b.checkA11y("roaming whitelist")
	b.Run("set NEVER", chromedp.SetValue(chromedp.CSS(`#wl-driver`), "NEVER"),
		chromedp.Click(chromedp.CSS(`#whitelist-driver button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	if e := strings.TrimSpace(value(b, "effective", chromedp.Text(chromedp.CSS(`#whitelist-driver [data-effective]`)))); e != volt.WhitelistNever {
		t.Errorf("driver's whitelist shown %q, want NEVER", e)
	}
	if e := strings.TrimSpace(value(b, "card", chromedp.Text(chromedp.CSS(`#whitelist-cards [data-effective]`)))); e != volt.WhitelistNever {
		t.Errorf("card's whitelist shown %q, want NEVER (the driver's)", e)
	}
	if w, err := ocpiStore.FindRoamingWhitelist(sysCtx(), driver.ID); err != nil || w.Whitelist != volt.WhitelistNever {
		t.Errorf("stored %+v %v", w, err)
	}
}
