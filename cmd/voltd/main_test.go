package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt/sim"
	"github.com/volt-ev/volt/store/storetest"
)

// testMain boots a whole node on port 0 against a fresh database of the
// engine, as `voltd serve` would, and closes it at cleanup.
func testMain(t *testing.T, dsn string) *Main {
	t.Helper()
	return testMainWith(t, dsn, nil)
}

// testMainWith is testMain with the configuration changed by set first.
func testMainWith(t *testing.T, dsn string, set func(*Config)) *Main {
	t.Helper()
	cfg := defaultConfig()
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.DatabaseURL = dsn
	cfg.AdminEmail = "root@volt.test"
	cfg.AdminPassword = "root-password-123"
	cfg.CallTimeout = 5 * time.Second
	if set != nil {
		set(&cfg)
	}
	var logs bytes.Buffer
	m := NewMain(cfg, slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, &slog.HandlerOptions{Level: slog.LevelWarn})), io.Discard)
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
		if t.Failed() {
			t.Logf("node log:\n%s", logs.String())
		}
	})
	return m
}

// client is a small REST client for the tests.
type client struct {
	t      *testing.T
	base   string
	token  string
	header http.Header  // extra headers of the next requests
	http   *http.Client // nil: http.DefaultClient
}

func (c *client) do(method, path string, body any, out any) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	hc := http.DefaultClient
	if c.http != nil {
		hc = c.http
	}
	res, err := hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var generic map[string]any
	_ = json.Unmarshal(raw, &generic)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
	return res.StatusCode, generic
}

func (c *client) must(method, path string, body any, want int, out any) map[string]any {
	c.t.Helper()
	code, m := c.do(method, path, body, out)
	if code != want {
		c.t.Fatalf("%s %s: status %d, want %d: %v", method, path, code, want, m)
	}
	return m
}

// checkFor polls f until it returns nil or the deadline passes.
func checkFor(t *testing.T, d time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", d, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestEndToEnd boots voltd, builds an estate through the REST API, connects a
// simulated charger with the onboarding credentials, charges with an RFID
// card and with a remote start, stops remotely, and reads the CDRs.
func TestEndToEnd(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) { endToEnd(t, e.DSN(t)) })
	}
}

