package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func TestLogin(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c := f.client()

		res := c.get("/admin/chargers")
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/admin/login?next=") {
			t.Fatalf("anonymous page: want redirect to login, got %d %q", res.status, res.header.Get("Location"))
		}
		c.get("/admin/login")
		res = c.post("/admin/login", url.Values{"email": {"admin@spark.test"}, "password": {"wrong password!"}})
		if res.status != http.StatusUnauthorized {
			t.Errorf("wrong password: status %d, want 401", res.status)
		}
		wantContains(t, "wrong password", res.body, "do not match")

		res = c.post("/admin/login", url.Values{"email": {"admin@spark.test"}, "password": {testPassword}, "next": {"/admin/chargers"}})
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/admin/chargers" {
			t.Fatalf("login: %d to %q", res.status, res.header.Get("Location"))
		}
		cookie := res.header.Get("Set-Cookie")
		for _, attr := range []string{"HttpOnly", "SameSite=Lax", "Path=/admin/"} {
			if !strings.Contains(cookie, attr) {
				t.Errorf("session cookie %q lacks %s", cookie, attr)
			}
		}
		res = c.get("/admin/")
		wantContains(t, "dashboard", res.body, "Chargers online", "admin@spark.test", "Sign out")

		token := sessionToken(t, c)
		c.post("/admin/logout", nil)
		if _, err := store.NewAuthService(db).Authenticate(t.Context(), token); !volt.IsCode(err, volt.EUNAUTHORIZED) {
			t.Errorf("token after logout: err %v, want EUNAUTHORIZED", err)
		}
		if res := c.get("/admin/"); res.status != http.StatusSeeOther {
			t.Errorf("after logout: status %d, want redirect", res.status)
		}
	})
}

func sessionToken(t *testing.T, c *client) string {
	u, _ := url.Parse(c.f.srv.URL + "/admin/")
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			return ck.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

func TestLoginRateLimitedInWords(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	c := f.client()
	c.get("/admin/login")
	var res answer
	for range store.LoginMaxFailures + 2 { // the sixth failure holds the next attempt back a second
		res = c.post("/admin/login", url.Values{"email": {"admin@spark.test"}, "password": {"not the password"}})
	}
	if res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") == "" {
		t.Errorf("status %d Retry-After %q, want 429 with Retry-After", res.status, res.header.Get("Retry-After"))
	}
	wantContains(t, "rate limited", res.body, "Too many sign-in attempts. Wait")
}

func TestDriverRefused(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	c := f.client()
	c.get("/admin/login")
	res := c.post("/admin/login", url.Values{"email": {"driver@spark.test"}, "password": {testPassword}})
	if res.status != http.StatusForbidden {
		t.Fatalf("driver login: status %d, want 403", res.status)
	}
	wantContains(t, "driver", res.body, "Driver app")
	if strings.Contains(res.header.Get("Set-Cookie"), sessionCookie+"=") {
		t.Error("driver got a session cookie")
	}
}

func TestCSRFRefused(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	c := f.client()
	c.login("admin@spark.test")
	form := url.Values{"siteId": {f.site.ID}, "name": {"Level 2"}}

	for name, token := range map[string]string{"missing": "", "forged": "AAAA" + c.csrf[4:]} {
		form.Set("csrf", token)
		if token == "" {
			form.Del("csrf")
			res := c.do(http.MethodPost, "/admin/charger-groups", form, nil)
			checkRefused(t, name, res)
		} else {
			checkRefused(t, name, c.do(http.MethodPost, "/admin/charger-groups", form, nil))
		}
	}
	// htmx sends the token in a header; a wrong one is refused too.
	form.Del("csrf")
	checkRefused(t, "htmx header", c.do(http.MethodPost, "/admin/charger-groups", form, map[string]string{csrfHeader: "nope"}))
	groups, _, err := f.hier.FindChargerGroups(sysCtx(), volt.Filter{SiteID: f.site.ID})
	must(t, err)
	if len(groups) != 1 {
		t.Fatalf("refused posts created groups: %d groups", len(groups))
	}

	res := c.do(http.MethodPost, "/admin/charger-groups", form, map[string]string{csrfHeader: c.csrf})
	if res.status != http.StatusSeeOther {
		t.Fatalf("with the header token: status %d: %s", res.status, excerpt(res.body))
	}
	res = c.get(res.header.Get("Location"))
	wantContains(t, "created group", res.body, "Charger group Level 2 created.")

	// The login form is protected too (double-submit cookie).
	anon := f.client()
	res = anon.do(http.MethodPost, "/admin/login", url.Values{"email": {"admin@spark.test"}, "password": {testPassword}}, nil)
	if res.status != http.StatusForbidden {
		t.Errorf("login without token: status %d, want 403", res.status)
	}
}

