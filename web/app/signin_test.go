package app

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestAppSignInThrottle: five (or more) wrong passwords for a driver's
// e-mail no longer keep the driver out: the phone that signed in before
// (its device cookie) signs in at once, while a new browser waits (429,
// Retry-After, in words); reset requests are throttled. On both engines.
func TestAppSignInThrottle(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		now := time.Now()
		db.Now = func() time.Time { return now } // waits never pass by themselves during the test
		f := newFixture(t, db)
		u := f.driver("dee@example.com")
		phone := f.client()
		phone.login(u.Email)

		for i := range store.LoginMaxFailures + 1 {
			res := f.client().post("/app/login", "/app/login", url.Values{"email": {u.Email}, "password": {fmt.Sprintf("guess %d", i)}})
			if res.status != http.StatusUnauthorized {
				t.Fatalf("guess %d: %d", i, res.status)
			}
		}
		res := f.client().post("/app/login", "/app/login", url.Values{"email": {u.Email}, "password": {testPassword}})
		if res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") != "1" {
			t.Fatalf("new browser during the guessing: %d Retry-After %q", res.status, res.header.Get("Retry-After"))
		}
		if !strings.Contains(res.body, "Too many attempts. Wait 1 second and try again.") {
			t.Errorf("wait not said in words: %.400s", res.body)
		}
		phone.login(u.Email) // the driver's own phone: not held back

		var last answer
		for range 5 {
			last = f.client().post("/app/reset", "/app/reset", url.Values{"email": {u.Email}})
		}
		if last.status != http.StatusTooManyRequests || last.header.Get("Retry-After") == "" {
			t.Errorf("fifth reset request: %d", last.status)
		}
	})
}
