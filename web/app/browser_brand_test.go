package app

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserWhitelabelRoot (issue #11 item 15): a brand's host name opens
// the driver app at /, any other host the portal; every button on the
// charger page wears the brand colour; each brand has its own favicon in
// its colour with its initial.
func TestBrowserWhitelabelRoot(t *testing.T) {
	s := newStack(t)
	b := newBrowser(t)
	spark := fmt.Sprintf(s.base, "charge.spark.test")
	b.Run("the brand's bare host", chromedp.Navigate(spark+"/"), chromedp.WaitVisible(chromedp.CSS(`#chargers`)))
	if p := value(b, "path", chromedp.Evaluate[string](`location.pathname`)); p != "/app/" {
		t.Errorf("%s/ opened %s, want the driver app", spark, p)
	}
	if got := b.text("brand", ".brand"); got != "Spark Charge" {
		t.Errorf("brand %q", got)
	}
	b.Run("another host", chromedp.Navigate(fmt.Sprintf(s.base, "127.0.0.1")+"/"), chromedp.Poll[chromedp.Void](`location.pathname.startsWith("/admin")`))

	b.Run("a charger page", chromedp.Navigate(spark+"/app/c/"+s.f.charger), chromedp.WaitVisible(chromedp.CSS(`#start`)))
	// #aa2200 is Spark's primary colour: each button's face or frame.
	off := value(b, "button colours", chromedp.Evaluate[[]string](`[...document.querySelectorAll("button, a.button")].filter(e => e.offsetParent !== null).filter(e => {
		const s = getComputedStyle(e);
		return ![s.backgroundColor, s.borderTopColor, s.color].includes("rgb(170, 34, 0)");
	}).map(e => e.outerHTML.slice(0, 80))`))
	if len(off) > 0 {
		t.Errorf("buttons not in the brand colour: %v", off)
	}
	if n := value(b, "buttons", chromedp.Evaluate[int](`[...document.querySelectorAll("button, a.button")].filter(e => e.offsetParent !== null).length`)); n < 2 {
		t.Errorf("only %d visible buttons checked", n)
	}
	icon := func(host string) string {
		b.Run("favicon link at "+host, chromedp.Navigate(fmt.Sprintf(s.base, host)+"/app/"), chromedp.WaitVisible(chromedp.CSS(`#chargers`)))
		return value(b, "favicon at "+host, chromedp.Evaluate[string](`fetch(document.querySelector('link[rel=icon]').href).then(r => r.text())`,
			chromedp.EvalAwaitPromise))
	}
	if svg := icon("charge.spark.test"); !strings.Contains(svg, `fill="#aa2200"`) || !strings.Contains(svg, ">S</text>") {
		t.Errorf("Spark's favicon: %s", svg)
	}
	if svg := icon("app.volta.test"); !strings.Contains(svg, ">V</text>") {
		t.Errorf("Volta Grid's favicon: %s", svg)
	}
	b.checkPage("find on the brand root")
}
