package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/audit"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// withSupport wires the audit log, tickets and the helpline as cmd/voltd
// does: the services and the commander wrapped by the audit recorder.
func withSupport(db *store.DB) func(*AdminConfig) {
	return func(c *AdminConfig) {
		rec := audit.NewRecorder(store.NewAuditService(db), nil)
		c.Audit = store.NewAuditService(db)
		c.Tickets = audit.WrapTickets(store.NewTicketService(db), rec)
		c.Helpline = audit.WrapHelpline(store.NewHelplineService(db), rec)
		c.Commander = audit.WrapCommander(c.Commander, c.Chargers, rec)
		c.Users = audit.WrapUsers(c.Users, rec)
	}
}

func TestHelplineActionsNeedContactAndAreLogged(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db, withSupport(db))
	f.user("support@spark.test", volt.RoleSupport)
	cr := f.onboard(2)
	c := f.client()
	c.login("support@spark.test")

	res := c.get("/admin/helpline?q=" + cr.CPID)
	wantContains(t, "search", res.body, "id="+cr.CPID+"&amp;kind=charger")
	page := "/admin/helpline?q=" + cr.CPID + "&kind=charger&id=" + cr.CPID
	wantContains(t, "chosen charger", c.get(page).body, "Reset the charger", "Unlock the connector", "Stop the session")

	form := url.Values{"q": {cr.CPID}, "kind": {"charger"}, "id": {cr.CPID}, "channel": {"phone"}, "do": {"reset"}, "resetType": {"Hard"}}
	res = c.post("/admin/helpline", form)
	if res.status != http.StatusBadRequest {
		t.Fatalf("reset without contact: %d", res.status)
	}
	wantContains(t, "no contact", res.body, "phone or e-mail is required")
	if len(f.cmd.Calls()) != 0 {
		t.Fatalf("a command went out without a contact: %v", f.cmd.Calls())
	}

	form.Set("contact", "+44 7700 900123")
	form.Set("summary", "Screen frozen, driver cannot start")
	res = c.post("/admin/helpline", form)
	if res.status != http.StatusSeeOther {
		t.Fatalf("reset: %d %s", res.status, excerpt(res.body))
	}
	wantContains(t, "after reset", c.get(res.header.Get("Location")).body, "Reset: the charger answered Accepted. Contact logged.")
	if len(f.cmd.Calls()) != 1 || f.cmd.Calls()[0] != cr.CPID+` Reset {"type":"Hard"}` {
		t.Fatalf("commands sent: %v", f.cmd.Calls())
	}
	contacts, _, err := f.admin.cfg.Helpline.FindHelplineContacts(sysCtx(), volt.HelplineFilter{CPID: cr.CPID})
	must(t, err)
	if len(contacts) != 1 || contacts[0].DriverContact != "+44 7700 900123" || len(contacts[0].Actions) != 1 ||
		contacts[0].Actions[0] != "reset: the charger answered Accepted" {
		t.Fatalf("contacts logged: %+v", contacts)
	}
	entries, _, err := f.admin.cfg.Audit.FindAuditEntries(sysCtx(), volt.AuditFilter{Action: "command."})
	must(t, err)
	if len(entries) != 1 || entries[0].DriverContact != "+44 7700 900123" || entries[0].ActorEmail != "support@spark.test" {
		t.Fatalf("command audit entries: %+v", entries)
	}

	// A refused command is still a logged contact, and says why in words.
	f.cmd.Err = volt.Errorf(volt.ECHARGEROFFLINE, "offline")
	form.Set("do", "unlock")
	form.Set("connectorId", "2")
	res = c.post("/admin/helpline", form)
	wantContains(t, "offline", c.get(res.header.Get("Location")).body, "The charger is offline")
	contacts, _, err = f.admin.cfg.Helpline.FindHelplineContacts(sysCtx(), volt.HelplineFilter{CPID: cr.CPID})
	must(t, err)
	if len(contacts) != 2 || !strings.HasPrefix(strings.Join(contacts[0].Actions, ""), "unlock connector failed") &&
		!strings.HasPrefix(strings.Join(contacts[1].Actions, ""), "unlock connector failed") {
		t.Fatalf("failed unlock not logged: %+v", contacts)
	}

	// Staff reads the console but cannot act.
	staff := f.client()
	staff.login("staff@spark.test")
	wantContains(t, "staff console", staff.get(page).body, "You cannot send commands")
	f.cmd.Err = nil
	calls := len(f.cmd.Calls())
	form.Del("csrf")
	res = staff.post("/admin/helpline", form)
	if res.status != http.StatusSeeOther {
		t.Fatalf("staff action: %d %s", res.status, excerpt(res.body))
	}
	wantContains(t, "staff refused", staff.get(res.header.Get("Location")).body, "You are not allowed")
	if len(f.cmd.Calls()) != calls {
		t.Errorf("staff sent a command")
	}
}

