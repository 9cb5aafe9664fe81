package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/inmem"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/web/webtest"
)

const testPassword = "correct horse battery"

// fixture is a portal on a real migrated database with a small estate: one
// whitelabel CPO, an owner, a site, a charger group, and an admin, a staff
// user and a driver of that CPO.
type fixture struct {
	t        testing.TB
	db       *store.DB
	admin    *Admin
	srv      *httptest.Server
	bus      *inmem.Bus
	cmd      *webtest.Commander
	hier     *store.HierarchyService
	users    *store.UserService
	chargers *store.ChargerService
	charging *store.ChargingService

	cpo   *volt.CPO
	owner *volt.Owner
	site  *volt.Site
	group *volt.ChargerGroup
}

func commandAction(name string) (string, bool) {
	m := map[string]string{"reset": "Reset", "remote-start": "RemoteStartTransaction", "remote-stop": "RemoteStopTransaction",
		"unlock-connector": "UnlockConnector", "change-availability": "ChangeAvailability", "get-configuration": "GetConfiguration",
		"change-configuration": "ChangeConfiguration", "trigger-message": "TriggerMessage", "clear-cache": "ClearCache"}
	a, ok := m[name]
	return a, ok
}

func sysCtx() context.Context {
	return volt.NewContextWithActor(context.Background(), volt.SystemActor)
}

func newFixture(t testing.TB, db *store.DB, mutate ...func(*AdminConfig)) *fixture {
	t.Helper()
	f := &fixture{t: t, db: db, bus: inmem.NewBus(), cmd: &webtest.Commander{Answer: json.RawMessage(`{"status":"Accepted"}`)},
		hier: store.NewHierarchyService(db), users: store.NewUserService(db), chargers: store.NewChargerService(db),
		charging: store.NewChargingService(db)}
	cfg := AdminConfig{Hierarchy: f.hier, Chargers: f.chargers, Users: f.users, Auth: store.NewAuthService(db),
		Charging: f.charging, Tariffs: store.NewTariffService(db), Reports: store.NewReportService(db), Commander: f.cmd, Commands: commandAction, Bus: f.bus,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		SecretKey: []byte("test-secret-key-0123456789abcdef")}
	for _, m := range mutate {
		m(&cfg)
	}
	a, err := newAdmin(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.admin = a
	mux := http.NewServeMux()
	mux.Handle("/admin/", a)
	mux.Handle("/static/", Static())
	mux.Handle("/", RootRedirect())
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	f.estate()
	return f
}

func (f *fixture) estate() {
	t, ctx := f.t, sysCtx()
	f.cpo = &volt.CPO{Name: "Spark Networks", Whitelabel: true, Theme: volt.Theme{DisplayName: "Spark Charge",
		PrimaryColor: "#aa2200", AccentColor: "#114477", HostNames: []string{"charge.spark.test"}}}
	must(t, f.hier.CreateCPO(ctx, f.cpo))
	f.owner = &volt.Owner{CPOID: f.cpo.ID, Name: "Harbour Car Parks"}
	must(t, f.hier.CreateOwner(ctx, f.owner))
	f.site = &volt.Site{OwnerID: f.owner.ID, Name: "Quay Street", Latitude: 51.45, Longitude: -2.59, Address: volt.Address{City: "Bristol"}}
	must(t, f.hier.CreateSite(ctx, f.site))
	f.group = &volt.ChargerGroup{SiteID: f.site.ID, Name: "Level 1"}
	must(t, f.hier.CreateChargerGroup(ctx, f.group))
	f.user("admin@spark.test", volt.RoleAdmin)
	f.user("staff@spark.test", volt.RoleStaff)
	f.user("driver@spark.test", volt.RoleDriver)
}

// user creates a user of the CPO with one role over the whole CPO.
func (f *fixture) user(email string, role volt.Role) *volt.User {
	t, ctx := f.t, sysCtx()
	u := &volt.User{Email: email, Name: strings.Split(email, "@")[0], CPOID: f.cpo.ID}
	must(t, f.users.CreateUser(ctx, u, testPassword))
	g := &volt.Usergroup{Name: string(role) + "s " + email, Role: role, CPOID: f.cpo.ID}
	must(t, f.users.CreateUsergroup(ctx, g))
	must(t, f.users.AddMember(ctx, g.ID, u.ID))
	return u
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// client is a browser: a cookie jar that does not follow redirects, so tests
// see each answer.
type client struct {
	t    testing.TB
	f    *fixture
	http *http.Client
	csrf string
	host string
}

func (f *fixture) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: f.t, f: f, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type answer struct {
	status int
	body   string
	header http.Header
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) do(method, path string, form url.Values, hdr map[string]string) answer {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.f.srv.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.host != "" {
		req.Host = c.host
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if m := csrfRe.FindStringSubmatch(string(b)); m != nil {
		c.csrf = m[1]
	}
	return answer{status: res.StatusCode, body: string(b), header: res.Header}
}

func (c *client) get(path string) answer { return c.do(http.MethodGet, path, nil, nil) }

// post sends a form with the CSRF token of the last page seen.
func (c *client) post(path string, form url.Values) answer {
	if form == nil {
		form = url.Values{}
	}
	if form.Get("csrf") == "" {
		form.Set("csrf", c.csrf)
	}
	return c.do(http.MethodPost, path, form, nil)
}

// login signs in and fails the test when that does not work.
func (c *client) login(email string) {
	c.t.Helper()
	c.get("/admin/login")
	res := c.post("/admin/login", url.Values{"email": {email}, "password": {testPassword}, "next": {"/admin/"}})
	if res.status != http.StatusSeeOther {
		c.t.Fatalf("login %s: status %d: %s", email, res.status, res.body)
	}
	c.get("/admin/")
}

// onboard creates a charger as the system and returns its credentials.
func (f *fixture) onboard(connectors int) *volt.ChargerCredentials {
	f.t.Helper()
	creds, err := f.chargers.CreateCharger(sysCtx(), &volt.Charger{ChargerGroupID: f.group.ID, Name: "Bay"}, connectors)
	must(f.t, err)
	return creds
}

func wantContains(t testing.TB, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("%s: want %q in the page; got:\n%s", what, s, excerpt(body))
		}
	}
}

func wantMissing(t testing.TB, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(body, s) {
			t.Errorf("%s: want no %q in the page", what, s)
		}
	}
}

// excerpt is the <main> of a page, to keep failure output readable.
func excerpt(body string) string {
	if i := strings.Index(body, `<main`); i >= 0 {
		body = body[i:]
	}
	if len(body) > 3000 {
		body = body[:3000] + "…"
	}
	return body
}