func checkRefused(t *testing.T, name string, res answer) {
	t.Helper()
	if res.status != http.StatusForbidden {
		t.Errorf("%s CSRF token: status %d, want 403", name, res.status)
	}
	wantContains(t, name+" CSRF token", res.body, "This form has expired")
}

func TestStaffCannotWrite(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		creds := f.onboard(2)
		c := f.client()
		c.login("staff@spark.test")

		res := c.get("/admin/charger-groups/" + f.group.ID)
		if res.status != http.StatusOK {
			t.Fatalf("staff group page: %d", res.status)
		}
		wantContains(t, "staff group page", res.body, "read-only", "Level 1")
		wantMissing(t, "staff group page", res.body, "Save changes", ">Delete<")
		res = c.get("/admin/")
		wantMissing(t, "staff nav", res.body, "Onboard a charger")
		res = c.get("/admin/chargers/" + creds.CPID)
		wantMissing(t, "staff charger page", res.body, "Remote commands", "Issue a new OCPP password", "Delete charger")

		// The server refuses even when the buttons are bypassed.
		res = c.post("/admin/charger-groups/"+f.group.ID, url.Values{"name": {"Renamed by staff"}})
		if res.status != http.StatusForbidden {
			t.Errorf("staff update: status %d, want 403", res.status)
		}
		wantContains(t, "staff update", res.body, "You are not allowed")
		g, err := f.hier.FindChargerGroupByID(sysCtx(), f.group.ID)
		must(t, err)
		if g.Name != "Level 1" {
			t.Errorf("staff renamed the group to %q", g.Name)
		}
		res = c.post("/admin/chargers", url.Values{"chargerGroupId": {f.group.ID}, "connectors": {"1"}})
		if res.status != http.StatusForbidden {
			t.Errorf("staff onboarding: status %d, want 403", res.status)
		}
		res = c.post("/admin/chargers/"+creds.CPID+"/commands/reset", url.Values{"type": {"Hard"}})
		wantContains(t, "staff command", res.body, "not allowed to send commands")
		if len(f.cmd.Calls()) != 0 {
			t.Errorf("staff command reached the charger: %v", f.cmd.Calls())
		}
	})
}

func TestThemeByHost(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c := f.client()
		c.host = "charge.spark.test:8080"
		res := c.get("/admin/login")
		wantContains(t, "whitelabel login", res.body, "Sign in to Spark Charge", "--volt-primary:#aa2200", "--volt-accent:#114477",
			"<title>Sign in · Spark Charge</title>")

		other := f.client()
		other.host = "portal.elsewhere.test"
		res = other.get("/admin/login")
		wantContains(t, "default login", res.body, "Sign in to Volt", "--volt-primary:"+defaultPrimary)
		wantMissing(t, "default login", res.body, "Spark")

		// Signed-in pages carry the theme too.
		c.login("admin@spark.test")
		res = c.get("/admin/chargers")
		wantContains(t, "whitelabel chargers page", res.body, "Spark Charge", "#aa2200")
	})
}

func TestThemeTextContrast(t *testing.T) {
	for bg, want := range map[string]string{"#ffff00": "#000000", "#000080": "#ffffff", "#aa2200": "#ffffff", "#f0f0f0": "#000000"} {
		if got := onColor(bg); got != want {
			t.Errorf("onColor(%s) = %s, want %s", bg, got, want)
		}
	}
}

func TestRootRedirect(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	res := f.client().get("/")
	if res.status != http.StatusFound || res.header.Get("Location") != "/admin/" {
		t.Errorf("GET /: %d %q", res.status, res.header.Get("Location"))
	}
}