func endToEnd(t *testing.T, dsn string) {
	m := testMain(t, dsn)
	if res, err := http.Get(m.URL() + "/healthz"); err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", res, err)
	}
	c := rootClient(t, m)
	est := newEstate(t, c, "0.45", "0.30")
	creds, user := est.creds, est.user
	// Dana pays from her wallet: an RFID start on credit needs the CPO's
	// minimum (£5), so she tops up £20 first.
	c.header = http.Header{"Idempotency-Key": {"e2e-topup"}}
	c.must("POST", "/api/v1/wallets/"+user.ID+"/top-ups", map[string]any{"amount": "20.00", "currency": "GBP", "card": "4242424242424242"}, 201, nil)
	c.header = nil

	// A command to a charger that never connected answers at once.
	if code, body := c.do("POST", "/api/v1/chargers/"+creds.CPID+"/commands/reset", map[string]any{"type": "Soft"}, nil); code != 409 || errCode(body) != "charger_offline" {
		t.Fatalf("reset offline charger: %d %v, want 409 charger_offline", code, body)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := sim.New(sim.Config{URL: "ws://" + m.Addr() + "/ocpp", Identity: creds.OCPPIdentity, Password: creds.OCPPPassword,
		Connectors: 2, MeterInterval: time.Second, StepDelay: 10 * time.Millisecond})
	done := make(chan struct{})
	go func() { defer close(done); _ = ch.Run(ctx) }()
	defer func() { cancel(); <-done }()

	checkFor(t, 10*time.Second, func() error {
		var got struct{ Online bool }
		c.must("GET", "/api/v1/chargers/"+creds.CPID, nil, 200, &got)
		if !got.Online {
			return fmt.Errorf("charger %s not online", creds.CPID)
		}
		return nil
	})

	// RFID session on connector 1, in lower case as printed: idTags compare case-insensitively.
	if err := ch.Plug(1); err != nil {
		t.Fatal(err)
	}
	if err := ch.Swipe(ctx, 1, "04A2B3C4"); err != nil {
		t.Fatalf("swipe: %v", err)
	}
	txID := waitSession(t, c, creds.CPID, 1)
	if int64(ch.TransactionID(1)) != txID {
		t.Fatalf("charger transaction %d, server %d", ch.TransactionID(1), txID)
	}
	checkFor(t, 10*time.Second, func() error {
		if ch.MeterWh(1) <= 0 {
			return fmt.Errorf("no energy yet")
		}
		return nil
	})
	var ans map[string]any
	c.must("POST", "/api/v1/chargers/"+creds.CPID+"/commands/remote-stop", map[string]any{"transactionId": txID}, 200, &ans)
	if ans["status"] != "Accepted" {
		t.Fatalf("remote-stop answer %v", ans)
	}
	checkFor(t, 10*time.Second, func() error {
		var cdrs struct {
			Items []struct {
				ConnectorID int   `json:"connectorId"`
				EnergyWh    int64 `json:"energyWh"`
				MeterStart  int64 `json:"meterStart"`
				MeterStop   int64 `json:"meterStop"`
				StoppedAt   *time.Time
				TotalCost   *struct {
					Currency   string `json:"currency"`
					InclVAT    int64  `json:"inclVat"`
					ExclVAT    int64  `json:"exclVat"`
					Components []struct {
						InclVAT int64 `json:"inclVat"`
					} `json:"components"`
				} `json:"totalCost"`
			}
			Total int
		}
		c.must("GET", "/api/v1/cdrs?cpid="+creds.CPID, nil, 200, &cdrs)
		if cdrs.Total != 1 || len(cdrs.Items) != 1 {
			return fmt.Errorf("%d CDRs, want 1", cdrs.Total)
		}
		d := cdrs.Items[0]
		if d.ConnectorID != 1 || d.StoppedAt == nil || d.EnergyWh != d.MeterStop-d.MeterStart {
			return fmt.Errorf("CDR %+v inconsistent", d)
		}
		// Priced by the Public tariff: 30p session fee plus 45p/kWh, VAT included.
		if d.TotalCost == nil || d.TotalCost.Currency != "GBP" || d.TotalCost.InclVAT < 30 {
			return fmt.Errorf("CDR cost %+v, want GBP with at least the 30p session fee", d.TotalCost)
		}
		var sum int64
		for _, l := range d.TotalCost.Components {
			sum += l.InclVAT
		}
		if sum != d.TotalCost.InclVAT || d.TotalCost.ExclVAT > d.TotalCost.InclVAT {
			return fmt.Errorf("CDR cost lines %+v do not add up to %d", d.TotalCost.Components, d.TotalCost.InclVAT)
		}
		return nil
	})

	// Remote start on connector 2 waits for and returns the charger's answer.
	c.must("POST", "/api/v1/chargers/"+creds.CPID+"/commands/remote-start", map[string]any{"connectorId": 2, "idTag": "04A2B3C4"}, 200, &ans)
	if ans["status"] != "Accepted" {
		t.Fatalf("remote-start answer %v", ans)
	}
	waitSession(t, c, creds.CPID, 2)

	// Bad command input is refused before anything is sent.
	if code, body := c.do("POST", "/api/v1/chargers/"+creds.CPID+"/commands/reset", map[string]any{"type": "Sideways"}, nil); code != 400 {
		t.Fatalf("reset with bad type: %d %v, want 400", code, body)
	}
	if code, _ := c.do("POST", "/api/v1/chargers/"+creds.CPID+"/commands/launch-rocket", map[string]any{}, nil); code != 404 {
		t.Fatalf("unknown command: %d, want 404", code)
	}
}

// rootClient signs in as the bootstrap Super Admin.
func rootClient(t *testing.T, m *Main) *client {
	t.Helper()
	c := &client{t: t, base: m.URL()}
	var tok struct{ Token string }
	c.must("POST", "/api/v1/auth/token", map[string]string{"email": "root@volt.test", "password": "root-password-123"}, 200, &tok)
	c.token = tok.Token
	return c
}

