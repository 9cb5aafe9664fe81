package web

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestHelplineServesWithoutTyping: the session's payment is chosen for the
// refund (the receipt shows no id), the channel follows what was typed, a
// ticket opens from the contact, and the quarter's report counts it.
func TestHelplineServesWithoutTyping(t *testing.T) {
	db := storetest.SQLite(t)
	money := store.NewMoneyService(db, sandbox.New("sandbox-secret"))
	f := newFixture(t, db, withSupport(db), func(c *AdminConfig) {
		c.Payments = money
		c.Charging.(*store.ChargingService).Pricer = store.NewPricer(db)
	})
	f.user("support@spark.test", volt.RoleSupport)
	se, pay := sessionWithMoney(t, f, money)
	c := f.client()
	c.login("support@spark.test")
	page := c.get("/admin/helpline?kind=session&id=" + se.ID)
	wantContains(t, "session console", page.body, `<select id="h-pay" name="paymentId"><option value="`+pay.ID+`" selected>`,
		`<option value="auto" selected>from what is typed</option>`, "Open a ticket for this contact")
	key := regexpFind(page.body, `name="key" value="([^"]+)"`)
	res := c.post("/admin/helpline", url.Values{"kind": {"session"}, "id": {se.ID}, "channel": {"auto"}, "contact": {"dana@example.com"},
		"summary": {"Charged twice for one session"}, "do": {"refund"}, "paymentId": {pay.ID}, "amount": {"1.00"}, "reason": {"Double charge"}, "key": {key}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("refund: %d %s", res.status, excerpt(res.body))
	}
	contacts, _, err := f.admin.cfg.Helpline.FindHelplineContacts(sysCtx(), volt.HelplineFilter{SessionID: se.ID})
	must(t, err)
	if len(contacts) != 1 || contacts[0].Channel != volt.ChannelEmail {
		t.Fatalf("contacts %+v, want one by e-mail", contacts)
	}
	page = c.get("/admin/helpline?kind=session&id=" + se.ID)
	href := html.UnescapeString(regexpFind(page.body, `<a href="(/admin/tickets/new\?[^"]+)">Open a ticket</a>`))
	form := c.get(href)
	wantContains(t, "ticket from the contact", form.body, `value="dana@example.com"`, "Charged twice for one session", `value="`+se.ID+`"`)

	q := time.Now().UTC()
	quarter := q.Format("2006") + "-Q" + string(rune('1'+(int(q.Month())-1)/3))
	report := c.get("/admin/helpline/report?quarter=" + quarter)
	wantContains(t, "report", report.body, "1 contacts, 1 with an action taken", "refund: 1")
	csv := c.get("/admin/helpline/report?format=csv&quarter=" + quarter)
	if !strings.Contains(csv.body, "email,") || !strings.Contains(csv.body, ",1\n") {
		t.Errorf("report csv:\n%s", csv.body)
	}
	if bad := c.get("/admin/helpline/report?quarter=2026-Q5"); bad.status != http.StatusBadRequest {
		t.Errorf("quarter 5: %d", bad.status)
	}
}
