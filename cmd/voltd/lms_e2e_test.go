package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt/sim"
	"github.com/volt-ev/volt/store/storetest"
)

// TestLoadManagementEndToEnd: a site limited to 10 A whose charger starts a
// session gets a TxProfile of 10 A for that transaction, and the simulated
// charger accepts it (issue 15).
func TestLoadManagementEndToEnd(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) { loadManagementEndToEnd(t, e.DSN(t)) })
	}
}

func loadManagementEndToEnd(t *testing.T, dsn string) {
	m := testMain(t, dsn)
	c := rootClient(t, m)
	est := newEstate(t, c, "0.45", "0.30")
	// An RFID start on credit needs the CPO's minimum in the wallet.
	c.header = map[string][]string{"Idempotency-Key": {"lms-topup"}}
	c.must("POST", "/api/v1/wallets/"+est.user.ID+"/top-ups", map[string]any{"amount": "20.00", "currency": "GBP", "card": "4242424242424242"}, 201, nil)
	c.header = nil
	var group struct {
		SiteID string `json:"siteId"`
	}
	c.must("GET", "/api/v1/charger-groups/"+est.group.ID, nil, 200, &group)
	c.must("PUT", "/api/v1/sites/"+group.SiteID+"/load-management", map[string]any{
		"mode": "static", "supplyLimitA": 10, "phases": 3, "fallbackLimitA": 10,
		"evses": []map[string]any{{"cpid": est.creds.CPID, "connectorId": 1, "maxA": 32}, {"cpid": est.creds.CPID, "connectorId": 2, "maxA": 32}},
	}, 200, nil)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := sim.New(sim.Config{URL: "ws://" + m.Addr() + "/ocpp", Identity: est.creds.OCPPIdentity, Password: est.creds.OCPPPassword,
		Connectors: 2, MeterInterval: time.Second, StepDelay: 10 * time.Millisecond})
	done := make(chan struct{})
	go func() { defer close(done); _ = ch.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if err := ch.WaitFor(ctx, ch.Online); err != nil {
		t.Fatal(err)
	}
	if err := ch.Plug(1); err != nil {
		t.Fatal(err)
	}
	if err := ch.Swipe(ctx, 1, "04A2B3C4"); err != nil {
		t.Fatalf("swipe: %v", err)
	}
	txID := waitSession(t, c, est.creds.CPID, 1)
	waitProfile(t, c, est.creds.CPID, txID, 10)

	// Dynamic: a building reading through the API reaches the loop at once
	// (published after its commit): 36 A of 40 leaves 4 A, below 6 A, so
	// the session is paused with a 0 A limit.
	c.must("PUT", "/api/v1/sites/"+group.SiteID+"/load-management", map[string]any{
		"mode": "dynamic", "supplyLimitA": 40, "phases": 3, "fallbackLimitA": 10,
		"evses": []map[string]any{{"cpid": est.creds.CPID, "connectorId": 1, "maxA": 32}, {"cpid": est.creds.CPID, "connectorId": 2, "maxA": 32}},
	}, 200, nil)
	c.must("POST", "/api/v1/sites/"+group.SiteID+"/meter-readings", map[string]any{"currentA": []float64{36, 30, 30}}, 201, nil)
	waitProfile(t, c, est.creds.CPID, txID, 0)
	var load struct {
		Outlets []struct {
			ConnectorID int     `json:"connectorId"`
			CurrentA    float64 `json:"currentA"`
			Reason      string  `json:"reason"`
		} `json:"outlets"`
	}
	c.must("GET", "/api/v1/sites/"+group.SiteID+"/load-management/allocation", nil, 200, &load)
	if len(load.Outlets) != 2 || load.Outlets[0].Reason != "queued" {
		t.Errorf("allocation %+v, want connector 1 queued", load)
	}
}

// waitProfile waits for an accepted TxProfile of limit A for transaction
// txID in the charger's message log.
func waitProfile(t *testing.T, c *client, cpid string, txID int64, limit float64) {
	t.Helper()
	checkFor(t, 15*time.Second, func() error {
		var log struct {
			Items []struct{ Direction, Action, UniqueID, Frame string }
		}
		c.must("GET", "/api/v1/chargers/"+cpid+"/messages?limit=200", nil, 200, &log)
		sent := map[string]bool{}
		for _, f := range log.Items {
			if f.Direction == "out" && f.Action == "SetChargingProfile" && strings.Contains(f.Frame, `"TxProfile"`) &&
				strings.Contains(f.Frame, fmt.Sprintf(`"limit":%g,`, limit)) && strings.Contains(f.Frame, fmt.Sprintf(`"transactionId":%d`, txID)) {
				sent[f.UniqueID] = true
			}
		}
		for _, f := range log.Items {
			if f.Direction == "in" && sent[f.UniqueID] && strings.Contains(f.Frame, `"Accepted"`) {
				return nil
			}
		}
		return fmt.Errorf("no accepted %g A TxProfile for transaction %d among %d frames", limit, txID, len(log.Items))
	})
}
