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

var _ volt.MoneySettingsService = (*store.MoneyService)(nil)

// moneyFixture is the portal fixture with the money services wired, and a
// second CPO (with its own owner, charger and driver) that Spark's people
// must never see.
type moneyFixture struct {
	*fixture
	money  *store.MoneyService
	terms  *store.TerminalService
	reimb  *store.ReimbursementService
	other  *volt.CPO
	oOwner *volt.Owner
	oCPID  string
	oUser  *volt.User
}

func newMoneyFixture(t *testing.T) *moneyFixture {
	db := storetest.SQLite(t)
	m := &moneyFixture{money: store.NewMoneyService(db, sandbox.New("whsec_test"))}
	m.terms, m.reimb = store.NewTerminalService(db, m.money), store.NewReimbursementService(db)
	m.fixture = newFixture(t, db, func(c *AdminConfig) {
		c.MoneySettings, c.Wallets, c.Terminals, c.Reimbursements = m.money, m.money, m.terms, m.reimb
	})
	ctx := sysCtx()
	m.other = &volt.CPO{Name: "Rival Power", Currency: "EUR"}
	must(t, m.hier.CreateCPO(ctx, m.other))
	m.oOwner = &volt.Owner{CPOID: m.other.ID, Name: "Rival Fleet"}
	must(t, m.hier.CreateOwner(ctx, m.oOwner))
	site := &volt.Site{OwnerID: m.oOwner.ID, Name: "Rival Depot"}
	must(t, m.hier.CreateSite(ctx, site))
	group := &volt.ChargerGroup{SiteID: site.ID, Name: "Rival Bays"}
	must(t, m.hier.CreateChargerGroup(ctx, group))
	creds, err := m.chargers.CreateCharger(ctx, &volt.Charger{ChargerGroupID: group.ID, Name: "Rival"}, 1)
	must(t, err)
	m.oCPID = creds.CPID
	m.oUser = &volt.User{Email: "rival.driver@rival.test", Name: "Rival Driver", CPOID: m.other.ID}
	must(t, m.users.CreateUser(ctx, m.oUser, testPassword))
	return m
}

func (m *moneyFixture) userID(email string) string {
	m.t.Helper()
	list, _, err := m.users.FindUsers(sysCtx(), volt.UserFilter{Email: email})
	must(m.t, err)
	if len(list) != 1 {
		m.t.Fatalf("user %s: %d found", email, len(list))
	}
	return list[0].ID
}

