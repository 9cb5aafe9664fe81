package app

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store/storetest"
)

// TestLimitKeptInStore: with Config.Limits the driver's limit goes to the
// store when the session starts, and a fresh app (a restart) still shows
// it; the app leaves stopping to the guard.
func TestLimitKeptInStore(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db, noPayments, func(c *Config) { c.Limits = nil })
	f.app.cfg.Limits = f.charging
	u := f.driver("kim@example.com")
	c := f.client()
	c.login(u.Email)
	page := "/app/c/" + f.charger
	if res := c.post(page, page+"/start", url.Values{"connector": {"1"}, "method": {"account"}, "limitKwh": {"7.5"}}); res.status != http.StatusSeeOther {
		t.Fatalf("start: %d %.300s", res.status, res.body)
	}
	tag := regexp.MustCompile(`"idTag":"([^"]+)"`).FindStringSubmatch(f.cmd.Last())[1]
	s := f.startSession(f.charger, 1, tag)
	eventually(t, "limit kept", func() bool {
		l, err := f.charging.FindSessionLimit(sysCtx(), s.ID)
		return err == nil && l.EnergyWh == 7500
	})
	restarted := New(Config{Charging: f.charging, Limits: f.charging, Users: f.users})
	defer restarted.Close()
	if l := restarted.limitOf(s.ID); l == nil || l.Wh != 7500 {
		t.Fatalf("limit after restart: %+v", l)
	}
}

// TestRefusedStartReleasesHold: the charger refuses the remote start; the
// card hold taken for it is released at once.
func TestRefusedStartReleasesHold(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	f.cmd.Answer = json.RawMessage(`{"status":"Rejected"}`)
	c := f.client()
	page := "/app/c/" + f.charger
	res := c.post(page, page+"/start", url.Values{"connector": {"1"}, "method": {"guest"}, "email": {"rel@example.com"}, "card": {sandbox.CardOK}})
	if res.status != http.StatusConflict {
		t.Fatalf("refused start: %d", res.status)
	}
	ps, _, err := f.money.FindPayments(sysCtx(), volt.PaymentFilter{Kind: volt.PaymentGuest})
	if err != nil || len(ps) != 1 || ps[0].State != volt.PaymentReleased {
		t.Fatalf("payments after a refused start: %+v, %v", ps, err)
	}
}
