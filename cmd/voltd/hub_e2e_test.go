package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt/sim"
	"github.com/volt-ev/volt/store/storetest"
)

// TestHubEndToEnd is issue 16 item 5 with the simulator acting as a hub: one
// OCPP identity with two connectors onboarded as a hub of two sockets. Each
// socket is its own CPID online; a swipe on hub connector 2 makes a session
// and a CDR on socket 2's CPID (connector 1); a remote start sent to socket
// 1's CPID starts on hub connector 1; a command naming a connector the
// socket does not have is refused, naming connectorId.
func TestHubEndToEnd(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) { hubEndToEnd(t, e.DSN(t)) })
	}
}

func hubEndToEnd(t *testing.T, dsn string) {
	m := testMain(t, dsn)
	c := rootClient(t, m)
	est := newEstate(t, c, "0.45", "0.30")
	var hub struct {
		ID           string
		OCPPIdentity string `json:"ocppIdentity"`
		OCPPPassword string `json:"ocppPassword"`
		Sockets      []struct {
			HubConnectorID int `json:"hubConnectorId"`
			CPID           string
		}
	}
	c.must("POST", "/api/v1/hubs", map[string]any{"chargerGroupId": est.group.ID, "ocppIdentity": "HUB-E2E", "sockets": 2}, 201, &hub)
	if len(hub.Sockets) != 2 || hub.OCPPPassword == "" || hub.Sockets[1].HubConnectorID != 2 {
		t.Fatalf("hub %+v", hub)
	}
	s1, s2 := hub.Sockets[0].CPID, hub.Sockets[1].CPID
	c.header = http.Header{"Idempotency-Key": {"hub-topup"}} // an RFID start on credit needs the CPO's minimum
	c.must("POST", "/api/v1/wallets/"+est.user.ID+"/top-ups", map[string]any{"amount": "20.00", "currency": "GBP", "card": "4242424242424242"}, 201, nil)
	c.header = nil
	_, audit := c.do("GET", "/api/v1/audit-log?limit=200", nil, nil)
	if raw, _ := json.Marshal(audit); !strings.Contains(string(raw), "hub.create") || strings.Contains(string(raw), hub.OCPPPassword) {
		t.Errorf("hub onboarding not audited, or its password in the log: %s", raw)
	}
	code, body := c.do("POST", "/api/v1/hubs", map[string]any{"chargerGroupId": est.group.ID, "sockets": 65}, nil)
	if code != 400 || errField(body) != "sockets" {
		t.Errorf("65 sockets: %d %v", code, body)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := sim.New(sim.Config{URL: "ws://" + m.Addr() + "/ocpp", Identity: hub.OCPPIdentity, Password: hub.OCPPPassword,
		Connectors: 2, Vendor: "Acme", Model: "Hub-2", MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	done := make(chan struct{})
	go func() { defer close(done); _ = ch.Run(ctx) }()
	defer func() { cancel(); <-done }()

	for _, cpid := range []string{s1, s2} {
		checkFor(t, 15*time.Second, func() error {
			var got struct {
				Online     bool
				Model      string
				Connectors []struct{ Status string }
			}
			c.must("GET", "/api/v1/chargers/"+cpid, nil, 200, &got)
			if !got.Online || got.Model != "Hub-2" || len(got.Connectors) != 1 || got.Connectors[0].Status != "Available" {
				return fmt.Errorf("socket %s: %+v", cpid, got)
			}
			return nil
		})
	}

	// A driver swipes at hub connector 2: the session is socket 2's.
	if err := ch.Swipe(ctx, 2, "04A2B3C4"); err != nil {
		t.Fatalf("swipe: %v", err)
	}
	waitSession(t, c, s2, 1)
	if n := len(sessionsOf(c, s1)); n != 0 {
		t.Errorf("socket 1 has %d sessions, want none", n)
	}
	if err := ch.Stop(ctx, 2, "Local"); err != nil {
		t.Fatalf("stop: %v", err)
	}
	checkFor(t, 10*time.Second, func() error {
		var cdrs struct {
			Items []struct {
				CPID        string `json:"cpid"`
				ConnectorID int    `json:"connectorId"`
			}
		}
		c.must("GET", "/api/v1/cdrs?cpid="+s2, nil, 200, &cdrs)
		if len(cdrs.Items) != 1 || cdrs.Items[0].CPID != s2 || cdrs.Items[0].ConnectorID != 1 {
			return fmt.Errorf("CDRs of socket 2: %+v", cdrs.Items)
		}
		return nil
	})

	// A command to socket 1's CPID reaches hub connector 1.
	var ans map[string]any
	c.must("POST", "/api/v1/chargers/"+s1+"/commands/remote-start", map[string]any{"idTag": "04A2B3C4"}, 200, &ans)
	if ans["status"] != "Accepted" {
		t.Fatalf("remote start answer %v", ans)
	}
	waitSession(t, c, s1, 1)
	if !ch.Charging(1) || ch.Charging(2) {
		t.Errorf("hub connectors charging: 1=%v 2=%v, want only 1", ch.Charging(1), ch.Charging(2))
	}
	code, body = c.do("POST", "/api/v1/chargers/"+s2+"/commands/unlock-connector", map[string]any{"connectorId": 2}, nil)
	if code != 400 || errField(body) != "connectorId" {
		t.Errorf("unlock connector 2 of a one-socket CPID: %d %v", code, body)
	}
}

func errField(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["field"].(string)
	return s
}
