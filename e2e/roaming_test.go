package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/volt-ev/volt/internal/ocpischema"
)

// ocpiProxy stands in front of one voltd's OCPI endpoints (its
// VOLT_PUBLIC_URL), so every OCPI request the other node sends it and
// every answer is validated against the OCPI 2.2.1 documents.
type ocpiProxy struct {
	srv       *httptest.Server
	target    atomic.Pointer[httputil.ReverseProxy]
	mu        sync.Mutex
	exchanges int
}

func newOCPIProxy(t *testing.T, spec *ocpischema.Spec) *ocpiProxy {
	p := &ocpiProxy{}
	forward := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rp := p.target.Load()
		if rp == nil {
			http.Error(w, "not started", http.StatusServiceUnavailable)
			return
		}
		rp.ServeHTTP(w, r)
	})
	validated := spec.Handler(t, forward, &p.exchanges)
	p.srv = httptest.NewServer(validated)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *ocpiProxy) forwardTo(t *testing.T, base string) {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	p.target.Store(httputil.NewSingleHostReverseProxy(u))
}

// appClient is a browser of the driver app: cookies, and the CSRF token of
// the last page it read.
type appClient struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
	last string // the path of the last page read (after redirects)
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func newAppClient(t *testing.T, base string) *appClient {
	jar, _ := cookiejar.New(nil)
	return &appClient{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

func (a *appClient) read(res *http.Response, err error) (int, string) {
	a.t.Helper()
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	a.last = res.Request.URL.Path
	b, _ := io.ReadAll(res.Body)
	if m := csrfInput.FindSubmatch(b); m != nil {
		a.csrf = html.UnescapeString(string(m[1]))
	}
	return res.StatusCode, string(b)
}

func (a *appClient) get(path string) (int, string) {
	a.t.Helper()
	return a.read(a.c.Get(a.base + path))
}

func (a *appClient) post(path string, form url.Values) (int, string) {
	a.t.Helper()
	form.Set("csrf", a.csrf)
	return a.read(a.c.PostForm(a.base+path, form))
}

// TestRoamingBetweenTwoVoltdBinaries is issue 14's "Done when" on real
// binaries: two `voltd serve` processes with their own SQLite databases
// roam over real HTTP. Both handshakes (B registers with A as its eMSP,
// A with B as its eMSP) run through the REST API; A's charger, simulated
// by `voltd sim`, appears in B's driver app; a B driver starts on it from
// B's app, follows the session there and stops it; the CDR arrives at B
// once and B bills its driver's wallet (A's price plus B's roaming
// margin); A's income report shows the third-party income under B's name.
// Every OCPI exchange passes a proxy that validates it against
// ../shared/ocpi-openapi.
func TestRoamingBetweenTwoVoltdBinaries(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs voltd")
	}
	spec := ocpischema.Load(t)
	pxA, pxB := newOCPIProxy(t, spec), newOCPIProxy(t, spec)
	fast := []string{"VOLT_OCPI_PUSH_INTERVAL=200ms", "VOLT_OCPI_PULL_INTERVAL=1s"}
	A := startVoltd(t, "root@a.test", "root-password-a1", append(fast, "VOLT_PUBLIC_URL="+pxA.srv.URL)...)
	pxA.forwardTo(t, A.URL)
	B := startVoltd(t, "root@b.test", "root-password-b1", append(fast, "VOLT_PUBLIC_URL="+pxB.srv.URL)...)
	pxB.forwardTo(t, B.URL)
	a, b := adminOf(t, A, "root@a.test", "root-password-a1"), adminOf(t, B, "root@b.test", "root-password-b1")

	// A: a CPO with a public charger (typed connector, Public tariff).
	var cpoA, ownerA, siteA, groupA, tariffA struct{ ID string }
	var charger struct{ CPID, OCPPPassword string }
	a.must("POST", "/api/v1/cpos", map[string]any{"name": "A Power"}, 201, &cpoA)
	a.must("POST", "/api/v1/owners", map[string]any{"cpoId": cpoA.ID, "name": "Mayfair Estates"}, 201, &ownerA)
	a.must("POST", "/api/v1/sites", map[string]any{"ownerId": ownerA.ID, "name": "Mayfair Hub", "latitude": 51.51, "longitude": -0.147,
		"address": map[string]any{"line1": "1 Mayfair Road", "city": "London", "postcode": "W1J 7AA", "country": "GB"}}, 201, &siteA)
	a.must("POST", "/api/v1/charger-groups", map[string]any{"siteId": siteA.ID, "name": "Public bays"}, 201, &groupA)
	a.must("POST", "/api/v1/tariffs", map[string]any{"cpoId": cpoA.ID, "name": "Public", "energyPricePerKwh": "0.50",
		"sessionFee": "1.00", "vatRate": "0.20", "currency": "GBP"}, 201, &tariffA)
	a.must("POST", "/api/v1/tariff-assignments", map[string]any{"tariffId": tariffA.ID, "usergroupId": "public", "chargerGroupId": groupA.ID}, 201, nil)
	a.must("POST", "/api/v1/chargers", map[string]any{"chargerGroupId": groupA.ID, "connectors": 1}, 201, &charger)
	a.must("PATCH", "/api/v1/chargers/"+charger.CPID+"/connectors/1", map[string]any{"type": "ccs2", "maxPowerW": 50000, "maxCurrentA": 125, "maxVoltageV": 400}, 200, nil)
	startSim(t, A, a, charger.CPID, charger.OCPPPassword)

	// B: a CPO (as eMSP of its drivers) with a driver who has credit.
	var cpoB, driver struct{ ID string }
	b.must("POST", "/api/v1/cpos", map[string]any{"name": "B Drive"}, 201, &cpoB)
	b.must("POST", "/api/v1/users", map[string]any{"email": "bea@b.test", "name": "Bea", "password": "bea-password-123", "cpoId": cpoB.ID}, 201, &driver)
	code, raw := b.doHeader("POST", "/api/v1/wallets/"+driver.ID+"/top-ups", map[string]any{"amount": "20.00", "currency": "GBP", "card": "4242424242424242"},
		"Idempotency-Key", "roam-topup")
	if code != 201 {
		t.Fatalf("top-up: %d %s", code, raw)
	}

	// Parties and both handshakes, through the APIs.
	a.must("PUT", "/api/v1/cpos/"+cpoA.ID+"/ocpi-party", map[string]any{"countryCode": "GB", "partyId": "AAA"}, 200, nil)
	b.must("PUT", "/api/v1/cpos/"+cpoB.ID+"/ocpi-party", map[string]any{"countryCode": "GB", "partyId": "BBB"}, 200, nil)
	pB := handshake(t, a, b, cpoA.ID, cpoB.ID, "B Drive", "BBB", "A Power", "AAA", "10") // A is CPO, B its eMSP
	pA := pB.them
	handshake(t, b, a, cpoB.ID, cpoA.ID, "A Power", "AAA", "B Drive", "BBB", "0") // the other way: B is CPO, A its eMSP

	// A's charger appears in B's app (pulled on B's schedule), available.
	app := newAppClient(t, B.URL)
	checkFor(t, 20*time.Second, func() error {
		_, body := app.get("/app/")
		if !strings.Contains(body, "Mayfair Hub") || !strings.Contains(body, "A Power · 1 Mayfair Road, London") || !strings.Contains(body, "1 of 1 available") {
			return fmt.Errorf("B's app does not list A's charger available yet")
		}
		// A's price (£0.50/kWh and £1.00 per session incl. VAT) + B's 10 %.
		if !strings.Contains(body, "£0.55/kWh · £1.10 per session incl. VAT and 10 % roaming margin") {
			return fmt.Errorf("B's app does not show A's price with the margin yet: %s", snippet(body, `id="roaming"`))
		}
		return nil
	})
	if code, body := app.get("/app/roam/" + pA + "/" + siteA.ID); code != 200 || !strings.Contains(body, "Log in") {
		t.Fatalf("roaming location for a visitor: %d, want the EVSEs and a log-in link", code)
	}
	app.get("/app/login")
	if code, body := app.post("/app/login", url.Values{"email": {"bea@b.test"}, "password": {"bea-password-123"}, "next": {"/app/roam/" + pA + "/" + siteA.ID}}); code != 200 || !strings.Contains(body, `name="evse"`) {
		t.Fatalf("log in and back to the location: %d\n%s", code, body)
	}

	// Start from B's app: START_SESSION to A, A remote-starts its charger.
	code, body := app.post("/app/roam/"+pA+"/"+siteA.ID+"/start", url.Values{"evse": {charger.CPID + "-1"}})
	if code != 200 || !strings.Contains(body, `id="roaming-charge"`) {
		t.Fatalf("start on A's charger from B's app: %d\n%s", code, body)
	}
	chargePage := app.last
	if !strings.HasPrefix(chargePage, "/app/roam/charge/rst_") {
		t.Fatalf("the start led to %s, want the charge page", chargePage)
	}
	// Follow it live: A's session reaches B and shows ACTIVE with energy.
	checkFor(t, 30*time.Second, func() error {
		_, body := app.get(chargePage)
		if !strings.Contains(body, `data-start="ACCEPTED"`) || !strings.Contains(body, `data-status="ACTIVE"`) {
			return fmt.Errorf("charge page not active yet: %s", snippet(body, `id="roaming-charge"`))
		}
		return nil
	})
	var sessions struct {
		Items []struct {
			ID, Status string
			EnergyWh   int64
		}
	}
	a.must("GET", "/api/v1/sessions?cpid="+charger.CPID, nil, 200, &sessions)
	if len(sessions.Items) != 1 || sessions.Items[0].Status != "active" {
		t.Fatalf("A's sessions: %+v, want the one active", sessions.Items)
	}
	checkFor(t, 20*time.Second, func() error { // the car charges a while
		a.must("GET", "/api/v1/sessions?cpid="+charger.CPID, nil, 200, &sessions)
		if len(sessions.Items) != 1 || sessions.Items[0].EnergyWh <= 0 {
			return fmt.Errorf("no energy metered yet: %+v", sessions.Items)
		}
		return nil
	})

	// Stop from B's app: STOP_SESSION, the charger stops, A sends the CDR.
	if code, body := app.post(chargePage+"/stop", url.Values{}); code != 200 {
		t.Fatalf("stop: %d\n%s", code, body)
	}
	var billed, energyAtB string
	checkFor(t, 30*time.Second, func() error {
		_, body := app.get(chargePage)
		mm := regexp.MustCompile(`data-billed="(\d+)"`).FindStringSubmatch(body)
		if mm == nil || !strings.Contains(body, `data-status="COMPLETED"`) {
			return fmt.Errorf("not billed yet: %s", snippet(body, `id="roaming-charge"`))
		}
		billed, energyAtB = mm[1], regexp.MustCompile(`data-energy-wh="(\d+)"`).FindStringSubmatch(body)[1]
		return nil
	})
	a.must("GET", "/api/v1/sessions?cpid="+charger.CPID, nil, 200, &sessions)
	if len(sessions.Items) != 1 || sessions.Items[0].Status == "active" || sessions.Items[0].EnergyWh <= 0 {
		t.Fatalf("A's sessions after the stop: %+v", sessions.Items)
	}
	if energyAtB != fmt.Sprint(sessions.Items[0].EnergyWh) {
		t.Errorf("B's app shows %s Wh, A metered %d Wh", energyAtB, sessions.Items[0].EnergyWh)
	}

	// The CDR arrived at B exactly once and B billed its driver: A's price
	// (incl. VAT) plus B's 10 % margin, from the wallet.
	var wallet struct{ Balance int64 }
	var income struct {
		ThirdPartyIncome    int64
		ThirdPartyByPartner []struct {
			PartnerName string
			Sessions    int64
			Income      int64
		}
	}
	from, to := url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)), url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	checkFor(t, 10*time.Second, func() error {
		a.must("GET", "/api/v1/reports/income?cpoId="+cpoA.ID+"&from="+from+"&to="+to, nil, 200, &income)
		if len(income.ThirdPartyByPartner) != 1 {
			return fmt.Errorf("A's income report: %+v", income)
		}
		return nil
	})
	tp := income.ThirdPartyByPartner[0]
	if tp.PartnerName != "B Drive" || tp.Sessions != 1 || tp.Income <= 0 || income.ThirdPartyIncome != tp.Income {
		t.Fatalf("A's third-party income: %+v, want one session of B Drive", income)
	}
	// What B's driver paid is A's CDR cost (A's income, VAT included) + 10 %.
	want := tp.Income + (tp.Income*10+50)/100
	if billed != fmt.Sprint(want) {
		t.Errorf("B billed %s, want %d (A's %d + 10 %%)", billed, want, tp.Income)
	}
	b.must("GET", "/api/v1/wallets/"+driver.ID, nil, 200, &wallet)
	if wallet.Balance != 2000-want {
		t.Errorf("B's driver's wallet %d, want 2000 - %d", wallet.Balance, want)
	}
	// Exactly once: B's reconciliation of the month holds one CDR of A,
	// matched by what B owes A, and the wallet was charged once.
	var rec struct {
		TheirCDRs  int   `json:"theirCdrs"`
		TheirTotal int64 `json:"theirTotal"`
		Payable    int64 `json:"payable"`
		Mismatches int   `json:"mismatches"`
	}
	b.must("GET", "/api/v1/ocpi-partners/"+pA+"/reconciliation?month="+time.Now().UTC().Format("2006-01"), nil, 200, &rec)
	if rec.TheirCDRs != 1 || rec.Mismatches != 0 || rec.TheirTotal != tp.Income || rec.Payable != tp.Income {
		t.Errorf("B's reconciliation with A: %+v, want one matched CDR of %d", rec, tp.Income)
	}
	b.must("GET", "/api/v1/wallets/"+driver.ID, nil, 200, &wallet)
	if wallet.Balance != 2000-want {
		t.Errorf("B's driver's wallet %d, want 2000 - %d", wallet.Balance, want)
	}
	// The driver's receipt: partner, energy, cost, margin, paid from the
	// wallet; B's roaming bills hold the one CDR, paid.
	if code, body := app.get(chargePage + "/receipt"); code != 200 || !strings.Contains(body, `data-state="paid" data-paid-by="wallet"`) ||
		!strings.Contains(body, "Paid from your wallet") || !strings.Contains(body, "Roaming margin (10 %)") ||
		!strings.Contains(body, `id="energy">`) {
		t.Errorf("the roaming receipt: %d %s", code, snippet(body, `id="roaming-receipt"`))
	}
	if code, body := app.get(chargePage + "/receipt.pdf"); code != 200 || !strings.HasPrefix(body, "%PDF") {
		t.Errorf("the roaming receipt PDF: %d", code)
	}
	var bills struct {
		Total int
		Items []struct {
			Total         int64
			State, PaidBy string
		}
	}
	b.must("GET", "/api/v1/roaming-bills", nil, 200, &bills)
	if bills.Total != 1 || bills.Items[0].Total != want || bills.Items[0].State != "paid" || bills.Items[0].PaidBy != "wallet" {
		t.Errorf("B's roaming bills: %+v, want one of %d paid from the wallet", bills, want)
	}
	if pxA.count() == 0 || pxB.count() == 0 {
		t.Errorf("OCPI exchanges validated: A %d, B %d", pxA.count(), pxB.count())
	}
	t.Logf("OCPI exchanges validated: A %d, B %d; billed %s", pxA.count(), pxB.count(), billed)
}

