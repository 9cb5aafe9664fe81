package web

import (
	"context"
	_ "embed"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store/storetest"
)

// axeSource is axe-core, vendored from npm for tests only (web/testdata/axe).
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// chromium finds the browser: $VOLT_CHROMIUM, else Debian's /usr/bin/chromium.
func chromium(t *testing.T) string {
	if p := os.Getenv("VOLT_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("browser tests skipped: no Chromium at /usr/bin/chromium and VOLT_CHROMIUM unset (apt-get install -y chromium)")
	return ""
}

// browser is one headless Chromium with a fresh profile, and a place for
// screenshots of failures.
type browser struct {
	t     *testing.T
	ctx   context.Context
	shots string
	base  string
}

func newBrowser(t *testing.T, base string) *browser {
	exec := chromium(t)
	if testing.Short() {
		t.Skip("browser tests skipped in -short mode")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exec), chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Skipf("browser tests skipped: Chromium at %s does not start: %v", exec, err)
	}
	return &browser{t: t, ctx: ctx, base: base}
}

// run performs a step; on failure it saves a screenshot and fails the test.
func (b *browser) run(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fatal(step, err)
	}
}

// value runs an action that returns something, failing the test on error.
func value[T any](b *browser, step string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.fatal(step, err)
	}
	return v
}

func (b *browser) fatal(step string, err error) {
	b.t.Helper()
	b.screenshot(step)
	b.t.Fatalf("%s: %v", step, err)
}

func (b *browser) screenshot(step string) {
	b.t.Helper()
	if b.shots == "" {
		dir, err := os.MkdirTemp("", "volt-web-shots-")
		if err != nil {
			return
		}
		b.shots = dir
		b.t.Logf("screenshots of failures in %s", dir)
	}
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		name := filepath.Join(b.shots, strings.NewReplacer(" ", "-", "/", "-").Replace(step)+".png")
		if os.WriteFile(name, png, 0o644) == nil {
			b.t.Logf("screenshot: %s", name)
		}
	}
}

// axeViolation is one serious or critical finding of axe-core.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// checkA11y runs axe-core on the current page and fails on serious or
// critical violations. axe is evaluated through DevTools, so the page's CSP
// (script-src 'self') stays as it is in production.
func (b *browser) checkA11y(page string) {
	b.t.Helper()
	value(b, "load axe on "+page, chromedp.Evaluate[bool](axeSource+";true"))
	script := `axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(
		r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
			id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))))`
	out := value(b, "axe on "+page, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		b.t.Fatalf("axe result on %s: %v: %s", page, err, out)
	}
	for _, v := range vs {
		b.t.Errorf("accessibility (%s) on %s: %s [%s] at %v", v.Impact, page, v.Help, v.ID, v.Targets)
	}
	if len(vs) > 0 || os.Getenv("VOLT_WEB_SHOTS") != "" {
		b.screenshot("page " + page) // VOLT_WEB_SHOTS=1 keeps a picture of every page checked
	}
}

func (b *browser) open(path string) chromedp.Action[chromedp.Void] {
	return chromedp.Navigate(b.base + path)
}

func (b *browser) login(email string) {
	b.t.Helper()
	b.run("open login", b.open("/admin/login"), chromedp.WaitVisible(chromedp.CSS(`#email`)))
	b.run("sign in as "+email,
		chromedp.SendKeys(chromedp.CSS(`#email`), email),
		chromedp.SendKeys(chromedp.CSS(`#password`), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/admin/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.tiles`)))
}

func TestBrowserAdminFlow(t *testing.T) {
	chromium(t)
	f := newFixture(t, storetest.SQLite(t))
	existing := f.onboard(2)
	b := newBrowser(t, f.srv.URL)

	b.run("open login", b.open("/admin/login"), chromedp.WaitVisible(chromedp.CSS(`#email`)))
	b.checkA11y("login")
	b.login("admin@spark.test")
	b.checkA11y("dashboard")

	// Onboard a charger and read its URL and password.
	b.run("open onboarding", b.open("/admin/chargers/new"), chromedp.WaitVisible(chromedp.CSS(`#chargerGroupId`)))
	b.checkA11y("onboarding")
	b.run("onboard",
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
	b.run("open charger", b.open("/admin/chargers/"+existing.CPID), chromedp.WaitVisible(chromedp.CSS(`#h-cmd`)))
	b.checkA11y("charger")
	b.run("unlock connector",
		chromedp.SendKeys(chromedp.CSS(`#f-unlock-connector-connectorId`), "1"),
		chromedp.Click(chromedp.CSS(`form[action$="/commands/unlock-connector"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#cmd-result article`)))
	answer := value(b, "read answer", chromedp.Text(chromedp.CSS(`#cmd-result article`)))
	if !strings.Contains(answer, "The charger answered Accepted") {
		t.Errorf("command answer shown: %q", answer)
	}
	b.run("live stream open", chromedp.WaitVisible(chromedp.Search(`//span[@data-live-note][text()="Live"]`)))
	f.bus.Publish(context.Background(), volt.Event{Type: volt.EventConnectorStatus, CPID: existing.CPID,
		Data: &volt.Connector{CPID: existing.CPID, ConnectorID: 2, Status: volt.StatusFaulted, ErrorCode: "GroundFailure"}})
	b.run("live status", chromedp.WaitVisible(chromedp.Search(`//tr[@data-connector="2"]//span[text()="Faulted"]`)))

	b.run("open network", b.open("/admin/network"), chromedp.WaitVisible(chromedp.CSS(`.leaflet-marker-icon`)))
	b.checkA11y("network")
	for _, p := range []string{"/admin/chargers", "/admin/sessions", "/admin/cpos/" + f.cpo.ID, "/admin/users", "/admin/sites/" + f.site.ID,
		"/admin/usergroups/new", "/admin/tariffs/new", "/admin/tariff-assignments", "/admin/income", "/admin/affiliate-codes"} {
		b.run("open "+p, b.open(p), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
		b.checkA11y(p)
	}
}

func TestBrowserStaffCannotChangeAnything(t *testing.T) {
	chromium(t)
	f := newFixture(t, storetest.SQLite(t))
	b := newBrowser(t, f.srv.URL)
	b.login("staff@spark.test")
	b.checkA11y("staff dashboard")

	b.run("open group", b.open("/admin/charger-groups/"+f.group.ID), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
	saveButtons := value(b, "count buttons", chromedp.Evaluate[int](`document.querySelectorAll('main button[type=submit]').length`))
	onboardLinks := value(b, "count links", chromedp.Evaluate[int](`document.querySelectorAll('a[href="/admin/chargers/new"]').length`))
	b.checkA11y("staff group page")
	if saveButtons != 0 || onboardLinks != 0 {
		t.Errorf("staff sees %d submit buttons and %d onboarding links", saveButtons, onboardLinks)
	}
	// Bypass the read-only form as a curious user could: the server refuses.
	b.run("forced save",
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
