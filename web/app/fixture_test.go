package app

import (
	"bufio"
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
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/inmem"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/web/webtest"
)

const testPassword = "correct horse battery"

// fixture is the app on a real migrated database with one whitelabel CPO,
// a public charger group with a Public tariff, and one online charger with
// two connectors; the commander is a fake that records calls.
type fixture struct {
	t        testing.TB
	db       *store.DB
	app      *App
	srv      *httptest.Server
	bus      *inmem.Bus
	cmd      *webtest.Commander
	hier     *store.HierarchyService
	users    *store.UserService
	chargers *store.ChargerService
	charging *store.ChargingService
	tariffs  *store.TariffService
	money    *store.MoneyService

	cpo     *volt.CPO
	group   *volt.ChargerGroup
	charger string // CPID
}

func sysCtx() context.Context {
	return volt.NewContextWithActor(context.Background(), volt.SystemActor)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newFixture(t testing.TB, db *store.DB, mutate ...func(*Config)) *fixture {
	t.Helper()
	f := &fixture{t: t, db: db, bus: inmem.NewBus(), cmd: &webtest.Commander{Answer: json.RawMessage(`{"status":"Accepted"}`)},
		hier: store.NewHierarchyService(db), users: store.NewUserService(db), chargers: store.NewChargerService(db),
		charging: store.NewChargingService(db), tariffs: store.NewTariffService(db)}
	f.charging.Pricer = store.NewPricer(db)
	f.money = store.NewMoneyService(db, sandbox.New("sandbox-test-secret"))
	cfg := Config{Hierarchy: f.hier, Chargers: f.chargers, Users: f.users, Auth: store.NewAuthService(db),
		Charging: f.charging, Tariffs: f.tariffs, Payments: f.money, Wallets: f.money, Commander: f.cmd, Bus: f.bus,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		SecretKey: []byte("test-secret-key-0123456789abcdef")}
	for _, m := range mutate {
		m(&cfg)
	}
	f.app = New(cfg)
	t.Cleanup(func() { f.app.Close() })
	f.srv = httptest.NewServer(f.app)
	t.Cleanup(f.srv.Close)
	f.cpo, f.group, f.charger = f.estate("Spark Networks", "Spark Charge", "charge.spark.test", "+44 20 7946 0000")
	return f
}

// estate creates a whitelabel CPO with a site, a public group with a
// Public tariff, and an online charger with two Type 2 connectors.
func (f *fixture) estate(name, display, host, phone string) (*volt.CPO, *volt.ChargerGroup, string) {
	t, ctx := f.t, sysCtx()
	cpo := &volt.CPO{Name: name, Whitelabel: true, Theme: volt.Theme{DisplayName: display, PrimaryColor: "#aa2200",
		AccentColor: "#114477", HostNames: []string{host}, SupportPhone: phone, SupportEmail: "help@" + host}}
	must(t, f.hier.CreateCPO(ctx, cpo))
	owner := &volt.Owner{CPOID: cpo.ID, Name: name + " Parks"}
	must(t, f.hier.CreateOwner(ctx, owner))
	site := &volt.Site{OwnerID: owner.ID, Name: "Quay Street", Latitude: 51.45, Longitude: -2.59, Address: volt.Address{City: "Bristol"}}
	must(t, f.hier.CreateSite(ctx, site))
	group := &volt.ChargerGroup{SiteID: site.ID, Name: "Level 1"}
	must(t, f.hier.CreateChargerGroup(ctx, group))
	tariff := &volt.Tariff{CPOID: cpo.ID, Name: "Public", Currency: "GBP", VATRate: volt.MustDecimal("0.20"),
		EnergyPricePerKWh: volt.MustDecimal("0.45"), IdleFeePerMinute: volt.MustDecimal("0.10"), IdleGraceMinutes: 30,
		SessionFee: volt.MustDecimal("0.50")}
	must(t, f.tariffs.CreateTariff(ctx, tariff))
	must(t, f.tariffs.CreateTariffAssignment(ctx, &volt.TariffAssignment{TariffID: tariff.ID, UsergroupID: volt.PublicUsergroupID, ChargerGroupID: group.ID}))
	cred, err := f.chargers.CreateCharger(ctx, &volt.Charger{ChargerGroupID: group.ID, Name: "Bay 1"}, 2)
	must(t, err)
	f.online(cred.CPID)
	return cpo, group, cred.CPID
}

// online marks a charger connected with its connectors Available.
func (f *fixture) online(cpid string) {
	ctx, now := sysCtx(), time.Now()
	must(f.t, f.charging.RecordConnection(ctx, cpid, true, "ocpp1.6", now))
	for n := 1; n <= 2; n++ {
		must(f.t, f.charging.RecordStatus(ctx, volt.StatusReport{CPID: cpid, ConnectorID: n, Status: volt.StatusAvailable, ErrorCode: "NoError", At: now}))
	}
}

// driver creates a driver of the CPO with a password.
func (f *fixture) driver(email string) *volt.User {
	u := &volt.User{Email: email, Name: strings.Split(email, "@")[0], CPOID: f.cpo.ID}
	must(f.t, f.users.CreateUser(sysCtx(), u, testPassword))
	return u
}

// noPayments is the app before the money layer is wired: no cards, no
// credit; registered drivers charge to their account.
func noPayments(c *Config) { c.Payments, c.Wallets = nil, nil }

// startSession plays the charger's StartTransaction for an idTag and
// publishes the event as the gateway does.
func (f *fixture) startSession(cpid string, connector int, idTag string) *volt.Session {
	now := time.Now()
	res, err := f.charging.StartTransaction(sysCtx(), volt.StartRequest{CPID: cpid, ConnectorID: connector, IDTag: idTag,
		MeterStart: 1000, At: now, ReceivedAt: now})
	must(f.t, err)
	f.bus.Publish(context.Background(), volt.Event{Type: volt.EventSessionStarted, CPID: cpid, CPOID: res.Session.CPOID, At: now, Data: res.Session})
	return res.Session
}

// client is a browser: cookies, a host name, no redirects followed.
type client struct {
	t    testing.TB
	f    *fixture
	http *http.Client
	host string
}

type answer struct {
	status int
	body   string
	loc    string
	header http.Header
}

func (f *fixture) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: f.t, f: f, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (c *client) do(method, path string, form url.Values) answer {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.f.srv.URL+path, body)
	must(c.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.host != "" {
		req.Host = c.host
	}
	res, err := c.http.Do(req)
	must(c.t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, body: string(b), loc: res.Header.Get("Location"), header: res.Header}
}

func (c *client) get(path string) answer { return c.do(http.MethodGet, path, nil) }

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// post submits a form with the CSRF token of the page at from.
func (c *client) post(from, path string, form url.Values) answer {
	c.t.Helper()
	page := c.get(from)
	m := csrfRe.FindStringSubmatch(page.body)
	if m == nil {
		c.t.Fatalf("no CSRF token on %s (%d): %.300s", from, page.status, page.body)
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", m[1])
	return c.do(http.MethodPost, path, form)
}

func (c *client) login(email string) {
	c.t.Helper()
	res := c.post("/app/login", "/app/login", url.Values{"email": {email}, "password": {testPassword}, "next": {"/app/"}})
	if res.status != http.StatusSeeOther {
		c.t.Fatalf("login %s: %d %.300s", email, res.status, res.body)
	}
}

// events opens a server-sent event stream and returns a scanner on it.
func (c *client) events(ctx context.Context, path string) *bufio.Scanner {
	c.t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.f.srv.URL+path, nil)
	must(c.t, err)
	res, err := c.http.Do(req)
	must(c.t, err)
	c.t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != http.StatusOK {
		c.t.Fatalf("events %s: %d", path, res.StatusCode)
	}
	return bufio.NewScanner(res.Body)
}

// nextData returns the data of the next event with the given name.
func nextData(t testing.TB, s *bufio.Scanner, name string) string {
	t.Helper()
	want := false
	for s.Scan() {
		line := s.Text()
		if line == "event: "+name {
			want = true
		} else if want && strings.HasPrefix(line, "data: ") {
			return strings.TrimPrefix(line, "data: ")
		}
	}
	t.Fatalf("stream ended before a %q event: %v", name, s.Err())
	return ""
}

// eventually polls cond until it holds or the deadline passes. The deadline
// only bounds a failing test: CI's 2 cores under a parallel -race run took
// more than 5 s to deliver a guest's receipt through bus, capture and mail.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
