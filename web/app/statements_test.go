package app

import (
	"net/http"
	"strings"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestAccountListsReimbursementStatements: a driver with a home
// reimbursement agreement finds the month's statement on the account page
// with the amount credited and its VAT, and opens the PDF; another driver
// cannot open it.
func TestAccountListsReimbursementStatements(t *testing.T) {
	db := storetest.SQLite(t)
	rs := store.NewReimbursementService(db)
	f := newFixture(t, db, func(c *Config) { c.Reimbursements = rs })
	u := f.driver("kim@example.com")
	must(t, f.users.CreateRFIDCard(sysCtx(), &volt.RFIDCard{UID: "HOME0001", UserID: u.ID}))
	now := time.Now().UTC()
	start := now.Add(-time.Minute)
	res, err := f.charging.StartTransaction(sysCtx(), volt.StartRequest{CPID: f.charger, ConnectorID: 1, IDTag: "HOME0001", MeterStart: 0, At: start, ReceivedAt: start})
	must(t, err)
	_, err = f.charging.StopTransaction(sysCtx(), volt.StopRequest{CPID: f.charger, TransactionID: res.TransactionID, MeterStop: 20_000, At: now, Reason: "Local"})
	must(t, err)
	var owner string
	must(t, f.db.QueryRow(sysCtx(), `SELECT owner_id FROM chargers WHERE cpid = ?`, f.charger).Scan(&owner))
	must(t, rs.CreateReimbursementAgreement(sysCtx(), &volt.ReimbursementAgreement{OwnerID: owner, UserID: u.ID, CPID: f.charger, Rate: volt.MustDecimal("0.10")}))
	n, err := rs.RunReimbursements(sysCtx(), now)
	if err != nil || n != 1 {
		t.Fatalf("job: %d, %v", n, err)
	}

	c := f.client()
	c.login(u.Email)
	acc := c.get("/app/account").body
	// 20 kWh × £0.10 = £2.00, of which VAT at 5 %: 2.00 × 0.05 / 1.05 = £0.10.
	for _, want := range []string{"Home charging reimbursement", now.Format("2006-01"), "£2.00", "VAT £0.10", "/app/account/statements/rst_"} {
		if !strings.Contains(acc, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	i := strings.Index(acc, "/app/account/statements/")
	link := acc[i : i+strings.IndexByte(acc[i:], '"')]
	pdf := c.get(link)
	if pdf.status != http.StatusOK || !strings.HasPrefix(pdf.body, "%PDF-") {
		t.Fatalf("statement PDF: %d %.40q", pdf.status, pdf.body)
	}
	other := f.driver("lee@example.com")
	c2 := f.client()
	c2.login(other.Email)
	if res := c2.get(link); res.status != http.StatusNotFound {
		t.Errorf("another driver opens the statement: %d", res.status)
	}
	if strings.Contains(c2.get("/app/account").body, "Home charging reimbursement") {
		t.Error("a driver without statements sees the section")
	}
}
