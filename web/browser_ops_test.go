package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/web/webtest"
)

// figure waits until the dashboard figure named name reads want.
func figure(name, want string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.Search(`//strong[@data-figure="` + name + `"][normalize-space(text())="` + want + `"]`))
}

// TestBrowserLiveHome follows the operations home and the charger list
// while the network changes under them, without reloading the page: a
// charger connects, a session starts, a connector faults (it appears in the
// attention feed with a link), a charger list cell changes status.
func TestBrowserLiveHome(t *testing.T) {
	webtest.Chromium(t)
	old := liveThrottle
	liveThrottle = 100 * time.Millisecond
	t.Cleanup(func() { liveThrottle = old })
	f := newFixture(t, storetest.SQLite(t))
	cr := f.onboard(2)
	b := newBrowser(t, f.srv.URL)
	b.login("admin@spark.test")
	b.Run("dashboard live", chromedp.WaitVisible(chromedp.Search(`//small[@data-refresh-note][text()="Live"]`)),
		figure("online", "0"), figure("active", "0"))
	b.checkA11y("live dashboard")

	ctx, now := sysCtx(), time.Now()
	must(t, f.charging.RecordConnection(ctx, cr.CPID, true, "ocpp1.6", now))
	f.bus.Publish(ctx, volt.Event{Type: volt.EventChargerConnected, CPID: cr.CPID, At: now})
	b.Run("charger online without reload", figure("online", "1"), figure("offline", "0"))

	start, err := f.charging.StartTransaction(ctx, volt.StartRequest{CPID: cr.CPID, ConnectorID: 1, IDTag: "04LIVE01", At: now, ReceivedAt: now})
	must(t, err)
	must(t, f.charging.RecordStatus(ctx, volt.StatusReport{CPID: cr.CPID, ConnectorID: 1, Status: volt.StatusCharging, At: now}))
	f.bus.Publish(ctx, volt.Event{Type: volt.EventSessionStarted, CPID: cr.CPID, At: now, Data: start.Session})
	b.Run("session appears", figure("active", "1"), figure("in-use", "1"), figure("sessions-today", "1"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/sessions/`+start.Session.ID+`"]`)))

	must(t, f.charging.RecordStatus(ctx, volt.StatusReport{CPID: cr.CPID, ConnectorID: 2, Status: volt.StatusFaulted, ErrorCode: "GroundFailure", At: now}))
	f.bus.Publish(ctx, volt.Event{Type: volt.EventConnectorStatus, CPID: cr.CPID, At: now})
	b.Run("fault needs attention", figure("faulted", "1"),
		chromedp.WaitVisible(chromedp.CSS(`li.att-faulted a[href="/admin/chargers/`+cr.CPID+`"]`)))
	note := value(b, "attention text", chromedp.Text(chromedp.CSS(`li.att-faulted`)))
	if !strings.Contains(note, "GroundFailure") {
		t.Errorf("attention item %q does not name the error", note)
	}
	b.checkA11y("dashboard with attention")

	b.Run("charger list live", b.open("/admin/chargers"),
		chromedp.WaitVisible(chromedp.Search(`//small[@data-refresh-note][text()="Live"]`)))
	b.checkA11y("live charger list")
	must(t, f.charging.RecordStatus(ctx, volt.StatusReport{CPID: cr.CPID, ConnectorID: 2, Status: volt.StatusAvailable, At: now}))
	f.bus.Publish(ctx, volt.Event{Type: volt.EventConnectorStatus, CPID: cr.CPID, At: now})
	b.Run("list cell follows", chromedp.WaitVisible(chromedp.Search(
		`//td[@data-cpid="`+cr.CPID+`"]/ancestor::tr//span[@class="conn"][starts-with(normalize-space(.),"2:")]/span[text()="Available"]`)))
}

// sessionWithMoney records a paid session on a new charger of the
// fixture: a card hold, a start, meter values with power, energy and SoC,
// the frames of the transaction, a stop, and the capture at the CDR. It
// returns the session and the payment.
func sessionWithMoney(t *testing.T, f *fixture, money *store.MoneyService) (*volt.Session, *volt.Payment) {
	t.Helper()
	ctx := sysCtx()
	tf := &volt.Tariff{CPOID: f.cpo.ID, Name: "Quay Standard", Currency: "GBP", VATRate: volt.NewDecimalMicro(200_000),
		EnergyPricePerKWh: volt.NewDecimalMicro(500_000)}
	must(t, f.admin.cfg.Tariffs.CreateTariff(ctx, tf))
	must(t, f.admin.cfg.Tariffs.CreateTariffAssignment(ctx, &volt.TariffAssignment{TariffID: tf.ID, UsergroupID: volt.PublicUsergroupID, ChargerGroupID: f.group.ID}))
	drivers, _, err := f.users.FindUsers(ctx, volt.UserFilter{Email: "driver@spark.test"})
	must(t, err)
	must(t, f.users.CreateRFIDCard(ctx, &volt.RFIDCard{UID: "04CAFE02", UserID: drivers[0].ID, CPOID: f.cpo.ID}))
	cr := f.onboard(1)
	pay, err := money.PreAuthorize(ctx, volt.PreAuthRequest{Kind: volt.PaymentPAYG, UserID: drivers[0].ID, CPID: cr.CPID, ConnectorID: 1,
		Card: sandbox.CardOK, IdempotencyKey: "detail-test"})
	must(t, err)
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	start, err := f.charging.StartTransaction(ctx, volt.StartRequest{CPID: cr.CPID, ConnectorID: 1, IDTag: "04CAFE02", At: at, ReceivedAt: at})
	must(t, err)
	must(t, money.BindSession(ctx, pay.ID, start.Session.ID))
	tx := start.TransactionID
	for i := 1; i <= 5; i++ {
		ts := at.Add(time.Duration(i) * 5 * time.Minute)
		_, err := f.charging.RecordMeterValues(ctx, volt.MeterReport{CPID: cr.CPID, ConnectorID: 1, TransactionID: &tx, Samples: []volt.MeterSample{
			{Timestamp: ts, Measurand: volt.MeasurandEnergyRegister, Unit: "Wh", Value: itoa(i * 2000)},
			{Timestamp: ts, Measurand: volt.MeasurandPower, Unit: "kW", Value: "22.0"},
			{Timestamp: ts, Measurand: volt.MeasurandSoC, Unit: "Percent", Value: itoa(20 + i*10)},
		}})
		must(t, err)
	}
	txs := itoa(int(tx))
	must(t, f.charging.LogFrames(ctx, []volt.FrameLog{
		{CPID: cr.CPID, Identity: cr.OCPPIdentity, Direction: "in", Action: "MeterValues", UniqueID: "mv-1",
			Frame: `[2,"mv-1","MeterValues",{"connectorId":1,"transactionId":` + txs + `,"meterValue":[]}]`, At: at.Add(5 * time.Minute)},
		{CPID: cr.CPID, Identity: cr.OCPPIdentity, Direction: "out", UniqueID: "mv-1", Frame: `[3,"mv-1",{}]`, At: at.Add(5 * time.Minute)},
		{CPID: cr.CPID, Identity: cr.OCPPIdentity, Direction: "in", Action: "Heartbeat", UniqueID: "hb-1",
			Frame: `[2,"hb-1","Heartbeat",{}]`, At: at.Add(6 * time.Minute)},
	}))
	_, err = f.charging.StopTransaction(ctx, volt.StopRequest{CPID: cr.CPID, TransactionID: tx, MeterStop: 10_000, At: at.Add(30 * time.Minute), Reason: "Local"})
	must(t, err)
	cdrs, _, err := f.charging.FindCDRs(ctx, volt.SessionFilter{CPID: cr.CPID})
	must(t, err)
	must(t, money.OnCDR(ctx, cdrs[0]))
	se, err := f.charging.FindSessionByID(ctx, start.Session.ID)
	must(t, err)
	pay, err = money.FindPaymentByID(ctx, pay.ID)
	must(t, err)
	return se, pay
}

// TestBrowserSessionDetail opens a paid session from the sessions list and
// checks each part of its page: the chart drawn from the meter values (with
// SoC), the tariff and cost breakdown, the payment, the CDR, the frames of
// the transaction only; then refunds part of the payment with a reason and
// finds the refund in the payment and the audit trail.
func TestBrowserSessionDetail(t *testing.T) {
	webtest.Chromium(t)
	db := storetest.SQLite(t)
	money := store.NewMoneyService(db, sandbox.New("sandbox-secret"))
	f := newFixture(t, db, withSupport(db), func(c *AdminConfig) {
		c.Payments = money
		c.Charging.(*store.ChargingService).Pricer = store.NewPricer(db)
	})
	se, pay := sessionWithMoney(t, f, money)
	if pay.Captured != 500 {
		t.Fatalf("captured %d, want 500", pay.Captured)
	}
	b := newBrowser(t, f.srv.URL)
	b.login("admin@spark.test")
	b.Run("sessions list links the session", b.open("/admin/sessions"),
		chromedp.Click(chromedp.CSS(`a[href="/admin/sessions/`+se.ID+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#session-chart .uplot canvas`)))
	drawn := value(b, "points drawn", chromedp.Evaluate[string](`document.getElementById("session-chart").dataset.drawn`))
	if drawn != "7" { // start, five readings, stop
		t.Errorf("chart drew %s points, want 7", drawn)
	}
	legend := value(b, "chart legend", chromedp.Text(chromedp.CSS(`#session-chart`)))
	wantContains(t, "chart legend", legend, "Power (kW)", "Energy (kWh)", "SoC (%)")
	main := value(b, "page text", chromedp.Text(chromedp.CSS(`main`)))
	wantContains(t, "session page", main, "Quay Standard", "5.00 GBP", "4.17 GBP", "energy", pay.ID, "captured",
		"Charge detail record", `"transactionId":`+itoa(int(se.TransactionID)), `[3,"mv-1",{}]`)
	wantMissing(t, "session page", main, "Heartbeat")
	b.checkA11y("session detail")

	b.Run("refund part",
		chromedp.SendKeys(chromedp.CSS(`#r-amount`), "1.20"),
		chromedp.SendKeys(chromedp.CSS(`#r-reason`), "Slow charging"),
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(chromedp.CSS(`form.refund button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`main .flash-ok`)))
	msg := value(b, "refund message", chromedp.Text(chromedp.CSS(`main .flash-ok`)))
	wantContains(t, "refund message", msg, "1.20 GBP refunded (Slow charging)")
	audit := value(b, "audit trail", chromedp.Text(chromedp.CSS(`section[aria-labelledby="audit-h"]`)))
	wantContains(t, "audit trail", audit, "payment.refund", "Slow charging", "admin@spark.test")
	b.checkA11y("session detail after refund")
	got, err := money.FindPaymentByID(sysCtx(), pay.ID)
	must(t, err)
	if got.Refunded != 120 {
		t.Errorf("refunded %d, want 120", got.Refunded)
	}
	_ = context.Background
}

// TestBrowserInterruptingCommandsAsk: Reset on the charger page and on the
// helpline asks first, naming the charger and its running session; saying
// no sends nothing, saying yes sends the command.
func TestBrowserInterruptingCommandsAsk(t *testing.T) {
	webtest.Chromium(t)
	db := storetest.SQLite(t)
	f := newFixture(t, db, withSupport(db))
	cr := f.onboard(2)
	now := time.Now()
	start, err := f.charging.StartTransaction(sysCtx(), volt.StartRequest{CPID: cr.CPID, ConnectorID: 2, IDTag: "04ASK01", At: now, ReceivedAt: now})
	must(t, err)
	b := newBrowser(t, f.srv.URL)
	b.login("admin@spark.test")
	b.Run("charger page", b.open("/admin/chargers/"+cr.CPID), chromedp.WaitVisible(chromedp.CSS(`#h-cmd`)))
	question := value(b, "reset question", chromedp.Evaluate[string](`document.querySelector('form[action$="/commands/reset"]').getAttribute("hx-confirm")`))
	wantContains(t, "reset question", question, "Reset charger "+cr.CPID, "session #"+itoa(int(start.TransactionID))+" on connector 2")
	b.Run("say no", chromedp.Evaluate[chromedp.Void](`window.asked = ""; window.confirm = (q) => { window.asked = q; return false; }`),
		chromedp.Click(chromedp.CSS(`form[action$="/commands/reset"] button`)))
	asked := value(b, "asked", chromedp.Evaluate[string](`window.asked`))
	if asked != question {
		t.Errorf("asked %q, want %q", asked, question)
	}
	if calls := f.cmd.Calls(); len(calls) != 0 {
		t.Fatalf("a refused reset was sent: %q", calls)
	}
	b.Run("say yes", chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(chromedp.CSS(`form[action$="/commands/reset"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#cmd-result article`)))
	if calls := f.cmd.Calls(); len(calls) != 1 || !strings.Contains(calls[0], "Reset") {
		t.Fatalf("calls after yes: %q", calls)
	}
	b.Run("helpline", b.open("/admin/helpline?kind=charger&id="+cr.CPID), chromedp.WaitVisible(chromedp.CSS(`#helpline-form`)))
	b.checkA11y("helpline with confirmations")
	hq := value(b, "helpline question", chromedp.Evaluate[string](`document.querySelector('button[value="reset"]').dataset.confirmClick`))
	wantContains(t, "helpline reset question", hq, "Reset charger "+cr.CPID, "on connector 2")
	b.Run("helpline say no",
		chromedp.SendKeys(chromedp.CSS(`#h-contact`), "07700 900111"),
		chromedp.SendKeys(chromedp.CSS(`#h-summary`), "Charger frozen"),
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => false`),
		chromedp.Click(chromedp.CSS(`button[value="reset"]`)),
		// Then a harmless action on the same form: had the reset gone out,
		// its answer would have come first.
		chromedp.Click(chromedp.CSS(`button[value="note"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main .flash-ok`)))
	if calls := f.cmd.Calls(); len(calls) != 1 {
		t.Fatalf("the helpline reset went out though refused: %q", calls)
	}
}
