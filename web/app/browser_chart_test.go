package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/volt-ev/volt/payment/sandbox"
)

// TestBrowserSessionChart: a driver charges at the simulated charger and
// their own session page draws the power and energy chart from the meter
// values, with the vehicle's state of charge the simulator sends.
func TestBrowserSessionChart(t *testing.T) {
	s := newStack(t)
	b := newBrowser(t)
	spark := fmt.Sprintf(s.base, "charge.spark.test")
	b.Run("register",
		chromedp.Navigate(spark+"/app/register?next=/app/account"),
		chromedp.SendKeys(chromedp.CSS(`#name`), "Kit"),
		chromedp.SendKeys(chromedp.CSS(`#email`), "kit@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#password`), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/app/register"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#balance`)))
	b.Run("top up",
		chromedp.SendKeys(chromedp.CSS(`#topup-card`), sandbox.CardOK),
		chromedp.Click(chromedp.CSS(`form[action="/app/account/topup"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#confirm-pay`)), // the amount is confirmed before the card is charged
		chromedp.Click(chromedp.CSS(`#confirm-pay`)))
	b.waitText("top-up answer", "main", func(s string) bool { return strings.Contains(s, "Top-up received") })
	b.Run("add a card",
		chromedp.SendKeys(chromedp.CSS(`#uid`), "04C4A27001"),
		chromedp.Click(chromedp.CSS(`form[action="/app/account/cards"] button`)))
	b.waitText("card added", "#banner", func(s string) bool { return strings.Contains(s, "Card added") })

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	must(t, s.sim.Plug(2))
	must(t, s.sim.Swipe(ctx, 2, "04C4A27001"))
	must(t, s.sim.WaitFor(ctx, func() bool { return s.sim.Charging(2) }))
	b.Run("open the session", chromedp.Navigate(spark+"/app/history"), chromedp.WaitVisible(chromedp.CSS(`a[href^="/app/s/"]`)),
		chromedp.Click(chromedp.CSS(`a[href^="/app/s/"]`)), chromedp.WaitVisible(chromedp.CSS(`#live`)))
	b.waitText("energy rises", "#energy", func(s string) bool { return s != "" && s != "0.00 kWh" })
	must(t, s.sim.Swipe(ctx, 2, "04C4A27001"))
	b.waitText("session finished", "h1", func(s string) bool { return s == "Session finished" })
	b.Run("chart drawn", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#session-chart .uplot canvas`)))
	legend := b.text("chart legend", "#session-chart")
	for _, want := range []string{"Power (kW)", "Energy (kWh)", "SoC (%)"} {
		if !strings.Contains(legend, want) {
			t.Errorf("chart legend %q lacks %q", legend, want)
		}
	}
	b.checkPage("session with chart")
}
