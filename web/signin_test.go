package web

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt/realip"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// frozen is a clock that stands still, so throttle waits do not pass while
// the test runs however slow the machine.
type frozen struct {
	mu  sync.Mutex
	now time.Time
}

func (f *frozen) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }

// TestPortalSignInThrottle: an attacker guessing the admin's password slows
// down sign-ins from new browsers (429, Retry-After) but never the admin's
// own browser that signed in before; behind a trusted proxy, one client's
// failures slow no other client; reset requests are throttled. On both
// engines.
func TestPortalSignInThrottle(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		db.Now = (&frozen{now: time.Now()}).Now
		proxies, err := realip.Parse("127.0.0.1/32, ::1")
		must(t, err)
		f := newFixture(t, db, func(c *AdminConfig) { c.ClientAddr = proxies.ClientAddr })
		from := func(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }
		attempt := func(c *client, ip, email, pw string) answer {
			c.do(http.MethodGet, "/admin/login", nil, from(ip))
			return c.do(http.MethodPost, "/admin/login", url.Values{"email": {email}, "password": {pw}, "csrf": {c.csrf}}, from(ip))
		}

		admin := f.client()
		if res := attempt(admin, "198.51.100.10", "admin@spark.test", testPassword); res.status != http.StatusSeeOther {
			t.Fatalf("admin's first sign-in: %d", res.status)
		}
		// Many other clients behind the same proxy fail: nobody else slows.
		for i := range 25 {
			if res := attempt(f.client(), fmt.Sprintf("203.0.113.%d", i), fmt.Sprintf("nobody%d@spark.test", i), "x"); res.status != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i, res.status)
			}
		}
		// An attacker guesses the admin's password from many addresses.
		for i := range store.LoginMaxFailures + 1 {
			attempt(f.client(), fmt.Sprintf("192.0.2.%d", i), "admin@spark.test", "guess")
		}
		res := attempt(f.client(), "192.0.2.200", "admin@spark.test", testPassword)
		if res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") != "1" {
			t.Fatalf("new browser during the attack: %d Retry-After %q", res.status, res.header.Get("Retry-After"))
		}
		wantContains(t, "wait in words", res.body, "Too many sign-in attempts. Wait 1 second before trying again.")
		// The admin's own browser (device cookie) is not held back.
		if res := attempt(admin, "198.51.100.77", "admin@spark.test", testPassword); res.status != http.StatusSeeOther {
			t.Fatalf("admin's known browser during the attack: %d %.300s", res.status, res.body)
		}

		// Password-reset requests: a few, then 429.
		var last answer
		for i := range 5 {
			c := f.client()
			c.do(http.MethodGet, "/admin/reset", nil, from(fmt.Sprintf("198.18.0.%d", i)))
			last = c.do(http.MethodPost, "/admin/reset", url.Values{"email": {"staff@spark.test"}, "csrf": {c.csrf}}, from(fmt.Sprintf("198.18.0.%d", i)))
		}
		if last.status != http.StatusTooManyRequests || last.header.Get("Retry-After") == "" {
			t.Errorf("fifth reset request for one address: %d", last.status)
		}
	})
}
