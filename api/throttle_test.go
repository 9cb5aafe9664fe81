package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/realip"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// tokenAttempt posts a sign-in from peer with extra headers.
func tokenAttempt(h http.Handler, peer, body string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/api/v1/auth/token", strings.NewReader(body))
	req.RemoteAddr = peer
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestTokenThrottle: behind a trusted proxy the client address comes from
// X-Forwarded-For, so failures of some clients never slow the others; from
// an untrusted peer the header is ignored; an account's owner keeps signing
// in with the deviceToken while an attacker guesses; a throttled attempt is
// 429 with Retry-After. On both engines.
func TestTokenThrottle(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		users := store.NewUserService(db)
		must(t, users.CreateUser(sys(), &volt.User{Email: "owner@example.com", Name: "Owner"}, "owner password 1"))
		proxies, err := realip.Parse("10.0.0.0/8")
		must(t, err)
		h := New(Config{Auth: store.NewAuthService(db), Users: users, Logger: quietLogger(), ClientAddr: proxies.ClientAddr})
		bad := func(email string) string { return fmt.Sprintf(`{"email":%q,"password":"wrong guess"}`, email) }
		good := `{"email":"owner@example.com","password":"owner password 1"}`
		xff := func(ip string) http.Header { return http.Header{"X-Forwarded-For": {ip}} }

		// Behind the proxy: many clients each failing once or twice slow
		// nobody else down (all of them arrive from the proxy's address).
		for i := range volt.AddressThrottle.Free + 5 {
			if rec := tokenAttempt(h, "10.0.0.1:443", bad(fmt.Sprintf("user%d@example.com", i)), xff(fmt.Sprintf("198.51.100.%d", i))); rec.Code != 401 {
				t.Fatalf("failure %d through the proxy: %d %s", i, rec.Code, rec.Body)
			}
		}
		rec := tokenAttempt(h, "10.0.0.1:443", good, xff("203.0.113.7"))
		if rec.Code != 200 {
			t.Fatalf("another client behind the proxy: %d %s", rec.Code, rec.Body)
		}
		var first TokenResponse
		must(t, json.Unmarshal(rec.Body.Bytes(), &first))
		if first.DeviceToken == "" {
			t.Fatal("no deviceToken in the answer")
		}

		// An untrusted peer cannot pick its address with the header.
		for i := range volt.AddressThrottle.Free + 1 {
			tokenAttempt(h, "192.0.2.66:1000", bad(fmt.Sprintf("x%d@example.com", i)), xff(fmt.Sprintf("203.0.113.%d", i)))
		}
		rec = tokenAttempt(h, "192.0.2.66:1000", good, xff("203.0.113.200"))
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), `"code":"rate_limited"`) {
			t.Fatalf("spoofed header from an untrusted peer: %d %q %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
		}

		// Guesses at the owner's password from many addresses: a new device
		// waits, the owner's known device does not.
		for i := range store.LoginMaxFailures + 1 {
			tokenAttempt(h, fmt.Sprintf("192.0.2.%d:1000", i+1), bad("owner@example.com"), nil)
		}
		rec = tokenAttempt(h, "198.18.0.1:1000", good, nil)
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" {
			t.Fatalf("new device during the attack: %d %q %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
		}
		withDevice := fmt.Sprintf(`{"email":"owner@example.com","password":"owner password 1","deviceToken":%q}`, first.DeviceToken)
		if rec = tokenAttempt(h, "198.18.0.1:1000", withDevice, nil); rec.Code != 200 {
			t.Fatalf("the owner's known device during the attack: %d %s", rec.Code, rec.Body)
		}
	})
}
