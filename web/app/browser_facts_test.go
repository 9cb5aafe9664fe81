package app

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	volt "github.com/volt-ev/volt"
)

// blankTile serves a 256 px map tile of nothing.
func blankTile(w http.ResponseWriter, _ *http.Request) {
	var b bytes.Buffer
	_ = png.Encode(&b, image.NewGray(image.Rect(0, 0, 256, 256)))
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(b.Bytes())
}

// submit runs actions on the current page that end in loading a new one
// (a form's submit), and waits until the new page has loaded. The actions
// must not navigate before that: the old page is told by a mark on it.
func (b *browser) submit(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.T.Helper()
	b.Run(step+" (mark the old page)", chromedp.Evaluate[chromedp.Void](`window.__oldPage = true`))
	b.Run(step, actions...)
	// A navigation starts on an empty document that is already "complete":
	// wait for the app's own page (its <main>) to have loaded.
	b.waitJS(step+" (new page)", `!window.__oldPage && document.readyState === "complete" && !!document.getElementById("main")`)
}

// waitJS polls a JavaScript condition until it is true, through page loads
// (an evaluation that fails while the page changes is tried again).
func (b *browser) waitJS(step, cond string) {
	b.T.Helper()
	b.waitJSWithin(step, cond, 30*time.Second)
}

// waitJSWithin is waitJS with its own deadline.
func (b *browser) waitJSWithin(step, cond string, within time.Duration) {
	b.T.Helper()
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(b.Ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.Fatal(step, fmt.Errorf("%s: still false (err %v)", cond, err))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func setFacts(t *testing.T, f *fixture, cpid string, n int, typ volt.ConnectorType, w, a, v int) {
	t.Helper()
	_, err := f.chargers.UpdateConnector(sysCtx(), cpid, n, volt.ConnectorUpdate{Type: &typ, MaxPowerW: &w, MaxCurrentA: &a, MaxVoltageV: &v})
	must(t, err)
}

// TestBrowserConnectorFacts (issue #11 item 11): the operator's connector
// facts reach the driver: type, AC/DC and kW on the list and the charger
// page, map pins coloured by availability, the filters (available now,
// connector type, minimum kW) and how fresh the availability is.
func TestBrowserConnectorFacts(t *testing.T) {
	s := newStack(t)
	f := s.f
	setFacts(t, f, f.charger, 1, volt.ConnectorCCS2, 50_000, 125, 500)
	setFacts(t, f, f.charger, 2, volt.ConnectorType2Socket, 22_000, 32, 230)
	off, err := f.chargers.CreateCharger(sysCtx(), &volt.Charger{ChargerGroupID: f.group.ID, Name: "Bay 2"}, 2)
	must(t, err)
	setFacts(t, f, off.CPID, 1, volt.ConnectorType2Tethered, 7_000, 32, 230)
	setFacts(t, f, off.CPID, 2, volt.ConnectorThreePin, 2_300, 10, 230)

	b := newBrowser(t)
	spark := fmt.Sprintf(s.base, "charge.spark.test")
	b.Run("open the list", chromedp.Navigate(spark+"/app/"), chromedp.WaitVisible(chromedp.CSS(`#chargers`)))
	online := fmt.Sprintf(`#chargers [data-cpid="%s"]`, f.charger)
	offline := fmt.Sprintf(`#chargers [data-cpid="%s"]`, off.CPID)
	b.waitText("online charger's connectors", online+` .conns`, func(s string) bool {
		return strings.Contains(s, "CCS · DC · 50.0 kW") && strings.Contains(s, "Type 2 · AC · 22.0 kW")
	})
	if got := b.text("offline charger's connectors", offline+` .conns`); !strings.Contains(got, "Type 2 (cable) · AC · 7.0 kW") || !strings.Contains(got, "3-pin · AC · 2.3 kW") {
		t.Errorf("offline charger's connectors %q", got)
	}
	if got := b.text("freshness", online+` .updated`); got != "updated just now" {
		t.Errorf("online charger freshness %q", got)
	}
	b.waitJS("pins drawn", `document.querySelectorAll('#map .leaflet-marker-icon').length === 2`)
	if n := value(b, "green pins", chromedp.Evaluate[int](`document.querySelectorAll('#map .pin-available').length`)); n != 1 {
		t.Errorf("%d available pins, want 1", n)
	}
	if n := value(b, "grey pins", chromedp.Evaluate[int](`document.querySelectorAll('#map .pin-offline').length`)); n != 1 {
		t.Errorf("%d offline pins, want 1", n)
	}
	if title := value(b, "pin title", chromedp.Evaluate[string](`document.querySelector('#map .pin-available').title`)); !strings.Contains(title, "2 free") {
		t.Errorf("available pin title %q", title)
	}
	b.checkPage("find with filters and map")

	count := func(step string) int {
		return value(b, step, chromedp.Evaluate[int](`document.querySelectorAll('#chargers > li').length`))
	}
	b.submit("filter: CCS", chromedp.SetValue(chromedp.CSS(`#f-type`), "ccs2"), chromedp.Click(chromedp.CSS(`#f-apply`)))
	if n := count("CCS"); n != 1 || !value(b, "CCS charger listed", chromedp.Evaluate[bool](fmt.Sprintf(`!!document.querySelector(%q)`, online))) {
		t.Errorf("CCS filter lists %d chargers", n)
	}
	b.submit("filter: 3-pin", chromedp.SetValue(chromedp.CSS(`#f-type`), "threePin"), chromedp.Click(chromedp.CSS(`#f-apply`)))
	if n := count("3-pin"); n != 1 || !value(b, "3-pin charger listed", chromedp.Evaluate[bool](fmt.Sprintf(`!!document.querySelector(%q)`, offline))) {
		t.Errorf("3-pin filter lists %d chargers", n)
	}
	b.submit("filter: 3-pin available now", chromedp.Click(chromedp.CSS(`#f-available`)), chromedp.Click(chromedp.CSS(`#f-apply`)))
	if n := count("3-pin available"); n != 0 {
		t.Errorf("an offline 3-pin counts as available now: %d listed", n)
	}
	if got := b.text("no match", `#list-h + p`); got != "No charger matches these filters." {
		t.Errorf("empty filter result says %q", got)
	}
	b.Run("filter: 22 kW or more, any type", chromedp.Navigate(spark+"/app/?minKw=22"), chromedp.WaitVisible(chromedp.CSS(`#chargers`)))
	if n := count("22 kW"); n != 1 {
		t.Errorf("22 kW filter lists %d chargers, want the 50/22 kW one", n)
	}
	b.Run("filter: 150 kW", chromedp.Navigate(spark+"/app/?minKw=150"), chromedp.WaitVisible(chromedp.CSS(`#hidden-count`)))
	if n := count("150 kW"); n != 0 {
		t.Errorf("150 kW filter lists %d chargers", n)
	}
	b.checkPage("find with no match")

	b.Run("charger page", chromedp.Navigate(spark+"/app/c/"+f.charger), chromedp.WaitVisible(chromedp.CSS(`#connectors`)))
	got := b.text("charger page connectors", `#connectors`)
	if !strings.Contains(got, "1: CCS · DC · 50.0 kW") || !strings.Contains(got, "2: Type 2 · AC · 22.0 kW") {
		t.Errorf("charger page connectors %q", got)
	}
	if got := b.text("charger page freshness", `#connectors + .updated`); got != "Availability updated just now." {
		t.Errorf("charger page freshness %q", got)
	}
	b.checkPage("charger with facts")
}
