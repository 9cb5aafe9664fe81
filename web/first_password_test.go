package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestFirstSignInChangesOneTimePassword: a user whose password is one-time
// (the first Super Admin's) reaches no page before choosing their own; then
// the one-time password stops working and the portal opens.
func TestFirstSignInChangesOneTimePassword(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db)
	must(t, store.RequirePasswordChange(context.Background(), db, "admin@spark.test"))
	c := f.client()
	c.login("admin@spark.test")
	for _, p := range []string{"/admin/", "/admin/chargers", "/admin/users"} {
		if res := c.get(p); res.status != http.StatusSeeOther || res.header.Get("Location") != "/admin/password" {
			t.Fatalf("%s before the change: %d to %q, want 303 to /admin/password", p, res.status, res.header.Get("Location"))
		}
	}
	page := c.get("/admin/password")
	wantContains(t, "form", page.body, "one-time password", `action="/admin/password"`)
	res := c.post("/admin/password", url.Values{"password": {"a brand new secret"}, "confirm": {"a different secret"}})
	if res.status != http.StatusBadRequest {
		t.Fatalf("mismatch: %d", res.status)
	}
	res = c.post("/admin/password", url.Values{"password": {"a brand new secret"}, "confirm": {"a brand new secret"}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/admin/" {
		t.Fatalf("change: %d to %q: %s", res.status, res.header.Get("Location"), excerpt(res.body))
	}
	wantContains(t, "dashboard after the change", c.get("/admin/").body, "Your password is changed", "Dashboard")
	if _, _, err := f.admin.cfg.Auth.Login(context.Background(), "admin@spark.test", testPassword, "127.0.0.1"); err == nil {
		t.Error("the one-time password still signs in")
	}
}
