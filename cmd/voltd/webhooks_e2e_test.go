package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/sim"
	"github.com/volt-ev/volt/store/storetest"
)

// TestWebhooksEndToEnd: a CPO subscribes a receiver through the API; a
// charger connects and a driver starts charging; the receiver gets the
// connector status and session events, each signed with the secret the
// API showed once. The receiver is on loopback, reachable only because
// VOLT_WEBHOOK_ALLOW_NETS allows it; the delivery log shows each with its
// response code.
func TestWebhooksEndToEnd(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			var mu sync.Mutex
			var secret string
			got := map[string][]string{} // type -> event ids
			bad := 0
			rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				var ev struct{ ID, Type string }
				_ = json.Unmarshal(body, &ev)
				mu.Lock()
				defer mu.Unlock()
				if !volt.VerifyWebhook(secret, r.Header.Get(volt.WebhookSignatureHeader), body, time.Now(), time.Minute) {
					bad++
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				got[ev.Type] = append(got[ev.Type], ev.ID)
			}))
			defer rcv.Close()

			m := testMainWith(t, e.DSN(t), func(c *Config) { c.WebhookAllowNets = "127.0.0.0/8" })
			c := rootClient(t, m)
			est := newEstate(t, c, "0.45", "0.30")
			var ep struct{ ID, Secret string }
			c.must("POST", "/api/v1/webhook-endpoints", map[string]any{"cpoId": est.cpo.ID, "url": rcv.URL + "/volt",
				"events": []string{volt.EventConnectorStatus, volt.EventSessionStarted}}, 201, &ep)
			mu.Lock()
			secret = ep.Secret
			mu.Unlock()

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ch := sim.New(sim.Config{URL: "ws://" + m.Addr() + "/ocpp", Identity: est.creds.OCPPIdentity, Password: est.creds.OCPPPassword,
				Connectors: 1, MeterInterval: time.Second, StepDelay: 10 * time.Millisecond})
			done := make(chan struct{})
			go func() { defer close(done); _ = ch.Run(ctx) }()
			defer func() { cancel(); <-done }()
			checkFor(t, 10*time.Second, func() error {
				if err := ch.Plug(1); err != nil {
					return err
				}
				return nil
			})
			if err := ch.Swipe(ctx, 1, "04A2B3C4"); err != nil {
				t.Fatalf("swipe: %v", err)
			}
			checkFor(t, 15*time.Second, func() error {
				mu.Lock()
				defer mu.Unlock()
				if len(got[volt.EventSessionStarted]) != 1 || len(got[volt.EventConnectorStatus]) == 0 {
					return fmt.Errorf("receiver got %v", got)
				}
				return nil
			})
			mu.Lock()
			if bad != 0 {
				t.Fatalf("%d deliveries with a bad signature", bad)
			}
			mu.Unlock()
			var log struct {
				Items []struct {
					State    string `json:"state"`
					LastCode int    `json:"lastCode"`
				}
				Total int
			}
			checkFor(t, 5*time.Second, func() error {
				c.must("GET", "/api/v1/webhook-endpoints/"+ep.ID+"/deliveries", nil, 200, &log)
				for _, d := range log.Items {
					if d.State != volt.DeliveryDelivered || d.LastCode != 200 {
						return fmt.Errorf("delivery log %+v", log.Items)
					}
				}
				if log.Total == 0 {
					return fmt.Errorf("empty delivery log")
				}
				return nil
			})
		})
	}
}
