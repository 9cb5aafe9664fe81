package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
)

// TestBrowserHonestStart (issue #11 item 10): the guest's only payment
// method is preselected; an offline charger and one with no free connector
// have Start off and say why, and Start comes on when a connector frees up;
// the session page shows the session fee from the start, the battery's
// state of charge, the time to the driver's kWh target, and "Final cost"
// (the receipt's total) once the target stopped it.
func TestBrowserHonestStart(t *testing.T) {
	s := newStack(t)
	f := s.f
	ctx := sysCtx()
	off, err := f.chargers.CreateCharger(ctx, &volt.Charger{ChargerGroupID: f.group.ID, Name: "Bay 2"}, 2)
	must(t, err)
	busy, err := f.chargers.CreateCharger(ctx, &volt.Charger{ChargerGroupID: f.group.ID, Name: "Bay 3"}, 2)
	must(t, err)
	now := time.Now()
	must(t, f.charging.RecordConnection(ctx, busy.CPID, true, "ocpp1.6", now))
	for n := 1; n <= 2; n++ {
		must(t, f.charging.RecordStatus(ctx, volt.StatusReport{CPID: busy.CPID, ConnectorID: n, Status: volt.StatusCharging, ErrorCode: "NoError", At: now}))
	}

	b := newBrowser(t)
	spark := fmt.Sprintf(s.base, "charge.spark.test")
	disabled := func(step string) bool {
		return value(b, step, chromedp.Evaluate[bool](`document.querySelector('#start').disabled`))
	}

	b.Run("offline charger", chromedp.Navigate(spark+"/app/c/"+off.CPID), chromedp.WaitVisible(chromedp.CSS(`#start-why`)))
	if !disabled("offline start") || !strings.Contains(b.text("why", "#start-why"), "offline") {
		t.Errorf("offline charger: start disabled %v, reason %q", disabled("offline start"), b.text("why", "#start-why"))
	}
	b.checkPage("charger offline")

	b.Run("busy charger", chromedp.Navigate(spark+"/app/c/"+busy.CPID), chromedp.WaitVisible(chromedp.CSS(`#start-why`)))
	if !disabled("busy start") || !strings.Contains(b.text("why", "#start-why"), "no connector is free") {
		t.Errorf("busy charger: start disabled %v, reason %q", disabled("busy start"), b.text("why", "#start-why"))
	}
	// The page's live stream is open once the script ran; then connector 2
	// frees up and Start comes on without a reload.
	b.waitJS("live stream open", `document.documentElement.dataset.live === "open"`)
	at := time.Now()
	must(t, f.charging.RecordStatus(ctx, volt.StatusReport{CPID: busy.CPID, ConnectorID: 2, Status: volt.StatusAvailable, ErrorCode: "NoError", At: at}))
	f.bus.Publish(context.Background(), volt.Event{Type: volt.EventConnectorStatus, CPID: busy.CPID, CPOID: f.cpo.ID, At: at,
		Data: volt.Connector{CPID: busy.CPID, ConnectorID: 2, Status: volt.StatusAvailable, StatusAt: at}})
	b.waitJS("start comes on", `!document.querySelector('#start').disabled && document.querySelector('#start-why').hidden`)

	b.Run("the simulated charger", chromedp.Navigate(spark+"/app/c/"+f.charger), chromedp.WaitVisible(chromedp.CSS(`#start`)))
	if disabled("free start") {
		t.Error("Start is off on a free, online charger")
	}
	if !value(b, "guest preselected", chromedp.Evaluate[bool](`document.querySelector('input[name=method][value=guest]').checked`)) {
		t.Error("the guest's only payment method is not preselected")
	}
	b.submit("start with a 1 kWh target",
		chromedp.SendKeys(chromedp.CSS(`#email`), "target@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#card`), sandbox.CardOK),
		chromedp.SetAttributeValue(chromedp.CSS(`details`), "open", ""),
		chromedp.SendKeys(chromedp.CSS(`#limitKwh`), "1"),
		chromedp.Click(chromedp.CSS(`#start`)))
	b.Run("session page", chromedp.WaitVisible(chromedp.CSS(`#live`)))
	if c := b.text("first cost", "#cost"); c == "£0.00" || c == "" {
		t.Errorf("cost at the start %q: the £0.50 session fee is due from the first second", c)
	}
	if l := b.text("cost label", "#cost-label"); l != "Cost so far" {
		t.Errorf("cost label while charging %q", l)
	}
	b.waitText("state of charge", "#soc", func(s string) bool { return strings.HasSuffix(s, "%") })
	eta := b.waitText("time to target", "#eta", func(s string) bool {
		return strings.HasPrefix(s, "About ") && strings.HasSuffix(s, " to 1.00 kWh") || strings.HasPrefix(s, "Target 1.00 kWh reached")
	})
	t.Logf("estimate: %s", eta)
	b.checkPage("session with SoC and estimate")

	// The simulated car takes its time under load: wait up to a minute.
	b.waitJSWithin("the target stops it", `(document.querySelector("h1")||{}).textContent === "Session finished"`, time.Minute)
	b.waitText("final cost", "#cost-label", func(s string) bool { return s == "Final cost" })
	final := b.text("final cost", "#cost")
	b.Run("receipt", chromedp.WaitVisible(chromedp.CSS(`#receipt`)), chromedp.Click(chromedp.CSS(`#receipt`)), chromedp.WaitVisible(chromedp.CSS(`#total`)))
	if total := b.text("receipt total", "#total"); total != final {
		t.Errorf("final cost %s, receipt total %s", final, total)
	}
}
