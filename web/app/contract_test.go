package app

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store/storetest"
)

// TestContractAdd: a driver registers their eMAID (issue 18); it is kept,
// without separators, as a token of theirs that authorises a Plug & Charge
// session; a malformed one is refused naming the format.
func TestContractAdd(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	c := f.client()
	c.host = "charge.spark.test"
	res := c.post("/app/register", "/app/register", url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {testPassword}, "next": {"/app/account"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("register: %d %.300s", res.status, res.body)
	}
	if res = c.post("/app/account", "/app/account/contracts", url.Values{"emaid": {"not-an-emaid"}}); res.status != http.StatusBadRequest || !strings.Contains(res.body, "eMAID") {
		t.Fatalf("bad eMAID: %d %.300s", res.status, res.body)
	}
	if res = c.post("/app/account", "/app/account/contracts", url.Values{"emaid": {"gb-vol-c12345678-9"}}); res.status != http.StatusSeeOther {
		t.Fatalf("add contract: %d %.300s", res.status, res.body)
	}
	users, _, err := f.users.FindUsers(sysCtx(), volt.UserFilter{Email: "ada@example.com"})
	must(t, err)
	cards, _, err := f.users.FindRFIDCards(sysCtx(), volt.UserFilter{ID: users[0].ID})
	must(t, err)
	if len(cards) != 1 || cards[0].UID != "GBVOLC123456789" || cards[0].Label != ContractLabel {
		t.Fatalf("contract token %+v", cards)
	}
	if acc := c.get("/app/account").body; !strings.Contains(acc, "GBVOLC123456789") {
		t.Fatalf("contract not listed")
	}
}