func TestHelplineBlocksCard(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db, withSupport(db))
	driver, _, err := f.users.FindUsers(sysCtx(), volt.UserFilter{Email: "driver@spark.test"})
	must(t, err)
	card := &volt.RFIDCard{UID: "04A1B2C3", UserID: driver[0].ID, CPOID: f.cpo.ID}
	must(t, f.users.CreateRFIDCard(sysCtx(), card))
	c := f.client()
	c.login("admin@spark.test")
	wantContains(t, "search card", c.get("/admin/helpline?q=04a1b2").body, "id="+card.ID+"&amp;kind=rfid-card")
	res := c.post("/admin/helpline", url.Values{"kind": {"rfid-card"}, "id": {card.ID}, "channel": {"email"},
		"contact": {"driver@spark.test"}, "summary": {"Card stolen"}, "do": {"block"}, "cardId": {card.ID}})
	wantContains(t, "blocked", c.get(res.header.Get("Location")).body, "Block card: card 04A1B2C3 blocked. Contact logged.")
	got, err := f.users.FindRFIDCardByID(sysCtx(), card.ID)
	must(t, err)
	if !got.Blocked {
		t.Fatal("card not blocked")
	}
	entries, _, err := f.admin.cfg.Audit.FindAuditEntries(sysCtx(), volt.AuditFilter{ResourceType: volt.ResourceRFIDCard})
	must(t, err)
	if len(entries) != 1 || entries[0].DriverContact != "driver@spark.test" {
		t.Fatalf("card audit: %+v", entries)
	}
}

func TestAuditLogFiltersAndExport(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db, withSupport(db))
	other := &volt.CPO{Name: "Other"}
	must(t, f.hier.CreateCPO(sysCtx(), other))
	for _, e := range []*volt.AuditEntry{
		{Action: "charger.update", ResourceType: volt.ResourceCharger, ResourceID: "000001", CPOID: f.cpo.ID, After: json.RawMessage(`{"name":"=SUM(A1)"}`)},
		{Action: "command.reset", ResourceType: volt.ResourceCharger, ResourceID: "000002", CPOID: f.cpo.ID, Outcome: volt.AuditFailed, ErrorCode: volt.ECHARGEROFFLINE},
		{Action: "charger.update", ResourceType: volt.ResourceCharger, ResourceID: "000009", CPOID: other.ID},
	} {
		must(t, f.admin.cfg.Audit.Record(sysCtx(), e))
	}
	c := f.client()
	c.login("admin@spark.test")
	res := c.get("/admin/audit")
	wantContains(t, "all", res.body, "000001", "000002")
	wantMissing(t, "other tenant", res.body, "<code>000009</code>")
	res = c.get("/admin/audit?action=command.&outcome=failed")
	wantContains(t, "failed commands", res.body, "000002")
	wantMissing(t, "failed commands", res.body, "000001")
	res = c.get("/admin/audit?from=2026-13-01")
	if res.status != http.StatusBadRequest {
		t.Errorf("bad date: %d", res.status)
	}
	wantContains(t, "bad date", res.body, "Dates must look like")

	csv := c.get("/admin/audit.csv?action=charger.")
	if !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") || !strings.Contains(csv.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("csv headers: %v", csv.header)
	}
	lines := strings.Split(strings.TrimSpace(csv.body), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "id,at,actorId") || !strings.Contains(lines[1], "000001") {
		t.Fatalf("csv: %q", csv.body)
	}
	// As whole fields: an audit id is time-ordered and may contain "000009".
	if strings.Contains(csv.body, ",000009,") || strings.Contains(csv.body, other.ID) {
		t.Errorf("csv leaks the other CPO's entry: %q", csv.body)
	}
}