func TestMoneySettingsPage(t *testing.T) {
	m := newMoneyFixture(t)
	must(t, m.users.CreateUser(sysCtx(), &volt.User{Email: "root@volt.test", Name: "Root", SuperAdmin: true}, testPassword))
	root := m.client()
	root.login("root@volt.test")
	c := m.client()
	c.login("admin@spark.test")

	page := c.get("/admin/money-settings")
	wantContains(t, "defaults", page.body, `value="5.00"`, `value="30.00"`, `value="250.00"`, "Amounts are in GBP", "set by the platform: read-only")

	// The platform fees are the super admin's (issue #10 item 4).
	form := url.Values{"cpoId": {m.cpo.ID}, "minBalance": {"7.50"}, "holdAmount": {"45.00"}, "maxTopUp": {"500.00"}, "feeVatRate": {"0.20"},
		"txFlat": {"0.25"}, "txPercent": {"1.5"}, "socketFlat": {"4.00"}, "socketPercent": {"0.5"}, "socketPeriod": {"annual"}}
	res := root.post("/admin/money-settings?cpo="+m.cpo.ID, cloneValues(form))
	if res.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", res.status, excerpt(res.body))
	}
	wantContains(t, "saved", root.get(res.header.Get("Location")).body, "Money settings of Spark Networks saved", `value="7.50"`, `value="1.5"`)
	ms, err := m.money.MoneySettings(sysCtx(), m.cpo.ID)
	must(t, err)
	if ms.MinBalance != 750 || ms.HoldAmount != 4500 || ms.MaxTopUp != 50000 || ms.Fees == nil || ms.Fees.Transaction.Flat.String() != "0.25" ||
		ms.Fees.Transaction.Percent.String() != "1.5" || ms.Fees.Socket.Period != volt.FeeAnnual || ms.Fees.Socket.Rule.Flat.String() != "4" {
		t.Fatalf("stored settings: %+v fees %+v", ms, ms.Fees)
	}
	// The CPO admin sees the fees read-only and changes its own settings;
	// fee fields it sends anyway change nothing.
	page = c.get("/admin/money-settings")
	wantContains(t, "admin reads the fees", page.body, `value="1.5"`, "set by the platform: read-only")
	own := url.Values{"cpoId": {m.cpo.ID}, "minBalance": {"7.50"}, "holdAmount": {"45.00"}, "txFlat": {"0.00"}, "txPercent": {"0"}, "socketPeriod": {"monthly"}}
	if res := c.post("/admin/money-settings", own); res.status != http.StatusSeeOther {
		t.Fatalf("admin saves its own settings: %d %s", res.status, excerpt(res.body))
	}
	if ms2, _ := m.money.MoneySettings(sysCtx(), m.cpo.ID); !volt.SameFees(ms2.Fees, ms.Fees) {
		t.Errorf("the CPO admin changed the platform fees: %+v", ms2.Fees)
	}

	// A fraction of a penny is refused in words, not rounded; the typed
	// values come back and nothing changes.
	bad := url.Values{"cpoId": {m.cpo.ID}, "minBalance": {"7.505"}, "holdAmount": {"45.00"}}
	res = c.post("/admin/money-settings", bad)
	if res.status != http.StatusBadRequest {
		t.Fatalf("fraction of a penny: %d", res.status)
	}
	wantContains(t, "fraction", res.body, "whole number of minor units of GBP", `value="7.505"`)
	res = c.post("/admin/money-settings", url.Values{"cpoId": {m.cpo.ID}, "minBalance": {"five"}, "holdAmount": {"45.00"}})
	wantContains(t, "not a number", res.body, "Minimum balance must be an amount such as 5.00")
	res = root.post("/admin/money-settings?cpo="+m.cpo.ID, url.Values{"cpoId": {m.cpo.ID}, "minBalance": {"5"}, "holdAmount": {"30"}, "txPercent": {"150"}, "socketPeriod": {"monthly"}})
	wantContains(t, "percent over 100", res.body, "Fee percentage must be from 0 to 100")
	if ms2, _ := m.money.MoneySettings(sysCtx(), m.cpo.ID); ms2.MinBalance != 750 {
		t.Errorf("refused saves changed the settings: %+v", ms2)
	}

	// Another CPO's settings are neither shown nor changed.
	if res := c.get("/admin/money-settings?cpo=" + m.other.ID); res.status != http.StatusNotFound {
		t.Errorf("other CPO's settings: %d", res.status)
	}
	form.Set("cpoId", m.other.ID)
	if res := c.post("/admin/money-settings", form); res.status != http.StatusNotFound {
		t.Errorf("saving other CPO's settings: %d", res.status)
	}
	if o, _ := m.money.MoneySettings(sysCtx(), m.other.ID); o.MinBalance != volt.DefaultMinBalance || o.Fees != nil {
		t.Errorf("other CPO's settings changed: %+v", o)
	}

	staff := m.client()
	staff.login("staff@spark.test")
	page = staff.get("/admin/money-settings")
	wantContains(t, "staff sees", page.body, `value="7.50"`, "read-only", "<fieldset disabled>")
	wantMissing(t, "staff form", page.body, `<button type="submit">Save changes</button>`)
	form.Set("cpoId", m.cpo.ID)
	form.Set("minBalance", "0.00")
	if res := staff.post("/admin/money-settings", form); res.status != http.StatusForbidden {
		t.Errorf("staff save: %d", res.status)
	}
	if ms3, _ := m.money.MoneySettings(sysCtx(), m.cpo.ID); ms3.MinBalance != 750 {
		t.Errorf("staff changed the settings: %+v", ms3)
	}
}