func (p *ocpiProxy) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exchanges
}

type partnerPair struct{ us, them string }

// handshake makes cpo (on c) the CPO of emsp (on e): c adds e's party as
// an eMSP, e adds c's party as a CPO and registers with c's Token A.
func handshake(t *testing.T, c, e *rest, cpo, emsp, emspName, emspParty, cpoName, cpoParty, margin string) partnerPair {
	t.Helper()
	var created struct {
		ID, TokenA, VersionsURL string
	}
	c.must("POST", "/api/v1/ocpi-partners", map[string]any{"cpoId": cpo, "name": emspName, "countryCode": "GB", "partyId": emspParty, "role": "EMSP"}, 201, &created)
	var theirs struct{ ID, Status string }
	e.must("POST", "/api/v1/ocpi-partners", map[string]any{"cpoId": emsp, "name": cpoName, "countryCode": "GB", "partyId": cpoParty, "role": "CPO",
		"roamingMarginPercent": margin}, 201, &theirs)
	e.must("POST", "/api/v1/ocpi-partners/"+theirs.ID+"/register", map[string]any{"versionsUrl": created.VersionsURL, "token": created.TokenA}, 200, &theirs)
	var ours struct{ Status string }
	c.must("GET", "/api/v1/ocpi-partners/"+created.ID, nil, 200, &ours)
	if theirs.Status != "connected" || ours.Status != "connected" {
		t.Fatalf("handshake %s→%s: %q and %q, want connected", emspName, cpoName, theirs.Status, ours.Status)
	}
	return partnerPair{us: created.ID, them: theirs.ID}
}

