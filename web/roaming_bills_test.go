package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/web/webtest"
)

// roamingBillsFixture is the portal with roaming bills wired: a driver of
// Spark billed for two partner CDRs, one paid from the wallet and one a
// debt (the wallet short, no card); support staff of Spark and of
// another CPO.
func roamingBillsFixture(t *testing.T) (*fixture, *volt.User) {
	t.Helper()
	db := storetest.SQLite(t)
	ocpiStore := store.NewOCPIService(db)
	f := newFixture(t, db, func(c *AdminConfig) { c.RoamingBills, c.OCPIPartners = ocpiStore, ocpiStore })
	f.user("support@spark.test", volt.RoleSupport)
	driver := f.user("dora@spark.test", volt.RoleDriver)
	must(t, f.users.CreateRFIDCard(sysCtx(), &volt.RFIDCard{UID: "04D0AA01", UserID: driver.ID}))
	p := &volt.OCPIPartner{CPOID: f.cpo.ID, Name: "Far Away Power", CountryCode: "NL", PartyID: "FAP", Role: volt.OCPIRoleCPO}
	_, err := ocpiStore.CreateOCPIPartner(sysCtx(), p)
	must(t, err)
	self := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: driver.ID})
	_, err = store.NewMoneyService(db, sandbox.New("s")).TopUp(self, driver.ID, volt.Money{Amount: 500, Currency: "GBP"}, sandbox.CardOK, "t1")
	must(t, err)
	for _, c := range []struct {
		cdr  string
		cost int64
	}{{"cdr_paid", 300}, {"cdr_owed", 1234}} {
		_, err := ocpiStore.BillRoamingCDR(sysCtx(), p.ID, c.cdr, "04D0AA01", c.cost, "GBP")
		must(t, err)
	}
	other := &volt.CPO{Name: "Other Networks"}
	must(t, f.hier.CreateCPO(sysCtx(), other))
	u := &volt.User{Email: "support@other.test", Name: "support", CPOID: other.ID}
	must(t, f.users.CreateUser(sysCtx(), u, testPassword))
	g := &volt.Usergroup{Name: "support other", Role: volt.RoleSupport, CPOID: other.ID}
	must(t, f.users.CreateUsergroup(sysCtx(), g))
	must(t, f.users.AddMember(sysCtx(), g.ID, u.ID))
	return f, driver
}

// TestRoamingBillsPage (issue 14): Spark's support staff see the debt
// with the driver, partner, CDR, amount and failure, and the filter
// state=debt leaves the paid bill out; the driver's page links their
// bills; another CPO's support staff see none of them.
func TestRoamingBillsPage(t *testing.T) {
	f, driver := roamingBillsFixture(t)
	sup := f.client()
	sup.login("support@spark.test")
	res := sup.get("/admin/roaming-bills?state=debt")
	if res.status != 200 {
		t.Fatalf("debts page: %d", res.status)
	}
	for _, want := range []string{`data-cdr="cdr_owed" data-state="debt"`, ">dora<", "Far Away Power", "12.34 GBP", "no card on file"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("debts page lacks %q", want)
		}
	}
	if strings.Contains(res.body, "cdr_paid") {
		t.Error("the debt filter shows the paid bill")
	}
	if all := sup.get("/admin/roaming-bills?userId=" + driver.ID); !strings.Contains(all.body, "cdr_paid") || !strings.Contains(all.body, "cdr_owed") {
		t.Errorf("the driver's bills: %d", all.status)
	}
	admin := f.client()
	admin.login("admin@spark.test")
	if u := admin.get("/admin/users/" + driver.ID); !strings.Contains(u.body, "/admin/roaming-bills?userId="+driver.ID) {
		t.Error("the driver's page does not link their roaming bills")
	}
	other := f.client()
	other.login("support@other.test")
	if res := other.get("/admin/roaming-bills?state=debt"); strings.Contains(res.body, "cdr_owed") || !strings.Contains(res.body, `id="no-roaming-bills"`) {
		t.Errorf("another CPO's support sees Spark's debts: %d", res.status)
	}
	if res := other.get("/admin/roaming-bills?userId=" + driver.ID); strings.Contains(res.body, "cdr_") {
		t.Error("another CPO's support sees the driver's bills")
	}
}

// TestBrowserRoamingDebts follows the partners page's link to the debts
// and checks the page with axe (issue 14).
func TestBrowserRoamingDebts(t *testing.T) {
	webtest.Chromium(t)
	f, _ := roamingBillsFixture(t)
	b := newBrowser(t, f.srv.URL)
	b.login("admin@spark.test")
	b.Run("open the partners", b.open("/admin/ocpi-partners"), chromedp.WaitVisible(chromedp.CSS(`#roaming-debts-link`)))
	b.Run("follow to the debts", chromedp.Click(chromedp.CSS(`#roaming-debts-link`)), chromedp.WaitVisible(chromedp.CSS(`#roaming-bills`)))
	b.checkA11y("roaming debts")
	body := value(b, "rows", chromedp.Text(chromedp.CSS(`#roaming-bills tbody`)))
	if !strings.Contains(body, "cdr_owed") || !strings.Contains(body, "12.34 GBP") || !strings.Contains(body, "dora") || strings.Contains(body, "cdr_paid") {
		t.Errorf("debts shown: %q", body)
	}
}
