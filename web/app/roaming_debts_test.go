package app

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestRoamingDebtsPage (issue 14): a driver who owes a partner's CDR sees
// it on their account page (partner, amount, why) with "Pay what you
// owe"; paying with no card on file is refused and the debt stays; with a
// card on file that takes the charge it is paid and the section goes;
// another driver sees nothing of it.
func TestRoamingDebtsPage(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, func(c *Config) { c.RoamingDebts = store.NewMoneyService(db, sandbox.New("sandbox-test-secret")) })
		bea := f.driver("bea@b.test")
		f.driver("otto@b.test")
		ocpi := store.NewOCPIService(db)
		p := &volt.OCPIPartner{CPOID: f.cpo.ID, Name: "A Power", CountryCode: "GB", PartyID: "AAA", Role: volt.OCPIRoleCPO}
		_, err := ocpi.CreateOCPIPartner(sysCtx(), p)
		must(t, err)
		must(t, f.users.CreateRFIDCard(sysCtx(), &volt.RFIDCard{UID: "04BEA001", UserID: bea.ID}))
		if b, err := ocpi.BillRoamingCDR(sysCtx(), p.ID, "cdr_owed", "04BEA001", 1234, "GBP"); err != nil || b.State != volt.RoamingBillDebt {
			t.Fatalf("bill: %+v %v", b, err)
		}
		c := f.client()
		c.login("bea@b.test")
		res := c.get("/app/account")
		for _, want := range []string{`id="roaming-debts"`, "What you owe on partner networks", "A Power", "£12.34", "no card on file", `id="pay-debts"`} {
			if !strings.Contains(res.body, want) {
				t.Errorf("account page lacks %q", want)
			}
		}
		other := f.client()
		other.login("otto@b.test")
		if res := other.get("/app/account"); strings.Contains(res.body, "roaming-debts") {
			t.Error("another driver sees the debt")
		}

		// No card on file: refused, still owed.
		res = c.post("/app/account", "/app/account/roaming-debts/pay", url.Values{"key": {"0123456789abcdef01"}})
		if res.status != http.StatusPaymentRequired || !strings.Contains(res.body, "no card on file") {
			t.Errorf("pay without a card: %d %.300s", res.status, res.body)
		}
		// A card on file that is charged: paid, the section gone.
		self := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: bea.ID})
		must(t, f.money.SaveCard(self, bea.ID, sandbox.CardDeclined, "Visa")) // refused when saved: still owed
		if res := c.get("/app/account"); !strings.Contains(res.body, "roaming-debts") {
			t.Fatal("a refused card settled the debt")
		}
		_, err = db.Exec(context.Background(), `UPDATE payment_cards SET token = ? WHERE user_id = ?`, sandbox.CardOK, bea.ID) // the issuer accepts it now
		must(t, err)
		res = c.post("/app/account", "/app/account/roaming-debts/pay", url.Values{"key": {"0123456789abcdef02"}})
		if res.status != http.StatusSeeOther || res.loc != "/app/account?done=debts" {
			t.Fatalf("pay what you owe: %d %q", res.status, res.loc)
		}
		res = c.get(res.loc)
		if !strings.Contains(res.body, "you owe nothing on partner networks") || strings.Contains(res.body, `id="roaming-debts"`) {
			t.Errorf("pay what you owe: %d %.500s", res.status, res.body)
		}
		if b, err := ocpi.FindRoamingBill(sysCtx(), p.ID, "cdr_owed"); err != nil || b.State != volt.RoamingBillPaid {
			t.Errorf("bill after paying: %+v %v", b, err)
		}
	})
}
