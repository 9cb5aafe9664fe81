package web

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/web/webtest"
)

// TestFleetInvoicePaymentPage (issue 19, paying the fleet invoice): the
// fleet page shows the month's invoice unpaid (1.13); the fleet manager
// sees the state but no form, and a payment they post is not recorded;
// the owner's admin records 0.50 by bank transfer (part paid, 0.63
// outstanding, the payment listed), more than outstanding is refused, the
// rest by card makes it paid; another CPO's admin finds no fleet.
func TestFleetInvoicePaymentPage(t *testing.T) {
	p := newFleetPortal(t)
	now := time.Now().UTC()
	month, today := now.Format("2006-01"), now.Format("2006-01-02")
	_, err := p.db.Exec(context.Background(), `INSERT INTO fleet_charges (cdr_id, fleet_id, cpo_id, owner_id, user_id, vehicle_id, cpid, month,
		started_at, stopped_at, energy_wh, currency, net, vat, gross) VALUES ('cdr_p1', ?, ?, ?, ?, ?, 'CP-1', ?, ?, ?, 2500, 'GBP', 94, 19, 113)`,
		p.sales.ID, p.cpo.ID, p.owner.ID, p.carla.ID, p.vanVehicle.ID, month, now.UnixMilli(), now.UnixMilli())
	must(t, err)
	page := "/admin/fleets/" + p.sales.ID + "?month=" + month
	payURL := "/admin/fleets/" + p.sales.ID + "/payments"
	form := func(amount, ref, method string) url.Values {
		return url.Values{"month": {month}, "amount": {amount}, "paidOn": {today}, "reference": {ref}, "method": {method}}
	}
	paid := func() *volt.FleetInvoice {
		t.Helper()
		inv, err := p.fs.FleetInvoice(sysCtx(), p.sales.ID, month)
		must(t, err)
		return inv
	}

	mgr := p.client()
	mgr.login("mgr@spark.test")
	if a := mgr.get(page); a.status != 200 || !strings.Contains(a.body, "<strong>Unpaid</strong>") || strings.Contains(a.body, payURL) {
		t.Errorf("manager's fleet page: %d, unpaid shown %v, form shown %v", a.status, strings.Contains(a.body, "Unpaid"), strings.Contains(a.body, payURL))
	}
	mgr.post(payURL, form("0.50", "MGR 1", "card"))
	if inv := paid(); inv.Paid != 0 {
		t.Errorf("the fleet manager recorded a payment: %+v", inv.Payments)
	}

	admin := p.client()
	admin.login("admin@spark.test")
	if a := admin.get(page); a.status != 200 || !strings.Contains(a.body, payURL) || !strings.Contains(a.body, `value="1.13"`) {
		t.Fatalf("admin's fleet page: %d, form with the outstanding amount: %v", a.status, strings.Contains(a.body, payURL))
	}
	if a := admin.post(payURL, form("0.50", "BACS 9", "bank_transfer")); a.status != 303 {
		t.Fatalf("record: %d %s", a.status, a.body)
	}
	if a := admin.get(page); !strings.Contains(a.body, "<strong>Part paid</strong>") || !strings.Contains(a.body, "BACS 9") || !strings.Contains(a.body, "outstanding <strong>0.63") {
		t.Errorf("page after a part payment:\n%s", a.body)
	}
	admin.post(payURL, form("5.00", "CARD 2", "card"))
	if inv := paid(); inv.Paid != 50 || len(inv.Payments) != 1 {
		t.Errorf("more than outstanding was recorded: %+v", inv)
	}
	admin.post(payURL, form("0.63", "CARD 2", "card"))
	if inv := paid(); inv.State != volt.FleetInvoicePaid || inv.Outstanding != 0 {
		t.Errorf("after the card payment: %+v", inv)
	}
	if a := admin.get(page); !strings.Contains(a.body, "<strong>Paid</strong>") || strings.Contains(a.body, payURL) {
		t.Errorf("paid invoice page: form still shown %v", strings.Contains(a.body, payURL))
	}

	other := &volt.CPO{Name: "Other"}
	must(t, p.hier.CreateCPO(sysCtx(), other))
	u := &volt.User{Email: "admin@other.test", Name: "o", CPOID: other.ID}
	must(t, p.users.CreateUser(sysCtx(), u, testPassword))
	g := &volt.Usergroup{Name: "admins", Role: volt.RoleAdmin, CPOID: other.ID}
	must(t, p.users.CreateUsergroup(sysCtx(), g))
	must(t, p.users.AddMember(sysCtx(), g.ID, u.ID))
	oc := p.client()
	oc.login("admin@other.test")
	if a := oc.post(payURL, form("0.01", "EVIL", "card")); a.status != 404 {
		t.Errorf("other CPO's admin records a payment: %d", a.status)
	}
}

// TestBrowserFleetInvoicePayment (issue 19): the owner's admin opens the
// fleet page, sees the month's invoice unpaid with the form prefilled with
// what is outstanding (the page passes axe), records a bank transfer and
// sees the invoice paid with the payment listed.
func TestBrowserFleetInvoicePayment(t *testing.T) {
	webtest.Chromium(t)
	p := newFleetPortal(t)
	now := time.Now().UTC()
	month := now.Format("2006-01")
	_, err := p.db.Exec(context.Background(), `INSERT INTO fleet_charges (cdr_id, fleet_id, cpo_id, owner_id, user_id, vehicle_id, cpid, month,
		started_at, stopped_at, energy_wh, currency, net, vat, gross) VALUES ('cdr_b1', ?, ?, ?, ?, ?, 'CP-1', ?, ?, ?, 2500, 'GBP', 94, 19, 113)`,
		p.sales.ID, p.cpo.ID, p.owner.ID, p.carla.ID, p.vanVehicle.ID, month, now.UnixMilli(), now.UnixMilli())
	must(t, err)
	b := newBrowser(t, p.srv.URL)
	b.login("admin@spark.test")
	b.Run("open fleet", b.open("/admin/fleets/"+p.sales.ID+"?month="+month), chromedp.WaitVisible(chromedp.CSS(`#pay-ref`)))
	if s := value(b, "invoice state", chromedp.Text(chromedp.CSS(`#invoice-state`))); !strings.Contains(s, "Unpaid") || !strings.Contains(s, "outstanding 1.13") {
		t.Errorf("invoice state before: %q", s)
	}
	b.checkA11y("fleet with the payment form")
	b.Run("record payment",
		chromedp.SendKeys(chromedp.CSS(`#pay-ref`), "BACS 123"),
		chromedp.Click(chromedp.CSS(`form[action$="/payments"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	if s := value(b, "invoice state", chromedp.Text(chromedp.CSS(`#invoice-state`))); !strings.Contains(s, "Paid") || !strings.Contains(s, "outstanding 0.00") {
		t.Errorf("invoice state after: %q", s)
	}
	if s := value(b, "payments", chromedp.Text(chromedp.CSS(`table[aria-label^="Payments"] tbody`))); !strings.Contains(s, "BACS 123") || !strings.Contains(s, "1.13") {
		t.Errorf("payments listed: %q", s)
	}
	inv, err := p.fs.FleetInvoice(sysCtx(), p.sales.ID, month)
	if err != nil || inv.State != volt.FleetInvoicePaid || len(inv.Payments) != 1 || inv.Payments[0].Method != volt.FleetPaidByBankTransfer {
		t.Errorf("invoice after the form: %+v, %v", inv, err)
	}
}
