package web

import (
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

// TestListsSayWhatTheyMean: the sites and groups lists count chargers, the
// RFID list names the driver, the wallet names the charging session it
// paid for.
func TestListsSayWhatTheyMean(t *testing.T) {
	m := newMoneyFixture(t)
	m.charging.Pricer = store.NewPricer(m.db)
	ctx := sysCtx()
	m.onboard(1)
	m.onboard(2)
	driver := m.userID("driver@spark.test")
	must(t, m.users.CreateRFIDCard(ctx, &volt.RFIDCard{UID: "04WORDS1", UserID: driver, CPOID: m.cpo.ID}))
	tf := &volt.Tariff{CPOID: m.cpo.ID, Name: "Std", Currency: "GBP", VATRate: volt.NewDecimalMicro(200_000), EnergyPricePerKWh: volt.NewDecimalMicro(500_000)}
	must(t, m.admin.cfg.Tariffs.CreateTariff(ctx, tf))
	must(t, m.admin.cfg.Tariffs.CreateTariffAssignment(ctx, &volt.TariffAssignment{TariffID: tf.ID, UsergroupID: volt.PublicUsergroupID, ChargerGroupID: m.group.ID}))
	_, err := m.money.TopUp(ctx, driver, volt.Money{Amount: 2000, Currency: "GBP"}, sandbox.CardOK, "words-topup")
	must(t, err)
	cr := m.onboard(1)
	at := time.Now().Add(-time.Hour)
	start, err := m.charging.StartTransaction(ctx, volt.StartRequest{CPID: cr.CPID, ConnectorID: 1, IDTag: "04WORDS1", At: at, ReceivedAt: at})
	must(t, err)
	stop, err := m.charging.StopTransaction(ctx, volt.StopRequest{CPID: cr.CPID, TransactionID: start.TransactionID, MeterStop: 2000, At: at.Add(time.Minute)})
	must(t, err)
	must(t, m.money.OnCDR(ctx, stop.CDR))

	c := m.client()
	c.login("admin@spark.test")
	wantContains(t, "sites", c.get("/admin/sites").body, ">3 chargers</a>")
	wantContains(t, "groups", c.get("/admin/charger-groups").body, ">3 chargers</a>")
	wantContains(t, "cards", c.get("/admin/rfid-cards").body, "driver &lt;driver@spark.test&gt;")
	wallet := c.get("/admin/wallets/" + driver).body
	wantContains(t, "wallet", wallet, "Top-up", `<a href="/admin/sessions/`+start.Session.ID+`">Charging session at `+cr.CPID+" #")
}

// TestTicketsFromThePortal: support opens a ticket for a driver by e-mail
// and assigns it to another support user, named in the list of choices.
func TestTicketsFromThePortal(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db, withSupport(db))
	f.user("support@spark.test", volt.RoleSupport)
	other := f.user("sol@spark.test", volt.RoleSupport)
	cr := f.onboard(1)
	c := f.client()
	c.login("support@spark.test")
	form := c.get("/admin/tickets/new?contact=driver@spark.test&cpid=" + cr.CPID)
	wantContains(t, "new ticket form", form.body, `value="driver@spark.test"`, `value="`+cr.CPID+`"`)
	res := c.post("/admin/tickets", url.Values{"subject": {""}, "email": {"driver@spark.test"}})
	if res.status != http.StatusBadRequest {
		t.Fatalf("ticket without subject: %d", res.status)
	}
	res = c.post("/admin/tickets", url.Values{"subject": {"Cable stuck"}, "body": {"Cannot unplug"}, "email": {"driver@spark.test"},
		"cpid": {cr.CPID}, "priority": {"high"}})
	loc := res.header.Get("Location")
	if res.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/tickets/") {
		t.Fatalf("create: %d %q %s", res.status, loc, excerpt(res.body))
	}
	page := c.get(loc)
	wantContains(t, "ticket", page.body, "Cable stuck", "Cannot unplug", `<option value="`+other.ID+`">sol &lt;sol@spark.test&gt;</option>`)
	res = c.post(loc, url.Values{"status": {"open"}, "priority": {"high"}, "assignee": {other.ID}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("assign: %d %s", res.status, excerpt(res.body))
	}
	wantContains(t, "assigned", c.get(loc).body, "<dt>Assignee</dt><dd>sol &lt;sol@spark.test&gt;</dd>")
}

// TestIncomeCSVNamesBrandOwnerAndPeriod: the income CSV says whose brand it
// is issued under, which owner it reports on, and its period once, the last
// day inclusive.
func TestIncomeCSVNamesBrandOwnerAndPeriod(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	c := f.client()
	c.login("admin@spark.test")
	csv := c.get("/admin/income.csv?scope=owner:" + f.owner.ID + "&from=2025-01-01&to=2025-12-31")
	lines := strings.SplitN(csv.body, "\n", 5)
	if len(lines) < 4 || lines[0] != "brand,Spark Charge" || lines[1] != "report of,owner Harbour Car Parks" ||
		lines[2] != "period,2025-01-01,2025-12-31" {
		t.Fatalf("income csv heading:\n%s", csv.body)
	}
}

// TestBulkFormNamesWhatItInterrupts: the group command's confirmation names
// the group's chargers and its running sessions.
func TestBulkFormNamesWhatItInterrupts(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	cr := f.onboard(2)
	now := time.Now()
	start, err := f.charging.StartTransaction(sysCtx(), volt.StartRequest{CPID: cr.CPID, ConnectorID: 2, IDTag: "04BULK01", At: now, ReceivedAt: now})
	must(t, err)
	c := f.client()
	c.login("admin@spark.test")
	wantContains(t, "bulk form", c.get("/admin/bulk-commands").body,
		`data-confirm-detail="Group Level 1: 1 charger. Running now: #`+itoa(int(start.TransactionID))+` on `+cr.CPID+`/2; a reset or stop interrupts them."`)
}