// estate is a CPO with one site, a public charger group priced by a Public
// tariff, an onboarded charger and a driver with an RFID card (04A2B3C4).
type estate struct {
	cpo, group, tariff struct{ ID string }
	user               struct{ ID string }
	creds              struct{ CPID, OCPPIdentity, OCPPPassword string }
}

func newEstate(t *testing.T, c *client, perKWh, sessionFee string) *estate {
	t.Helper()
	e := &estate{}
	var owner, site struct{ ID string }
	c.must("POST", "/api/v1/cpos", map[string]any{"name": "E2E Charging"}, 201, &e.cpo)
	c.must("POST", "/api/v1/owners", map[string]any{"cpoId": e.cpo.ID, "name": "E2E Owner"}, 201, &owner)
	c.must("POST", "/api/v1/sites", map[string]any{"ownerId": owner.ID, "name": "E2E Site", "latitude": 51.45, "longitude": -2.59}, 201, &site)
	c.must("POST", "/api/v1/charger-groups", map[string]any{"siteId": site.ID, "name": "Public bays"}, 201, &e.group)
	c.must("POST", "/api/v1/tariffs", map[string]any{"cpoId": e.cpo.ID, "name": "Public", "energyPricePerKwh": perKWh,
		"sessionFee": sessionFee, "vatRate": "0.20", "currency": "GBP"}, 201, &e.tariff)
	c.must("POST", "/api/v1/tariff-assignments", map[string]any{"tariffId": e.tariff.ID, "usergroupId": "public", "chargerGroupId": e.group.ID}, 201, nil)
	c.must("POST", "/api/v1/chargers", map[string]any{"chargerGroupId": e.group.ID}, 201, &e.creds)
	if len(e.creds.CPID) != 6 || e.creds.OCPPPassword == "" {
		t.Fatalf("onboarding answer %+v: want a six-digit CPID and a password", e.creds)
	}
	c.must("POST", "/api/v1/users", map[string]any{"email": "dana@example.com", "name": "Dana"}, 201, &e.user)
	c.must("POST", "/api/v1/rfid-cards", map[string]any{"uid": "04a2b3c4", "userId": e.user.ID}, 201, nil)
	return e
}

// e2eSession is what the end-to-end tests read of a session.
type e2eSession struct {
	ConnectorID   int    `json:"connectorId"`
	Status        string `json:"status"`
	TransactionID int64  `json:"transactionId"`
	EnergyWh      int64  `json:"energyWh"`
}

// sessionsOf lists a charger's sessions through the API.
func sessionsOf(c *client, cpid string) []e2eSession {
	c.t.Helper()
	var list struct{ Items []e2eSession }
	c.must("GET", "/api/v1/sessions?cpid="+cpid, nil, 200, &list)
	return list.Items
}

// waitSession waits for an active session on the connector and returns its
// transaction id.
func waitSession(t *testing.T, c *client, cpid string, connector int) int64 {
	t.Helper()
	var txID int64
	checkFor(t, 10*time.Second, func() error {
		for _, s := range sessionsOf(c, cpid) {
			if s.ConnectorID == connector && s.Status == "active" {
				txID = s.TransactionID
				return nil
			}
		}
		return fmt.Errorf("no active session on %s/%d", cpid, connector)
	})
	return txID
}

func errCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

// TestConfig covers flag/env precedence and *_FILE secrets.
func TestConfig(t *testing.T) {
	dir := t.TempDir()
	pwFile := dir + "/pw"
	if err := writeFile(pwFile, "from-file\n"); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"VOLT_HTTP_ADDR": "0.0.0.0:9000", "VOLT_DATABASE_URL": "postgres://x", "VOLT_ADMIN_PASSWORD_FILE": pwFile}
	cfg, err := parseConfig("t", []string{"--http", "127.0.0.1:1"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPAddr != "127.0.0.1:1" || cfg.DatabaseURL != "postgres://x" || cfg.AdminPassword != "from-file" {
		t.Fatalf("config %+v", cfg)
	}
	if _, err := parseConfig("t", nil, func(k string) string { return map[string]string{"VOLT_OCPP_HEARTBEAT": "soon"}[k] }); err == nil {
		t.Fatal("bad duration accepted")
	}
	if _, err := parseConfig("t", []string{"stray"}, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "unexpected") {
		t.Fatalf("stray argument: %v", err)
	}
}
