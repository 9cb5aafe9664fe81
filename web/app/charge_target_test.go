package app

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestChargeTargetControl (issue 19): the account links the charge target
// control; the driver sees 100 % at first, saves 80 % (kept for them), and
// an out-of-range or non-numeric value is refused with a message; signed
// out, the page asks to log in.
func TestChargeTargetControl(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		fleets := store.NewFleetService(db)
		f := newFixture(t, db, func(c *Config) { c.ChargeTargets = fleets })
		u := f.driver("dana@example.com")
		c := f.client()
		if res := c.get("/app/account/charge-target"); res.status != http.StatusSeeOther || !strings.HasPrefix(res.loc, "/app/login") {
			t.Errorf("signed out: %d %s", res.status, res.loc)
		}
		c.login(u.Email)
		if acc := c.get("/app/account"); !strings.Contains(acc.body, `href="/app/account/charge-target"`) {
			t.Errorf("the account does not link the charge target")
		}
		page := c.get("/app/account/charge-target")
		if page.status != 200 || !strings.Contains(page.body, `id="percent"`) || !strings.Contains(page.body, `value="100"`) {
			t.Fatalf("charge target page: %d %.400s", page.status, page.body)
		}
		for _, bad := range []string{"10", "abc", "101"} {
			res := c.post("/app/account/charge-target", "/app/account/charge-target", url.Values{"percent": {bad}})
			if res.status != http.StatusBadRequest || !strings.Contains(res.body, "20") {
				t.Errorf("%q: %d %.300s", bad, res.status, res.body)
			}
		}
		res := c.post("/app/account/charge-target", "/app/account/charge-target", url.Values{"percent": {"80"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("save 80: %d %.300s", res.status, res.body)
		}
		if page := c.get(res.loc); !strings.Contains(page.body, `value="80"`) || !strings.Contains(page.body, "Charge target saved.") {
			t.Errorf("after saving: %.600s", page.body)
		}
		got, err := fleets.FindChargeTarget(volt.NewContextWithActor(sysCtx(), &volt.Actor{UserID: u.ID}), u.ID)
		if err != nil || got.Percent != 80 {
			t.Errorf("stored target %+v, %v", got, err)
		}
	})
}