func adminOf(t *testing.T, n *node, email, password string) *rest {
	c := &rest{t: t, base: n.URL}
	var tok struct{ Token string }
	c.must("POST", "/api/v1/auth/token", map[string]string{"email": email, "password": password}, 200, &tok)
	c.token = tok.Token
	return c
}

// doHeader is do with one more request header.
func (c *rest) doHeader(method, path string, body any, key, value string) (int, json.RawMessage) {
	c.t.Helper()
	b, _ := json.Marshal(body)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, strings.NewReader(string(b)))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set(key, value)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

// startSim runs `voltd sim` as the charger cpid against n, and waits until
// n's API shows it on line and available.
func startSim(t *testing.T, n *node, admin *rest, cpid, password string) {
	t.Helper()
	creds := filepath.Join(t.TempDir(), "creds.csv")
	if err := os.WriteFile(creds, []byte(cpid+","+password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(voltdBinary(t), "sim", "--url", "ws://"+n.Addr+"/ocpp", "--credentials", creds, "--chargers", "1",
		"--connectors", "1", "--session-rate", "0", "--meter-interval", "1s", "--heartbeat", "30s", "--log-level", "warn")
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("voltd sim log:\n%s", logs.String())
		}
	})
	checkFor(t, 20*time.Second, func() error {
		select {
		case <-done:
			return fmt.Errorf("voltd sim exited:\n%s", logs.String())
		default:
		}
		var ch struct {
			Online     bool
			Connectors []struct{ Status string }
		}
		admin.must("GET", "/api/v1/chargers/"+cpid, nil, 200, &ch)
		if !ch.Online || len(ch.Connectors) == 0 || ch.Connectors[0].Status != "Available" {
			return fmt.Errorf("charger %s not on line and available yet: %+v", cpid, ch)
		}
		return nil
	})
}

func snippet(body, at string) string {
	i := strings.Index(body, at)
	if i < 0 {
		if len(body) > 300 {
			return body[:300]
		}
		return body
	}
	end := i + 600
	if end > len(body) {
		end = len(body)
	}
	return body[i:end]
}
