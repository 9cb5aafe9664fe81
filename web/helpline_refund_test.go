package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func TestHelplineRefund(t *testing.T) {
	db := storetest.SQLite(t)
	money := store.NewMoneyService(db, sandbox.New("sandbox-secret"))
	f := newFixture(t, db, withSupport(db), func(c *AdminConfig) {
		c.Payments = money
		c.Charging.(*store.ChargingService).Pricer = store.NewPricer(db)
	})
	f.user("support@spark.test", volt.RoleSupport)
	tf := &volt.Tariff{CPOID: f.cpo.ID, Name: "Standard", Currency: "GBP", VATRate: volt.NewDecimalMicro(200_000),
		EnergyPricePerKWh: volt.NewDecimalMicro(500_000)}
	must(t, f.admin.cfg.Tariffs.CreateTariff(sysCtx(), tf))
	must(t, f.admin.cfg.Tariffs.CreateTariffAssignment(sysCtx(), &volt.TariffAssignment{TariffID: tf.ID, UsergroupID: volt.PublicUsergroupID, ChargerGroupID: f.group.ID}))
	drivers, _, err := f.users.FindUsers(sysCtx(), volt.UserFilter{Email: "driver@spark.test"})
	must(t, err)
	driver := drivers[0]
	must(t, f.users.CreateRFIDCard(sysCtx(), &volt.RFIDCard{UID: "04CAFE01", UserID: driver.ID, CPOID: f.cpo.ID}))
	cr := f.onboard(1)
	pay, err := money.PreAuthorize(sysCtx(), volt.PreAuthRequest{Kind: volt.PaymentPAYG, UserID: driver.ID, CPID: cr.CPID, ConnectorID: 1,
		Card: sandbox.CardOK, IdempotencyKey: "refund-test"})
	must(t, err)
	at := time.Now().Add(-time.Hour)
	start, err := f.charging.StartTransaction(sysCtx(), volt.StartRequest{CPID: cr.CPID, ConnectorID: 1, IDTag: "04CAFE01", MeterStart: 0, At: at, ReceivedAt: at})
	must(t, err)
	must(t, money.BindSession(sysCtx(), pay.ID, start.Session.ID))
	stop, err := f.charging.StopTransaction(sysCtx(), volt.StopRequest{CPID: cr.CPID, TransactionID: start.TransactionID, MeterStop: 10_000, At: at.Add(30 * time.Minute), Reason: "Local"})
	must(t, err)
	cdrs, _, err := f.charging.FindCDRs(sysCtx(), volt.SessionFilter{CPID: cr.CPID})
	must(t, err)
	must(t, money.OnCDR(sysCtx(), cdrs[0]))
	pay, err = money.FindPaymentByID(sysCtx(), pay.ID)
	must(t, err)
	if pay.Captured != 500 {
		t.Fatalf("captured %d, want 500 (10 kWh at 0.50): %+v", pay.Captured, pay)
	}
	_ = stop

	c := f.client()
	c.login("support@spark.test")
	sid := cdrs[0].SessionID
	page := c.get("/admin/helpline?kind=session&id=" + sid)
	wantContains(t, "session console", page.body, "Refund", `name="paymentId"`)
	key := regexpFind(page.body, `name="key" value="([^"]+)"`)
	form := url.Values{"kind": {"session"}, "id": {sid}, "channel": {"phone"}, "contact": {"07700 900456"},
		"summary": {"Charged for a session that never delivered"}, "do": {"refund"}, "paymentId": {pay.ID}, "amount": {"2.50"}, "key": {key}}
	res := c.post("/admin/helpline", form)
	if res.status != http.StatusBadRequest {
		t.Fatalf("refund without reason: %d", res.status)
	}
	wantContains(t, "no reason", res.body, "A refund needs a reason.")
	form.Set("reason", "Charger fault")
	form.Del("csrf")
	res = c.post("/admin/helpline", form)
	wantContains(t, "refunded", c.get(res.header.Get("Location")).body, "Refund: 2.50 GBP refunded (Charger fault). Contact logged.")
	form.Del("csrf")
	c.post("/admin/helpline", form) // a double submit refunds once
	pay, err = money.FindPaymentByID(sysCtx(), pay.ID)
	must(t, err)
	if pay.Refunded != 250 {
		t.Errorf("refunded %d, want 250", pay.Refunded)
	}
	entries, _, err := f.admin.cfg.Audit.FindAuditEntries(sysCtx(), volt.AuditFilter{Action: "payment.refund"})
	must(t, err)
	if len(entries) == 0 || entries[0].DriverContact != "07700 900456" || !strings.Contains(string(entries[0].Details), "Charger fault") {
		t.Fatalf("refund audit: %+v", entries)
	}
	contacts, _, err := f.admin.cfg.Helpline.FindHelplineContacts(sysCtx(), volt.HelplineFilter{SessionID: sid})
	must(t, err)
	if len(contacts) == 0 || !strings.Contains(strings.Join(contacts[len(contacts)-1].Actions, ";"), "refund: 2.50 GBP refunded (Charger fault)") {
		t.Fatalf("contacts: %+v", contacts)
	}
}

func TestParseMinor(t *testing.T) {
	for _, c := range []struct {
		in, cur string
		want    int64
		ok      bool
	}{{"5.20", "GBP", 520, true}, {"5", "GBP", 500, true}, {"0.005", "GBP", 0, false}, {"-1", "GBP", 0, false},
		{"abc", "GBP", 0, false}, {"1200", "JPY", 1200, true}, {"1.5", "JPY", 0, false}} {
		got, err := parseMinor(c.in, c.cur)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("parseMinor(%q, %s) = %d, %v; want %d ok=%v", c.in, c.cur, got, err, c.want, c.ok)
		}
	}
}

func regexpFind(body, pattern string) string {
	m := regexp.MustCompile(pattern).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}
