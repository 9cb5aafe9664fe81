package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/volt-ev/volt/gateway"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/sim"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/web"
	"github.com/volt-ev/volt/web/webtest"
)

// stack is the whole platform in process: store, gateway with a simulated
// charger connected over OCPP-J, the app, and the shared static files, on a
// real port so that Chromium can reach it under several host names.
type stack struct {
	f    *fixture
	base string // http://%s:port, %s the host name
	sim  *sim.Charger
}

func newStack(t *testing.T, mutate ...func(*Config)) *stack {
	f := newFixture(t, storetest.SQLite(t), mutate...)
	_, _, _ = f.estate("Volta Grid", "Volta Grid", "app.volta.test", "+44 161 496 0000")
	gw := gateway.New(gateway.Config{Charging: f.charging, Bus: f.bus, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = gw.Shutdown(ctx)
	})
	f.app.cfg.Commander = gw
	// The map: the portal's vendored Leaflet and blank tiles from this
	// server, so the pins are drawn without the internet.
	f.app.cfg.TileURL, f.app.cfg.LeafletJS, f.app.cfg.LeafletCSS = "/tiles/{z}/{x}/{y}.png",
		web.AssetPath("vendor/leaflet/leaflet.js"), web.AssetPath("vendor/leaflet/leaflet.css")
	// The session chart: the portal's script and uPlot.
	f.app.cfg.ChartJS, f.app.cfg.UPlotJS, f.app.cfg.UPlotCSS = web.AssetPath("session.js"),
		web.AssetPath("vendor/uplot/uplot.min.js"), web.AssetPath("vendor/uplot/uplot.min.css")
	mux := http.NewServeMux()
	mux.Handle("/app/", f.app)
	mux.Handle("/ocpp/", gw)
	mux.Handle("/static/", web.Static())
	mux.HandleFunc("/tiles/", blankTile)
	mux.Handle("GET /{$}", f.app.Root(web.RootRedirect())) // as cmd/voltd wires it
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	t.Cleanup(func() { f.app.Close() }) // ends the event streams first, so Close does not wait on them
	port := ln.Addr().(*net.TCPAddr).Port

	// The charger runs 30 times faster than the wall clock, so energy and
	// cost visibly rise within seconds.
	cred, err := f.chargers.ResetChargerPassword(sysCtx(), f.charger)
	must(t, err)
	t0 := time.Now()
	clock := func() time.Time { return t0.Add(30 * time.Since(t0)) }
	ch := sim.New(sim.Config{URL: fmt.Sprintf("ws://127.0.0.1:%d/ocpp", port), Identity: cred.OCPPIdentity, Password: cred.OCPPPassword,
		Connectors: 2, MeterInterval: time.Second, Clock: clock, MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = ch.Run(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := ch.WaitFor(wctx, ch.Online); err != nil {
		t.Fatalf("simulated charger did not come online: %v", err)
	}
	eventually(t, "charger connected", func() bool { return gw.Connected(f.charger) })
	return &stack{f: f, base: "http://%s:" + fmt.Sprint(port), sim: ch}
}

// browser is a headless Chromium (webtest.Browser) at a phone's viewport
// that maps *.test host names to the test server.
type browser struct{ *webtest.Browser }

func newBrowser(t *testing.T) *browser {
	return &browser{webtest.NewBrowser(t, webtest.Options{Width: 390, Height: 844, Mobile: true,
		Flags:   map[string]any{"host-resolver-rules": "MAP *.test 127.0.0.1"},
		Timeout: 4 * time.Minute, StepTimeout: 40 * time.Second, ShotPrefix: "volt-app-shots-", ShotQuality: 90})}
}

// value runs an action that returns something, failing the test on error.
func value[T any](b *browser, step string, a chromedp.Action[T]) T {
	b.T.Helper()
	return webtest.Value(b.Browser, step, a)
}

// checkPage runs axe-core (serious and critical violations fail) and checks
// the page fits the phone's width without sideways scrolling.
func (b *browser) checkPage(page string) {
	b.T.Helper()
	n := b.Axe(page)
	if w := value(b, "width of "+page, chromedp.Evaluate[int]("document.documentElement.scrollWidth")); w > 390 {
		b.T.Errorf("%s is %d px wide on a 390 px phone", page, w)
	}
	if n > 0 {
		b.Screenshot("page " + page)
	}
}

func (b *browser) text(step, sel string) string {
	return strings.TrimSpace(value(b, step, chromedp.Text(chromedp.CSS(sel))))
}

// waitText polls until the element's text satisfies ok.
func (b *browser) waitText(step, sel string, ok func(string) bool) string {
	b.T.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.Ctx, 5*time.Second)
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q)||{}).textContent||""`, sel)))
		cancel()
		if err == nil && ok(strings.TrimSpace(s)) {
			return strings.TrimSpace(s)
		}
		if time.Now().After(deadline) {
			b.Fatal(step, fmt.Errorf("%s: last text %q (err %v)", sel, s, err))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestBrowserGuestJourney: a guest scans the sticker, pays by card, starts
// a simulated charger, watches energy and cost rise, stops, and gets the
// receipt; the same app at two host names shows two brands; the first page
// load is measured; axe-core checks each page.
func TestBrowserGuestJourney(t *testing.T) {
	s := newStack(t)
	b := newBrowser(t)
	spark := fmt.Sprintf(s.base, "charge.spark.test")
	cpid := s.f.charger

	b.Transferred()
	b.Run("open the sticker URL", chromedp.Navigate(spark+"/app/c/"+cpid), chromedp.WaitVisible(chromedp.CSS(`#start`)),
		chromedp.Poll[chromedp.Void](`document.readyState === "complete"`))
	time.Sleep(500 * time.Millisecond) // the service worker and manifest follow the load
	n, reqs := b.Transferred()
	t.Logf("first page load of /app/c/%s: %d bytes transferred in %d requests (goal < 100 KB)", cpid, n, reqs)
	fmt.Printf("FIGURE first page load /app/c/{cpid}: %d bytes transferred, %d requests\n", n, reqs)
	if n >= 100_000 {
		t.Errorf("first page load moved %d bytes, goal < 100 KB", n)
	}
	if got := b.text("brand", ".brand"); got != "Spark Charge" {
		t.Errorf("brand at charge.spark.test: %q", got)
	}
	if h := value(b, "helpline", chromedp.Evaluate[string](`document.querySelector('a[href^="tel:"]').getAttribute('href')`)); h != "tel:+442079460000" {
		t.Errorf("helpline link %q", h)
	}
	b.checkPage("charger")
	b.Run("narrow phone", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#start`)))
	if w := value(b, "width at 360", chromedp.Evaluate[int]("document.documentElement.scrollWidth")); w > 360 {
		t.Errorf("charger page is %d px wide on a 360 px phone", w)
	}
	b.Run("back to 390", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))

	b.Run("pay as a guest and start",
		chromedp.Click(chromedp.CSS(`input[name=method][value=guest]`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), "walk-in@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#card`), sandbox.CardOK),
		chromedp.Click(chromedp.CSS(`#start`)),
		chromedp.WaitVisible(chromedp.CSS(`#live`)))
	b.checkPage("session")
	e1 := b.waitText("energy rises", "#energy", func(s string) bool { return s != "" && s != "0.00 kWh" })
	c1 := b.text("cost", "#cost")
	b.waitText("energy rises further", "#energy", func(s string) bool { return s != e1 })
	c2 := b.waitText("cost rises", "#cost", func(s string) bool { return s != c1 })
	t.Logf("live: energy %s, cost %s → %s", e1, c1, c2)

	b.Run("stop", chromedp.Click(chromedp.CSS(`#stop`)))
	b.waitText("session finished", "h1", func(s string) bool { return s == "Session finished" })
	b.Run("open the receipt", chromedp.WaitVisible(chromedp.CSS(`#receipt`)), chromedp.Click(chromedp.CSS(`#receipt`)),
		chromedp.WaitVisible(chromedp.CSS(`#total`)))
	total := b.text("receipt total", "#total")
	if !strings.HasPrefix(total, "£") || total == "£0.00" {
		t.Errorf("receipt total %q", total)
	}
	t.Logf("receipt total %s", total)
	b.checkPage("receipt")

	volta := fmt.Sprintf(s.base, "app.volta.test")
	b.Run("the other whitelabel", chromedp.Navigate(volta+"/app/"), chromedp.WaitVisible(chromedp.CSS(`#chargers`)))
	if got := b.text("brand", ".brand"); got != "Volta Grid" {
		t.Errorf("brand at app.volta.test: %q", got)
	}
	if strings.Contains(value(b, "list", chromedp.Evaluate[string](`document.querySelector('#chargers').textContent`)), "Bay 1") &&
		value(b, "spark charger listed", chromedp.Evaluate[bool](fmt.Sprintf(`!!document.querySelector('[data-cpid="%s"]')`, cpid))) {
		t.Errorf("Volta Grid lists Spark's charger")
	}
	b.checkPage("find")
}

