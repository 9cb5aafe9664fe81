package app

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	volt "github.com/volt-ev/volt"
)

// TestBrowserRoamingPins (issue 14): a partner network's location is a pin
// of its own on the app's map, beside the own charger's, titled with the
// partner's name and its price with the margin, and its popup links to the
// roaming charger page; the page passes axe.
func TestBrowserRoamingPins(t *testing.T) {
	roam := fakeRoaming{byCPO: map[string][]volt.RoamingLocation{}}
	s := newStack(t, func(c *Config) { c.Roaming = roam })
	f := s.f
	roam.byCPO[f.cpo.ID] = []volt.RoamingLocation{{PartnerID: "ocp_a", PartnerName: "A Power", ID: "sit_a", Name: "Mayfair Hub",
		Address: "1 Mayfair Road", City: "London", Lat: 51.501, Lon: -0.1419, EVSEs: 2, Available: 1, MarginPercent: volt.MustDecimal("10"),
		Price: &volt.RoamingPrice{TariffID: "t1", Currency: "GBP", PerKWh: volt.MustDecimal("0.55")}}}

	b := newBrowser(t)
	b.Run("open the list", chromedp.Navigate(fmt.Sprintf(s.base, "charge.spark.test")+"/app/"), chromedp.WaitVisible(chromedp.CSS(`#roaming`)))
	b.waitJS("the partner's pin drawn", `document.querySelectorAll('#map .pin-roaming').length === 1`)
	if n := value(b, "own pins", chromedp.Evaluate[int](`document.querySelectorAll('#map .leaflet-marker-icon:not(.pin-roaming)').length`)); n != 1 {
		t.Errorf("%d pins of own chargers beside the partner's, want 1", n)
	}
	title := value(b, "partner pin title", chromedp.Evaluate[string](`document.querySelector('#map .pin-roaming').title`))
	for _, want := range []string{"A Power", "Mayfair Hub", "1 of 2 available", "£0.55/kWh", "10 % roaming margin"} {
		if !strings.Contains(title, want) {
			t.Errorf("partner pin title %q lacks %q", title, want)
		}
	}
	b.Run("open the partner pin", chromedp.Click(chromedp.CSS(`#map .pin-roaming`)), chromedp.WaitVisible(chromedp.CSS(`#map .leaflet-popup-content a`)))
	if href := value(b, "popup link", chromedp.Evaluate[string](`document.querySelector('#map .leaflet-popup-content a').getAttribute('href')`)); href != "/app/roam/ocp_a/sit_a" {
		t.Errorf("partner pin links %q, want /app/roam/ocp_a/sit_a", href)
	}
	b.checkPage("find with a partner pin")
}

// liveRoaming is a partner network whose answers the test sets while the
// driver's charge page is open.
type liveRoaming struct {
	mu    sync.Mutex
	start volt.RoamingStart
	view  volt.RoamingChargeView
}

func (l *liveRoaming) set(fn func(v *volt.RoamingChargeView)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fn(&l.view)
}

func (l *liveRoaming) FindRoamingLocation(context.Context, string, string) (*volt.RoamingLocation, []volt.RoamingEVSE, error) {
	return nil, nil, volt.Errorf(volt.ENOTFOUND, "not here")
}

func (l *liveRoaming) StartRoaming(context.Context, string, string, string) (*volt.RoamingStart, error) {
	return nil, volt.Errorf(volt.EUNPROCESSABLE, "not here")
}

func (l *liveRoaming) FindRoamingCharge(ctx context.Context, id string) (*volt.RoamingChargeView, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a := volt.ActorFromContext(ctx); id != l.start.ID || a == nil || a.UserID != l.start.UserID {
		return nil, volt.Errorf(volt.ENOTFOUND, "Charge %q not found.", id)
	}
	v := l.view
	v.Start, v.PartnerName, v.LocationName = l.start, "A Power", "Mayfair Hub"
	return &v, nil
}

func (l *liveRoaming) StopRoaming(context.Context, string) error { return nil }

// TestBrowserRoamingCommandResults (issue 14): the charge page of a start
// on a partner network follows the partner's answers without a reload
// (app.js polls it): waiting, then ACCEPTED with "plug in", the session
// active with its energy, a refused stop said plainly; once over
// (REJECTED with nothing started) it stops polling. axe on each state.
func TestBrowserRoamingCommandResults(t *testing.T) {
	live := &liveRoaming{}
	s := newStack(t, func(c *Config) { c.RoamingCharging = live })
	u := s.f.driver("bea@b.test")
	live.start = volt.RoamingStart{ID: "rst_1", UserID: u.ID, PartnerID: "ocp_a", LocationID: "sit_a", EVSEUID: "000001-1", CreatedAt: time.Now()}

	b := newBrowser(t)
	spark := fmt.Sprintf(s.base, "charge.spark.test")
	b.Run("log in to the charge page",
		chromedp.Navigate(spark+"/app/login?next=/app/roam/charge/rst_1"),
		chromedp.SendKeys(chromedp.CSS(`#email`), "bea@b.test"),
		chromedp.SendKeys(chromedp.CSS(`#password`), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/app/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#roam-live`)))
	if got := b.text("before an answer", "#start-result"); got != "waiting for A Power…" {
		t.Errorf("start before the partner answered: %q", got)
	}
	b.checkPage("roaming charge, waiting")
	b.Run("mark the page", chromedp.Evaluate[chromedp.Void](`window.__samePage = true`))

	live.set(func(v *volt.RoamingChargeView) { v.StartResult = "ACCEPTED" })
	b.waitText("the ACCEPTED result", "#start-result", func(s string) bool { return s == "accepted" })
	b.waitText("plug in", "#roam-message", func(s string) bool { return strings.Contains(s, "Plug in your car") })

	live.set(func(v *volt.RoamingChargeView) {
		v.SessionID, v.Status, v.EnergyWh, v.Currency = "ses_1", "ACTIVE", 1500, "GBP"
	})
	b.waitText("the session", "#session-status", func(s string) bool { return s == "ACTIVE" })
	b.waitJS("the stop button", `!!document.getElementById("stop")`)
	live.set(func(v *volt.RoamingChargeView) { v.StopResult = "REJECTED" })
	b.waitText("a refused stop", "#roam-message", func(s string) bool { return strings.Contains(s, "A Power could not stop the session: refused") })
	if !value(b, "no reload", chromedp.Evaluate[bool](`window.__samePage === true`)) {
		t.Error("the page reloaded to follow the partner's answers")
	}
	b.checkPage("roaming charge, stop refused")

	// A start the partner refuses: said plainly, and the page stops polling.
	live.set(func(v *volt.RoamingChargeView) { *v = volt.RoamingChargeView{StartResult: "EVSE_OCCUPIED"} })
	b.waitText("a refused start", "#roam-message", func(s string) bool {
		return strings.Contains(s, "A Power could not start charging: the charge point is in use. Nothing was charged")
	})
	b.waitJS("polling stops", `!document.getElementById("roam-live").dataset.poll`)
	b.checkPage("roaming charge, start refused")
}
