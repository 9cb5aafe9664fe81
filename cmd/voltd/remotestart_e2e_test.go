package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt/sim"
	"github.com/volt-ev/volt/store/storetest"
)

// TestRemoteStartWaitsForSession is issue #10 item 14 with a real websocket
// charger: remote-start?wait=session answers what came of it, not only the
// charger's "Accepted": the card refused with the reason (the charger's
// Authorize was answered Invalid, or Blocked for want of credit), or the
// session that started.
func TestRemoteStartWaitsForSession(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) { remoteStartWaits(t, e.DSN(t)) })
	}
}

type startOutcome struct {
	Status     string `json:"status"`
	Outcome    string `json:"outcome"`
	Reason     string `json:"reason"`
	AuthStatus string `json:"authStatus"`
	Session    *struct {
		ID          string `json:"id"`
		ConnectorID int    `json:"connectorId"`
	} `json:"session"`
}

func remoteStartWaits(t *testing.T, dsn string) {
	m := testMain(t, dsn)
	c := rootClient(t, m)
	est := newEstate(t, c, "0.45", "0.30")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := sim.New(sim.Config{URL: "ws://" + m.Addr() + "/ocpp", Identity: est.creds.OCPPIdentity, Password: est.creds.OCPPPassword,
		Connectors: 2, MeterInterval: time.Second, StepDelay: 10 * time.Millisecond})
	done := make(chan struct{})
	go func() { defer close(done); _ = ch.Run(ctx) }()
	defer func() { cancel(); <-done }()
	checkFor(t, 10*time.Second, func() error {
		if !ch.Online() {
			return fmt.Errorf("charger not online")
		}
		return nil
	})
	start := func(connector int, tag string) startOutcome {
		t.Helper()
		var out startOutcome
		c.must("POST", "/api/v1/chargers/"+est.creds.CPID+"/commands/remote-start?wait=session",
			map[string]any{"connectorId": connector, "idTag": tag}, http.StatusOK, &out)
		return out
	}

	out := start(1, "NOSUCHCARD")
	if out.Status != "Accepted" || out.Outcome != "refused" || out.AuthStatus != "Invalid" || !strings.Contains(out.Reason, "unknown") {
		t.Fatalf("unknown card: %+v, want Accepted then refused Invalid with the reason", out)
	}
	out = start(1, "04A2B3C4") // Dana has no credit yet
	if out.Outcome != "refused" || out.AuthStatus != "Blocked" || !strings.Contains(out.Reason, "payment") {
		t.Fatalf("card without credit: %+v, want refused Blocked for payment", out)
	}
	c.header = http.Header{"Idempotency-Key": {"rs-topup"}}
	c.must("POST", "/api/v1/wallets/"+est.user.ID+"/top-ups", map[string]any{"amount": "20.00", "currency": "GBP", "card": "4242424242424242"}, 201, nil)
	c.header = nil
	_ = ch.Unplug(1)
	out = start(1, "04A2B3C4")
	if out.Outcome != "started" || out.Session == nil || out.Session.ConnectorID != 1 {
		t.Fatalf("remote start with credit: %+v, want the session", out)
	}
	if got := sessionsOf(c, est.creds.CPID); len(got) == 0 {
		t.Fatal("no session listed")
	}
	// Without waiting, the answer is the charger's, as the contract says.
	var plain map[string]any
	c.must("POST", "/api/v1/chargers/"+est.creds.CPID+"/commands/remote-start", map[string]any{"connectorId": 1, "idTag": "04A2B3C4"}, 200, &plain)
	if len(plain) != 1 || plain["status"] == nil {
		t.Fatalf("remote-start without wait answered %v", plain)
	}
}
