package app

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store/storetest"
)

// TestWaitPageSaysWhyNoSessionStarted: the charger accepted the remote start
// but its Authorize of the driver's token was refused; the wait page says
// so, with the reason, instead of waiting for a car (issue #10 item 14).
func TestWaitPageSaysWhyNoSessionStarted(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), noPayments)
	u := f.driver("erin@example.com")
	c := f.client()
	c.login(u.Email)
	page := "/app/c/" + f.charger
	res := c.post(page, page+"/start", url.Values{"connector": {"1"}, "method": {"account"}})
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.loc, "/app/wait/") {
		t.Fatalf("start: %d %q", res.status, res.loc)
	}
	m := regexp.MustCompile(`"idTag":"(APP[0-9A-F]{16})"`).FindStringSubmatch(f.cmd.Last())
	if m == nil {
		t.Fatalf("remote start sent %q", f.cmd.Last())
	}
	f.bus.Publish(context.Background(), volt.Event{Type: volt.EventAuthorization, CPID: f.charger,
		Data: volt.AuthorizationDecision{CPID: f.charger, IDTag: strings.ToLower(m[1]), Action: "Authorize",
			Status: volt.AuthBlocked, Reason: "payment: wallet below the minimum"}})
	eventually(t, "the wait page gives the reason", func() bool {
		w := c.get(res.loc)
		return strings.Contains(w.body, "No session started") && strings.Contains(w.body, "wallet below the minimum")
	})
}
