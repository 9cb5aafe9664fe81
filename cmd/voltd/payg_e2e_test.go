package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/sim"
	"github.com/volt-ev/volt/store/storetest"
)

// TestCardPaymentsEndToEnd drives the card flows through a whole node and
// simulated chargers, on both engines: (a) a guest checks out by card in
// the Driver Web App, the charger starts, the session is stopped, and the
// capture equals exactly the CDR cost with the rest released; (b) a
// contactless tap through the terminal API (the sandbox's HTTP terminal)
// does the same; (c) a declined card refuses the start cleanly, in the app
// and at the terminal, and nothing is captured.
func TestCardPaymentsEndToEnd(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) { cardPayments(t, e.DSN(t)) })
	}
}

func cardPayments(t *testing.T, dsn string) {
	m := testMain(t, dsn)
	c := rootClient(t, m)
	est := newEstate(t, c, "0.45", "0.30")
	ctx, cancel := context.WithCancel(context.Background())
	ch := sim.New(sim.Config{URL: "ws://" + m.Addr() + "/ocpp", Identity: est.creds.OCPPIdentity, Password: est.creds.OCPPPassword,
		Connectors: 2, MeterInterval: time.Second, StepDelay: 10 * time.Millisecond})
	done := make(chan struct{})
	go func() { defer close(done); _ = ch.Run(ctx) }()
	defer func() { cancel(); <-done }()
	checkFor(t, 10*time.Second, func() error {
		var got struct {
			Online     bool
			Connectors []struct{ Status string }
		}
		c.must("GET", "/api/v1/chargers/"+est.creds.CPID, nil, 200, &got)
		if !got.Online || !ch.Online() || len(got.Connectors) != 2 {
			return fmt.Errorf("charger %s not online with its two connectors", est.creds.CPID)
		}
		for _, cn := range got.Connectors {
			if cn.Status != "Available" {
				return fmt.Errorf("connector %s", cn.Status)
			}
		}
		return nil
	})
	cpid := est.creds.CPID

	t.Run("declined card in the app", func(t *testing.T) {
		g := newGuest(t, m.URL())
		status, body := g.start(cpid, 1, "declined@example.com", sandbox.CardDeclined)
		if status != http.StatusPaymentRequired || !strings.Contains(body, "Payment declined") {
			t.Fatalf("declined guest start: %d %.300s", status, body)
		}
		assertNoSession(t, c, cpid)
		p := onePayment(t, c, cpid, "guest")
		if p.State != "failed" || p.Captured != 0 {
			t.Fatalf("declined payment %+v, want failed with nothing captured", p)
		}
	})

	t.Run("guest by card", func(t *testing.T) {
		g := newGuest(t, m.URL())
		// The start waits for the car (/app/wait/…) or, once the charger
		// has started, shows the session (/app/s/…).
		if status, body := g.start(cpid, 1, "guest@example.com", sandbox.CardOK); status != http.StatusOK ||
			!(strings.HasPrefix(g.at, "/app/wait/") || strings.HasPrefix(g.at, "/app/s/")) {
			t.Fatalf("guest start: %d at %s: %.300s", status, g.at, body)
		}
		settleAndCheck(t, c, ch, cpid, 1, "guest")
	})

	// The operator registers a terminal on connector 2; the terminal is
	// given its key and drives the API itself.
	var reg struct{ ID, APIKey string }
	c.must("POST", "/api/v1/terminals", map[string]any{"chargerCpid": cpid, "connectorId": 2, "provider": "sandbox", "serial": "E2E-1"}, 201, &reg)
	term := &sandbox.APITerminal{BaseURL: m.URL(), ID: reg.ID, Key: reg.APIKey}

	t.Run("declined card at the terminal", func(t *testing.T) {
		_, err := term.Tap(context.Background(), sandbox.CardDeclined, 0, "")
		var te *sandbox.TapError
		if !errors.As(err, &te) || te.Status != http.StatusUnprocessableEntity {
			t.Fatalf("declined tap: %v, want 422", err)
		}
		if ch.Charging(2) {
			t.Fatal("the charger started after a declined tap")
		}
		assertNoSession(t, c, cpid)
	})

	t.Run("contactless tap", func(t *testing.T) {
		auth, err := term.Tap(context.Background(), sandbox.CardOK, 0, "25.00")
		if err != nil || auth.Start != "Accepted" || auth.Payment.Amount != 2500 {
			t.Fatalf("tap: %+v, %v", auth, err)
		}
		p := settleAndCheck(t, c, ch, cpid, 2, "contactless")
		if p.ID != auth.Payment.ID {
			t.Fatalf("captured payment %s, the tap held %s", p.ID, auth.Payment.ID)
		}
		rc, err := term.Receipt(context.Background(), auth.Payment.ID)
		if err != nil || rc.State != "captured" || rc.Captured != p.Captured || rc.Released != 2500-p.Captured || rc.Cost == nil ||
			rc.Cost.InclVAT != p.Captured || rc.EnergyWh <= 0 {
			t.Fatalf("terminal receipt %+v, %v", rc, err)
		}
	})
}