func TestWalletPages(t *testing.T) {
	m := newMoneyFixture(t)
	driver := m.userID("driver@spark.test")
	_, err := m.money.TopUp(sysCtx(), driver, volt.Money{Amount: 2000, Currency: "GBP"}, sandbox.CardOK, "topup-1")
	must(t, err)
	_, err = m.money.TopUp(sysCtx(), m.oUser.ID, volt.Money{Amount: 9900, Currency: "EUR"}, sandbox.CardOK, "topup-2")
	must(t, err)

	c := m.client()
	c.login("admin@spark.test")
	list := c.get("/admin/wallets")
	if list.status != http.StatusOK {
		t.Fatalf("wallets: %d %s", list.status, excerpt(list.body))
	}
	wantContains(t, "list", list.body, "driver@spark.test", `<td class="wallet-balance">20.00 GBP</td>`)
	wantMissing(t, "list", list.body, "rival.driver@rival.test", "99.00")

	one := c.get("/admin/wallets/" + driver)
	wantContains(t, "wallet", one.body, `<strong id="wallet-balance">20.00 GBP</strong>`, "Top-up", "20.00 GBP")

	for _, path := range []string{"/admin/wallets/" + m.oUser.ID, "/admin/wallets?cpo=" + m.other.ID} {
		if res := c.get(path); res.status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, res.status)
		}
	}

	// Staff has no support rights: the store's rule keeps balances from it.
	staff := m.client()
	staff.login("staff@spark.test")
	wantContains(t, "staff list", staff.get("/admin/wallets").body, "Not visible to your role")
	if res := staff.get("/admin/wallets/" + driver); res.status != http.StatusNotFound {
		t.Errorf("staff reads a wallet: %d", res.status)
	}
}

func TestTerminalPages(t *testing.T) {
	m := newMoneyFixture(t)
	creds := m.onboard(2)
	if _, err := m.terms.CreateTerminal(sysCtx(), &volt.Terminal{CPID: m.oCPID, Provider: "payter", Serial: "RIVAL-1"}); err != nil {
		t.Fatal(err)
	}
	c := m.client()
	c.login("admin@spark.test")
	c.get("/admin/terminals?cpid=" + creds.CPID)
	res := c.post("/admin/terminals", url.Values{"cpid": {creds.CPID}, "connectorId": {"2"}, "provider": {"payter"}, "serial": {"P68-0001"}})
	if res.status != http.StatusCreated {
		t.Fatalf("register: %d %s", res.status, excerpt(res.body))
	}
	key := between(res.body, `<code id="terminal-key">`, `</code>`)
	if !strings.HasPrefix(key, volt.TerminalKeyPrefix) {
		t.Fatalf("no key shown: %s", excerpt(res.body))
	}
	actor, err := m.terms.AuthenticateTerminal(sysCtx(), key)
	must(t, err)

	list := c.get("/admin/terminals")
	wantContains(t, "list", list.body, "P68-0001", creds.CPID)
	wantMissing(t, "list", list.body, "RIVAL-1", key)

	res = c.post("/admin/terminals", url.Values{"cpid": {creds.CPID}, "connectorId": {"9"}, "provider": {"payter"}, "serial": {"P68-0002"}})
	wantContains(t, "bad connector", res.body, "has no connector 9", `value="P68-0002"`)
	res = c.post("/admin/terminals", url.Values{"cpid": {m.oCPID}, "provider": {"payter"}, "serial": {"STEAL"}})
	if res.status != http.StatusNotFound {
		t.Errorf("register on another CPO's charger: %d", res.status)
	}

	staff := m.client()
	staff.login("staff@spark.test")
	page := staff.get("/admin/terminals")
	wantContains(t, "staff list", page.body, "P68-0001")
	wantMissing(t, "staff list", page.body, "Register a terminal", "/delete")
	if res := staff.post("/admin/terminals", url.Values{"cpid": {creds.CPID}, "provider": {"payter"}, "serial": {"STAFF"}}); res.status != http.StatusForbidden {
		t.Errorf("staff register: %d", res.status)
	}
	if res := staff.post("/admin/terminals/"+actor.TerminalID+"/delete", nil); res.status != http.StatusSeeOther {
		t.Errorf("staff delete: %d", res.status)
	}
	if _, err := m.terms.AuthenticateTerminal(sysCtx(), key); err != nil {
		t.Fatalf("staff's delete removed the terminal: %v", err)
	}

	c.get("/admin/terminals")
	res = c.post("/admin/terminals/"+actor.TerminalID+"/delete", nil)
	wantContains(t, "deleted", c.get(res.header.Get("Location")).body, "Terminal removed")
	if _, err := m.terms.AuthenticateTerminal(sysCtx(), key); !volt.IsCode(err, volt.EUNAUTHORIZED) {
		t.Errorf("key after delete: %v", err)
	}
}

