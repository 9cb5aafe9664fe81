package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
)

// TestBusinessPages drives the issue 17 pages: a super admin bills a
// period's socket fees (again: one statement, revision 2) and reads the
// platform income; the CPO admin sees its own statement and files, not the
// rival's, and cannot bill; service levels are saved by the admin only;
// a ticket's damaged connector is set Inoperative through the charger.
func TestBusinessPages(t *testing.T) {
	m := newMoneyFixture(t)
	db := m.db
	fees := store.NewSocketFeeService(db)
	m.admin.cfg.SocketFees, m.admin.cfg.TicketSLA = fees, store.NewTicketSLAService(db)
	tickets := store.NewTicketService(db)
	m.admin.cfg.Tickets = tickets
	must(t, m.users.CreateUser(sysCtx(), &volt.User{Email: "root@volt.test", Name: "Root", SuperAdmin: true}, testPassword))
	mine := m.onboard(2)
	for _, cpo := range []*volt.CPO{m.cpo, m.other} {
		set, err := m.money.MoneySettings(sysCtx(), cpo.ID)
		must(t, err)
		set.Fees = &volt.Fees{Currency: set.Currency, VATRate: volt.MustDecimal("0.2"),
			Socket: volt.SocketFee{Period: volt.FeeMonthly, Rule: volt.FeeRule{Flat: volt.MustDecimal("1.50")}}}
		must(t, m.money.SetMoneySettings(sysCtx(), set))
	}
	rival, err := fees.BillSocketFees(sysCtx(), m.other.ID, "2026-01")
	must(t, err)

	root := m.client()
	root.login("root@volt.test")
	root.get("/admin/socket-fees")
	for range 2 {
		if res := root.post("/admin/socket-fees", url.Values{"cpoId": {m.cpo.ID}, "period": {"2026-01"}}); res.status != http.StatusSeeOther {
			t.Fatalf("bill: %d %s", res.status, excerpt(res.body))
		}
	}
	sts, n, err := fees.FindSocketFeeStatements(sysCtx(), volt.SocketFeeFilter{CPOID: m.cpo.ID})
	must(t, err)
	if n != 1 || sts[0].Revision != 2 || sts[0].Amount != 300 { // 2 sockets × 1.50
		t.Fatalf("statements %d: %+v", n, sts)
	}
	page := root.get("/admin/platform-income?from=2026-01&to=2026-01")
	wantContains(t, "platform income", page.body, "Spark Networks", "Rival Power", "3.00")
	if pdf := root.get("/admin/platform-income?from=2026-01&to=2026-01&format=pdf"); !strings.HasPrefix(pdf.body, "%PDF") {
		t.Errorf("platform income PDF: %d %.20q", pdf.status, pdf.body)
	}

	c := m.client()
	c.login("admin@spark.test")
	page = c.get("/admin/socket-fees")
	wantContains(t, "CPO page", page.body, "2026-01", "/admin/socket-fees/"+sts[0].ID)
	wantMissing(t, "CPO page", page.body, rival.ID, "Bill a period")
	if pdf := c.get("/admin/socket-fees/" + sts[0].ID + "?format=pdf"); !strings.HasPrefix(pdf.body, "%PDF") {
		t.Errorf("statement PDF: %d", pdf.status)
	}
	if csv := c.get("/admin/socket-fees/" + sts[0].ID + "?format=csv"); !strings.Contains(csv.body, "Amount incl. VAT (GBP),3.00") {
		t.Errorf("statement CSV: %d %s", csv.status, csv.body)
	}
	if res := c.get("/admin/socket-fees/" + rival.ID + "?format=pdf"); res.status != http.StatusNotFound {
		t.Errorf("rival's statement: %d", res.status)
	}
	c.get("/admin/socket-fees")
	c.post("/admin/socket-fees", url.Values{"cpoId": {m.cpo.ID}, "period": {"2026-01"}})
	if sts, _, _ := fees.FindSocketFeeStatements(sysCtx(), volt.SocketFeeFilter{CPOID: m.cpo.ID}); sts[0].Revision != 2 {
		t.Errorf("a CPO admin billed its own socket fees: revision %d", sts[0].Revision)
	}
	if res := c.get("/admin/platform-income"); res.status != http.StatusNotFound {
		t.Errorf("CPO admin reads the platform income: %d", res.status)
	}

	page = c.get("/admin/service-levels")
	wantContains(t, "service levels", page.body, `name="response-urgent" value="15"`, "No open ticket missed")
	form := url.Values{"cpoId": {m.cpo.ID}}
	for _, p := range []string{"urgent", "high", "normal", "low"} {
		form.Set("response-"+p, "30")
		form.Set("resolution-"+p, "600")
	}
	if res := c.post("/admin/service-levels", form); res.status != http.StatusSeeOther {
		t.Fatalf("save levels: %d %s", res.status, excerpt(res.body))
	}
	wantContains(t, "saved", c.get("/admin/service-levels").body, `name="response-urgent" value="30"`)
	staff := m.client()
	staff.login("staff@spark.test")
	staff.get("/admin/service-levels")
	form.Set("response-urgent", "5")
	staff.post("/admin/service-levels", form)
	wantContains(t, "after staff", c.get("/admin/service-levels").body, `name="response-urgent" value="30"`)

	tk := &volt.Ticket{Subject: "Cable cut", CPID: mine.CPID, ConnectorID: 2, GuestEmail: "d@example.com", Body: "The cable of socket 2 is cut."}
	must(t, tickets.CreateTicket(sysCtx(), tk))
	wantContains(t, "ticket page", c.get("/admin/tickets/"+tk.ID).body, `id="ticket-inoperative"`)
	wantMissing(t, "ticket list, in time", c.get("/admin/tickets").body, "service level missed")
	_, err = db.Exec(sysCtx(), `UPDATE tickets SET created_at = created_at - 3600000 WHERE id = ?`, tk.ID) // 30 minutes to answer
	must(t, err)
	wantContains(t, "ticket list, late", c.get("/admin/tickets").body, "service level missed")
	wantMissing(t, "ticket page for staff", staff.get("/admin/tickets/"+tk.ID).body, `id="ticket-inoperative"`)
	if res := c.post("/admin/tickets/"+tk.ID+"/inoperative", nil); res.status != http.StatusSeeOther {
		t.Fatalf("inoperative: %d %s", res.status, excerpt(res.body))
	}
	if last := m.cmd.Last(); last != mine.CPID+` ChangeAvailability {"connectorId":2,"type":"Inoperative"}` {
		t.Errorf("command sent: %q", last)
	}
	got, err := tickets.FindTicketByID(sysCtx(), tk.ID)
	must(t, err)
	if note := got.Messages[len(got.Messages)-1]; !note.Internal || !strings.Contains(note.Body, "Inoperative") {
		t.Errorf("ticket note %+v", note)
	}
}

// withBusiness wires the issue 17 services.
func withBusiness(db *store.DB) func(*AdminConfig) {
	return func(c *AdminConfig) {
		c.SocketFees, c.Reliability, c.TicketSLA = store.NewSocketFeeService(db), store.NewReliabilityService(db), store.NewTicketSLAService(db)
	}
}