// e2ePayment is what the checks read of GET /api/v1/payments/{id}.
type e2ePayment struct {
	ID, Kind, State, SessionID string
	Amount, Captured           int64
}

// settleAndCheck waits for the session on the connector, stops it
// remotely, waits for its priced CDR and checks through
// GET /api/v1/payments/{id} that exactly the CDR cost was captured.
func settleAndCheck(t *testing.T, c *client, ch *sim.Charger, cpid string, connector int, kind string) e2ePayment {
	t.Helper()
	txID := waitSession(t, c, cpid, connector)
	checkFor(t, 15*time.Second, func() error {
		for _, s := range sessionsOf(c, cpid) {
			if s.ConnectorID == connector && s.Status == "active" && s.EnergyWh > 0 && ch.Charging(connector) {
				return nil
			}
		}
		return fmt.Errorf("no energy metered yet on connector %d", connector)
	})
	var ans map[string]any
	c.must("POST", "/api/v1/chargers/"+cpid+"/commands/remote-stop", map[string]any{"transactionId": txID}, 200, &ans)
	if ans["status"] != "Accepted" {
		t.Fatalf("remote-stop answer %v", ans)
	}
	var cost int64
	var sessionID string
	checkFor(t, 15*time.Second, func() error {
		var cdrs struct {
			Items []struct {
				SessionID   string `json:"sessionId"`
				ConnectorID int    `json:"connectorId"`
				Method      string `json:"paymentMethod"`
				TotalCost   *struct {
					InclVAT int64 `json:"inclVat"`
				} `json:"totalCost"`
			}
		}
		c.must("GET", "/api/v1/cdrs?cpid="+cpid, nil, 200, &cdrs)
		for _, d := range cdrs.Items {
			if d.ConnectorID == connector && d.Method == kind && d.TotalCost != nil {
				cost, sessionID = d.TotalCost.InclVAT, d.SessionID
				return nil
			}
		}
		return fmt.Errorf("no priced %s CDR on connector %d yet", kind, connector)
	})
	var p e2ePayment
	checkFor(t, 15*time.Second, func() error {
		p = onePayment(t, c, cpid, kind, "captured")
		if p.ID == "" {
			return fmt.Errorf("no captured %s payment yet", kind)
		}
		c.must("GET", "/api/v1/payments/"+p.ID, nil, 200, &p)
		return nil
	})
	if p.SessionID != sessionID || p.Captured != cost || cost <= 0 || p.Amount <= cost {
		t.Fatalf("%s payment %+v: want exactly the CDR cost %dp captured for session %s, the rest of the hold released", kind, p, cost, sessionID)
	}
	t.Logf("%s: held %dp, captured %dp = CDR cost, released %dp", kind, p.Amount, p.Captured, p.Amount-p.Captured)
	return p
}

// onePayment returns the newest payment of a kind (and state) on the
// charger, or a zero payment.
func onePayment(t *testing.T, c *client, cpid, kind string, state ...string) e2ePayment {
	t.Helper()
	q := "/api/v1/payments?cpid=" + cpid + "&kind=" + kind
	if len(state) > 0 {
		q += "&state=" + state[0]
	}
	var list struct{ Items []e2ePayment }
	c.must("GET", q, nil, 200, &list)
	if len(list.Items) == 0 {
		return e2ePayment{}
	}
	return list.Items[0]
}

func assertNoSession(t *testing.T, c *client, cpid string) {
	t.Helper()
	for _, s := range sessionsOf(c, cpid) {
		if s.Status == "active" {
			t.Fatalf("an active session on %s after a refused payment", cpid)
		}
	}
}

// guest is a phone's browser in the Driver Web App: cookies kept, forms
// posted with their CSRF token.
type guest struct {
	t    *testing.T
	base string
	http *http.Client
	at   string // the path of the last page, after redirects
}

func newGuest(t *testing.T, base string) *guest {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &guest{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// start opens the charger page as a visitor and checks out as a guest by
// card on a connector; it answers the final status and page.
func (g *guest) start(cpid string, connector int, email, card string) (int, string) {
	g.t.Helper()
	res, err := g.http.Get(g.base + "/app/c/" + cpid)
	if err != nil {
		g.t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfField.FindStringSubmatch(string(page))
	if m == nil {
		g.t.Fatalf("no CSRF token on the charger page (%d)", res.StatusCode)
	}
	res, err = g.http.PostForm(g.base+"/app/c/"+cpid+"/start", url.Values{"csrf": {m[1]}, "connector": {fmt.Sprint(connector)},
		"method": {"guest"}, "email": {email}, "card": {card}})
	if err != nil {
		g.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	g.at = res.Request.URL.Path
	return res.StatusCode, string(body)
}