func TestTicketThreadNotesAndStatus(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db, withSupport(db))
	support := f.user("support@spark.test", volt.RoleSupport)
	cr := f.onboard(1)
	tk := &volt.Ticket{Subject: "Cable stuck", CPID: cr.CPID, GuestEmail: "guest@example.com", Body: "It will not come out", Source: volt.TicketFromDriver}
	must(t, f.admin.cfg.Tickets.CreateTicket(sysCtx(), tk))
	c := f.client()
	c.login("support@spark.test")
	wantContains(t, "list", c.get("/admin/tickets?status=open").body, "Cable stuck")
	wantContains(t, "detail", c.get("/admin/tickets/"+tk.ID).body, "It will not come out")
	res := c.post("/admin/tickets/"+tk.ID+"/messages", url.Values{"body": {"Called the site, reset planned"}, "internal": {"1"}})
	wantContains(t, "note", c.get(res.header.Get("Location")).body, "Internal note added.", "Called the site")
	res = c.post("/admin/tickets/"+tk.ID+"/messages", url.Values{"body": {"  "}})
	if res.status != http.StatusBadRequest {
		t.Errorf("empty reply: %d", res.status)
	}
	res = c.post("/admin/tickets/"+tk.ID, url.Values{"status": {"pending"}, "priority": {"high"}, "assignee": {"me"}})
	wantContains(t, "update", c.get(res.header.Get("Location")).body, "Ticket updated.")
	got, err := f.admin.cfg.Tickets.FindTicketByID(sysCtx(), tk.ID)
	must(t, err)
	if got.Status != volt.TicketPending || got.Priority != volt.PriorityHigh || got.AssigneeID != support.ID {
		t.Fatalf("ticket after update: %+v", got)
	}
	internal := 0
	for _, m := range got.Messages {
		if m.Internal {
			internal++
		}
	}
	if internal != 1 {
		t.Errorf("internal notes: %d", internal)
	}
	staff := f.client()
	staff.login("staff@spark.test")
	res = staff.post("/admin/tickets/"+tk.ID, url.Values{"status": {"closed"}})
	wantContains(t, "staff", staff.get(res.header.Get("Location")).body, "You are not allowed")
}

var jobLoc = regexp.MustCompile(`^/admin/jobs/(job_[A-Za-z0-9]+)$`)

