package web

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/web/webtest"
)

// browser is one headless desktop Chromium (webtest.Browser) on the test
// server at base.
type browser struct {
	*webtest.Browser
	base string
}

func newBrowser(t *testing.T, base string) *browser {
	return &browser{base: base, Browser: webtest.NewBrowser(t, webtest.Options{Width: 1280, Height: 900,
		Timeout: 3 * time.Minute, StepTimeout: 30 * time.Second, ShotPrefix: "volt-web-shots-", ShotQuality: 100})}
}

// value runs an action that returns something, failing the test on error.
func value[T any](b *browser, step string, a chromedp.Action[T]) T {
	b.T.Helper()
	return webtest.Value(b.Browser, step, a)
}

// checkA11y runs axe-core on the current page and fails on serious or
// critical violations.
func (b *browser) checkA11y(page string) {
	b.T.Helper()
	if b.Axe(page) > 0 || os.Getenv("VOLT_WEB_SHOTS") != "" {
		b.Screenshot("page " + page) // VOLT_WEB_SHOTS=1 keeps a picture of every page checked
	}
}

func (b *browser) open(path string) chromedp.Action[chromedp.Void] {
	return chromedp.Navigate(b.base + path)
}

func (b *browser) login(email string) {
	b.T.Helper()
	b.Run("open login", b.open("/admin/login"), chromedp.WaitVisible(chromedp.CSS(`#email`)))
	b.Run("sign in as "+email,
		chromedp.SendKeys(chromedp.CSS(`#email`), email),
		chromedp.SendKeys(chromedp.CSS(`#password`), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/admin/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.tiles`)))
}

func TestBrowserAdminFlow(t *testing.T) {
	webtest.Chromium(t)
	f := newFixture(t, storetest.SQLite(t))
	existing := f.onboard(2)
	b := newBrowser(t, f.srv.URL)

	b.Run("open login", b.open("/admin/login"), chromedp.WaitVisible(chromedp.CSS(`#email`)))
	b.checkA11y("login")
	b.login("admin@spark.test")
	b.checkA11y("dashboard")

	// Onboard a charger and read its URL and password.
	b.Run("open onboarding", b.open("/admin/chargers/new"), chromedp.WaitVisible(chromedp.CSS(`#chargerGroupId`)))
	b.checkA11y("onboarding")
	b.Run("onboard",
		chromedp.SetValue(chromedp.CSS(`#chargerGroupId`), f.group.ID),
		chromedp.SendKeys(chromedp.CSS(`#ocppIdentity`), "BROWSER-01"),
		chromedp.SendKeys(chromedp.CSS(`#name`), "Browser bay"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/chargers"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#ocpp-password`)))
	url := value(b, "read URL", chromedp.Text(chromedp.CSS(`#ocpp-url`)))
	password := value(b, "read password", chromedp.Text(chromedp.CSS(`#ocpp-password`)))
	b.checkA11y("onboarded")
	if want := "ws://" + strings.TrimPrefix(f.srv.URL, "http://") + "/ocpp/BROWSER-01"; url != want {
		t.Errorf("OCPP URL %q, want %q", url, want)
	}
	if _, err := f.charging.AuthenticateCharger(context.Background(), "BROWSER-01", strings.TrimSpace(password)); err != nil {
		t.Errorf("the password shown (%q) does not authenticate: %v", password, err)
	}

	// Charger page: a command through htmx (CSRF header), then a live status.
	b.Run("open charger", b.open("/admin/chargers/"+existing.CPID), chromedp.WaitVisible(chromedp.CSS(`#h-cmd`)))
	b.checkA11y("charger")
	b.Run("unlock connector",
		chromedp.SendKeys(chromedp.CSS(`#f-unlock-connector-connectorId`), "1"),
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`), // unlocking asks first
		chromedp.Click(chromedp.CSS(`form[action$="/commands/unlock-connector"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#cmd-result article`)))
	answer := value(b, "read answer", chromedp.Text(chromedp.CSS(`#cmd-result article`)))
	if !strings.Contains(answer, "The charger answered Accepted") {
		t.Errorf("command answer shown: %q", answer)
	}
	b.Run("live stream open", chromedp.WaitVisible(chromedp.Search(`//span[@data-live-note][text()="Live"]`)))
	f.bus.Publish(context.Background(), volt.Event{Type: volt.EventConnectorStatus, CPID: existing.CPID,
		Data: &volt.Connector{CPID: existing.CPID, ConnectorID: 2, Status: volt.StatusFaulted, ErrorCode: "GroundFailure"}})
	b.Run("live status", chromedp.WaitVisible(chromedp.Search(`//tr[@data-connector="2"]//span[text()="Faulted"]`)))

	b.Run("open network", b.open("/admin/network"), chromedp.WaitVisible(chromedp.CSS(`.leaflet-marker-icon`)))
	b.checkA11y("network")
	for _, p := range []string{"/admin/chargers", "/admin/sessions", "/admin/cpos/" + f.cpo.ID, "/admin/users", "/admin/sites/" + f.site.ID,
		"/admin/usergroups/new", "/admin/tariffs/new", "/admin/tariff-assignments", "/admin/income", "/admin/affiliate-codes"} {
		b.Run("open "+p, b.open(p), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
		b.checkA11y(p)
	}
}

func TestBrowserStaffCannotChangeAnything(t *testing.T) {
	webtest.Chromium(t)
	f := newFixture(t, storetest.SQLite(t))
	b := newBrowser(t, f.srv.URL)
	b.login("staff@spark.test")
	b.checkA11y("staff dashboard")

	b.Run("open group", b.open("/admin/charger-groups/"+f.group.ID), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
	saveButtons := value(b, "count buttons", chromedp.Evaluate[int](`document.querySelectorAll('main button[type=submit]').length`))
	onboardLinks := value(b, "count links", chromedp.Evaluate[int](`document.querySelectorAll('a[href="/admin/chargers/new"]').length`))
	b.checkA11y("staff group page")
	if saveButtons != 0 || onboardLinks != 0 {
		t.Errorf("staff sees %d submit buttons and %d onboarding links", saveButtons, onboardLinks)
	}
	// Bypass the read-only form as a curious user could: the server refuses.
	b.Run("forced save",
		chromedp.Evaluate[chromedp.Void](`(() => { const f = document.querySelector('main form[method=post]');
			f.querySelectorAll('fieldset').forEach(x => x.disabled = false);
			f.querySelector('#name').value = 'Renamed by staff'; f.submit(); })()`),
		chromedp.WaitVisible(chromedp.CSS(`main .flash-error`)))
	msg := value(b, "read refusal", chromedp.Text(chromedp.CSS(`main .flash-error`)))
	if !strings.Contains(msg, "You are not allowed") {
		t.Errorf("staff save refused with %q", msg)
	}
	g, err := f.hier.FindChargerGroupByID(sysCtx(), f.group.ID)
	must(t, err)
	if g.Name != "Level 1" {
		t.Errorf("staff renamed the group to %q", g.Name)
	}
}