func TestReimbursementPages(t *testing.T) {
	m := newMoneyFixture(t)
	creds := m.onboard(1)
	ctx := sysCtx()
	must(t, m.reimb.CreateReimbursementAgreement(ctx, &volt.ReimbursementAgreement{OwnerID: m.oOwner.ID, UserID: m.oUser.ID,
		CPID: m.oCPID, Rate: volt.MustDecimal("0.25")}))

	c := m.client()
	c.login("admin@spark.test")
	c.get("/admin/reimbursements")
	res := c.post("/admin/reimbursements", url.Values{"ownerId": {m.owner.ID}, "email": {"driver@spark.test"},
		"homeChargerCpid": {creds.CPID}, "ratePerKwh": {"0.3O"}})
	wantContains(t, "bad rate", res.body, "rate per kWh must be a number", `value="0.3O"`)
	res = c.post("/admin/reimbursements", url.Values{"ownerId": {m.owner.ID}, "email": {"rival.driver@rival.test"},
		"homeChargerCpid": {creds.CPID}, "ratePerKwh": {"0.30"}})
	wantContains(t, "invisible driver", res.body, "No driver with the e-mail")
	res = c.post("/admin/reimbursements", url.Values{"ownerId": {m.owner.ID}, "email": {"driver@spark.test"},
		"homeChargerCpid": {creds.CPID}, "ratePerKwh": {"0.30"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("create agreement: %d %s", res.status, excerpt(res.body))
	}
	ags, _, err := m.reimb.FindReimbursementAgreements(ctx, volt.ReimbursementFilter{OwnerID: m.owner.ID})
	must(t, err)
	if len(ags) != 1 || ags[0].Rate.String() != "0.3" || ags[0].UserID != m.userID("driver@spark.test") {
		t.Fatalf("agreements: %+v", ags)
	}
	_, err = m.reimb.RunReimbursements(ctx, time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC))
	must(t, err)
	sts, _, err := m.reimb.FindReimbursementStatements(ctx, volt.ReimbursementFilter{})
	must(t, err)
	var mine, theirs string
	for _, st := range sts {
		if st.OwnerID == m.owner.ID {
			mine = st.ID
		} else {
			theirs = st.ID
		}
	}
	if mine == "" || theirs == "" {
		t.Fatalf("statements: %+v", sts)
	}

	page := c.get("/admin/reimbursements")
	wantContains(t, "page", page.body, "driver@spark.test", "0.3 GBP", "2026-03", "/admin/reimbursements/statements/"+mine)
	wantMissing(t, "page", page.body, m.oCPID, "rival.driver", theirs)
	pdf := c.get("/admin/reimbursements/statements/" + mine)
	if pdf.status != http.StatusOK || pdf.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.body, "%PDF") {
		t.Errorf("statement PDF: %d %s", pdf.status, pdf.header.Get("Content-Type"))
	}
	if res := c.get("/admin/reimbursements/statements/" + theirs); res.status != http.StatusNotFound {
		t.Errorf("other CPO's statement: %d", res.status)
	}

	staff := m.client()
	staff.login("staff@spark.test")
	page = staff.get("/admin/reimbursements")
	wantContains(t, "staff page", page.body, "driver@spark.test", "/admin/reimbursements/statements/"+mine)
	wantMissing(t, "staff page", page.body, "New agreement", "/delete")
	if res := staff.post("/admin/reimbursements/"+ags[0].ID+"/delete", nil); res.status != http.StatusSeeOther {
		t.Errorf("staff delete: %d", res.status)
	}
	if n := agreementCount(t, m, m.owner.ID); n != 1 {
		t.Errorf("staff ended the agreement: %d left", n)
	}

	c.get("/admin/reimbursements")
	res = c.post("/admin/reimbursements/"+ags[0].ID+"/delete", nil)
	wantContains(t, "ended", c.get(res.header.Get("Location")).body, "Agreement ended")
	if n := agreementCount(t, m, m.owner.ID); n != 0 {
		t.Errorf("agreement not ended: %d left", n)
	}
}

func agreementCount(t *testing.T, m *moneyFixture, owner string) int {
	_, n, err := m.reimb.FindReimbursementAgreements(sysCtx(), volt.ReimbursementFilter{OwnerID: owner})
	must(t, err)
	return n
}

// between returns the text of s between the first from and the next to.
func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	out, _, _ := strings.Cut(rest, to)
	return out
}

// cloneValues copies a form, so a post by one client (which adds its CSRF
// token) leaves it reusable by another.
func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