// waitJob polls the progress fragment as htmx does until the job is over.
func waitJob(t *testing.T, c *client, loc string) string {
	t.Helper()
	if !jobLoc.MatchString(loc) {
		t.Fatalf("not a job page: %q", loc)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		res := c.do(http.MethodGet, loc+"/progress", nil, map[string]string{"HX-Request": "true"})
		if !strings.Contains(res.body, `data-state="running"`) {
			return res.body
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("job %s still running", loc)
	return ""
}

func TestIncomePDFJob(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db, withSupport(db))
	c := f.client()
	c.login("admin@spark.test")
	c.get("/admin/income")
	res := c.post("/admin/income/pdf", url.Values{"scope": {"owner:" + f.owner.ID}, "from": {"2025-01-01"}, "to": {"2025-12-31"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("start: %d %s", res.status, excerpt(res.body))
	}
	loc := res.header.Get("Location")
	wantContains(t, "job page", c.get(loc).body, "Income report 2025-01-01 to 2025-12-31", `<progress id="job-bar"`)
	final := waitJob(t, c, loc)
	wantContains(t, "done", final, `data-state="done"`, "13 of 13", "Report ready: 0 sessions", "January 2025: 0 sessions", "December 2025")
	pdf := c.get(loc + "/download")
	if pdf.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.body, "%PDF") || len(pdf.body) < 1000 {
		t.Fatalf("pdf: %s, %d bytes, starts %q", pdf.header.Get("Content-Type"), len(pdf.body), pdf.body[:min(8, len(pdf.body))])
	}
	// The job is its owner's only.
	staff := f.client()
	staff.login("staff@spark.test")
	if res := staff.get(loc); res.status != http.StatusNotFound {
		t.Errorf("another user's job: %d", res.status)
	}
	csv := c.get("/admin/income.csv?scope=owner:" + f.owner.ID + "&from=2025-01-01&to=2025-12-31")
	if !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") || !strings.Contains(csv.body, "Net payment") {
		t.Errorf("income csv: %s %q", csv.header.Get("Content-Type"), csv.body)
	}
}

func TestBulkCommandJob(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db, withSupport(db))
	for range 30 {
		f.onboard(1)
	}
	c := f.client()
	c.login("admin@spark.test")
	wantContains(t, "form", c.get("/admin/bulk-commands").body, "Change configuration", f.group.Name)
	res := c.post("/admin/bulk-commands", url.Values{"group": {f.group.ID}, "command": {"change-configuration"}, "change-configuration-key": {"HeartbeatInterval"}})
	if res.status != http.StatusBadRequest {
		t.Fatalf("missing value: %d", res.status)
	}
	wantContains(t, "missing value", res.body, "Value is required")
	res = c.post("/admin/bulk-commands", url.Values{"group": {f.group.ID}, "command": {"change-configuration"},
		"change-configuration-key": {"HeartbeatInterval"}, "change-configuration-value": {"600"}})
	final := waitJob(t, c, res.header.Get("Location"))
	wantContains(t, "done", final, "30 of 30", "Done: 30 of 30 chargers accepted")
	csv := c.get(res.header.Get("Location") + "/download")
	if rows := strings.Count(csv.body, ",Accepted,"); rows != 30 {
		t.Errorf("csv has %d accepted rows: %q", rows, csv.body)
	}
	if len(f.cmd.Calls()) != 30 || !strings.Contains(f.cmd.Calls()[0], `ChangeConfiguration {"key":"HeartbeatInterval","value":"600"}`) {
		t.Errorf("calls: %d %v", len(f.cmd.Calls()), f.cmd.Calls()[:1])
	}
	staff := f.client()
	staff.login("staff@spark.test")
	res = staff.post("/admin/bulk-commands", url.Values{"group": {f.group.ID}, "command": {"clear-cache"}})
	wantContains(t, "staff", res.body, "You are not allowed")
}

// blockingCommander answers only when the call's context ends.
type blockingCommander struct{}

func (blockingCommander) Call(ctx context.Context, _, _ string, _ any) (json.RawMessage, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestBulkCommandJobCancel(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db, func(c *AdminConfig) { c.Commander = blockingCommander{} })
	for range 20 {
		f.onboard(1)
	}
	c := f.client()
	c.login("admin@spark.test")
	c.get("/admin/bulk-commands")
	res := c.post("/admin/bulk-commands", url.Values{"group": {f.group.ID}, "command": {"clear-cache"}})
	loc := res.header.Get("Location")
	c.get(loc)
	res = c.post(loc+"/cancel", nil)
	wantContains(t, "cancelling", c.get(res.header.Get("Location")).body, "Cancelling")
	final := waitJob(t, c, loc)
	wantContains(t, "cancelled", final, `data-state="cancelled"`, "Cancelled:")
}