// TestBrowserDriverJourney: a registered driver tops up credit, adds an
// RFID card, charges with the card at the simulated charger, and finds the
// session and its receipt in their history.
func TestBrowserDriverJourney(t *testing.T) {
	s := newStack(t)
	b := newBrowser(t)
	spark := fmt.Sprintf(s.base, "charge.spark.test")
	b.Run("register",
		chromedp.Navigate(spark+"/app/register?next=/app/account"),
		chromedp.SendKeys(chromedp.CSS(`#name`), "Robin"),
		chromedp.SendKeys(chromedp.CSS(`#email`), "robin@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#password`), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/app/register"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#balance`)))
	b.checkPage("account")
	if got := b.text("maximum top-up", "#topup-max"); got != "Up to £250.00 per top-up." {
		t.Errorf("maximum shown %q", got)
	}
	b.Run("top up £20",
		chromedp.SendKeys(chromedp.CSS(`#topup-card`), sandbox.CardOK),
		chromedp.Click(chromedp.CSS(`form[action="/app/account/topup"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#confirm-pay`)))
	b.checkPage("top-up confirmation")
	if got := b.text("amount to confirm", "#confirm-amount"); got != "£20.00" {
		t.Fatalf("confirmation shows %q, want £20.00", got)
	}
	if got := b.text("pay button", "#confirm-pay"); got != "Pay £20.00" {
		t.Errorf("confirm button %q", got)
	}
	b.Run("confirm", chromedp.Click(chromedp.CSS(`#confirm-pay`)))
	b.waitText("top-up answer", "main", func(s string) bool { return strings.Contains(s, "Top-up received") || strings.Contains(s, "declined") })
	if got := b.text("balance", "#balance"); got != "£20.00" {
		t.Fatalf("balance after top-up %q", got)
	}
	b.Run("add a card",
		chromedp.SendKeys(chromedp.CSS(`#uid`), "04A2B3C4D5"),
		chromedp.Click(chromedp.CSS(`form[action="/app/account/cards"] button`)))
	b.waitText("card added", "#banner", func(s string) bool { return strings.Contains(s, "Card added") })

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	must(t, s.sim.Plug(1))
	must(t, s.sim.Swipe(ctx, 1, "04A2B3C4D5"))
	must(t, s.sim.WaitFor(ctx, func() bool { return s.sim.Charging(1) }))
	b.Run("history shows the running session", chromedp.Navigate(spark+"/app/history"), chromedp.WaitVisible(chromedp.CSS(`a[href^="/app/s/"]`)))
	b.Run("follow it", chromedp.Click(chromedp.CSS(`a[href^="/app/s/"]`)), chromedp.WaitVisible(chromedp.CSS(`#live`)))
	b.waitText("energy rises", "#energy", func(s string) bool { return s != "" && s != "0.00 kWh" })
	must(t, s.sim.Swipe(ctx, 1, "04A2B3C4D5")) // the same card ends it at the charger
	b.waitText("session finished", "h1", func(s string) bool { return s == "Session finished" })
	b.Run("history has the receipt", chromedp.Navigate(spark+"/app/history"), chromedp.WaitVisible(chromedp.CSS(`a[href$="/receipt"]`)))
	b.checkPage("history")
	b.Run("open it", chromedp.Click(chromedp.CSS(`a[href$="/receipt"]`)), chromedp.WaitVisible(chromedp.CSS(`#total`)))
	if paid := b.text("paid by", "#receipt-table tr:last-child td"); paid != "credit" {
		t.Errorf("paid by %q, want credit", paid)
	}
}
