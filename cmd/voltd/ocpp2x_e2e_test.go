package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/sim"
	"github.com/volt-ev/volt/store/storetest"
)

// startStation2x runs a simulated 2.x station of the estate's charger until
// the test ends and waits until it is on line.
func startStation2x(t *testing.T, m *Main, est *estate, v ocpp.Version, evses int) *sim.Charger2 {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ch := sim.New2x(sim.Config{URL: "ws://" + m.Addr() + "/ocpp", Identity: est.creds.OCPPIdentity, Password: est.creds.OCPPPassword,
		Connectors: evses, MeterInterval: time.Second, MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}, v)
	done := make(chan struct{})
	go func() { defer close(done); _ = ch.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	checkFor(t, 10*time.Second, func() error {
		if !ch.Online() {
			return fmt.Errorf("station not online")
		}
		return nil
	})
	return ch
}

// TestRemoteStartWaitsForSession2x is remote-start?wait=session on OCPP
// 2.0.1 and 2.1 stations (issue #13): the 1.6 body goes as
// RequestStartTransaction, and the outcome comes from the 2.x handlers'
// authorization.decided and session.started: the card refused with the
// reason, then the session.
func TestRemoteStartWaitsForSession2x(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		for _, v := range []ocpp.Version{ocpp.V201, ocpp.V21} {
			t.Run(e.Name+"/"+string(v), func(t *testing.T) {
				m := testMain(t, e.DSN(t))
				c := rootClient(t, m)
				est := newEstate(t, c, "0.45", "0.30")
				ch := startStation2x(t, m, est, v, 3)
				start := func(evse int, tag string) startOutcome {
					t.Helper()
					var out startOutcome
					c.must("POST", "/api/v1/chargers/"+est.creds.CPID+"/commands/remote-start?wait=session",
						map[string]any{"connectorId": evse, "idTag": tag}, http.StatusOK, &out)
					return out
				}
				out := start(1, "NOSUCHCARD")
				if out.Status != "Accepted" || out.Outcome != "refused" || out.AuthStatus != "Invalid" || !strings.Contains(out.Reason, "unknown") {
					t.Fatalf("unknown card: %+v, want Accepted then refused Invalid with the reason", out)
				}
				out = start(2, "04A2B3C4") // no credit yet
				if out.Outcome != "refused" || out.AuthStatus != "Blocked" || !strings.Contains(out.Reason, "payment") {
					t.Fatalf("card without credit: %+v, want refused Blocked for payment", out)
				}
				c.header = http.Header{"Idempotency-Key": {"rs2-topup"}}
				c.must("POST", "/api/v1/wallets/"+est.user.ID+"/top-ups", map[string]any{"amount": "20.00", "currency": "GBP", "card": "4242424242424242"}, 201, nil)
				c.header = nil
				out = start(3, "04A2B3C4")
				if out.Outcome != "started" || out.Session == nil || out.Session.ConnectorID != 3 {
					t.Fatalf("remote start with credit: %+v, want the session on EVSE 3", out)
				}
				// The driver's price on the station's display (O01).
				checkFor(t, 10*time.Second, func() error {
					for _, line := range ch.Display() {
						if line == "Price: 0.45 GBP/kWh + 0.30 GBP per session" {
							return nil
						}
					}
					return fmt.Errorf("display %q, want the price", ch.Display())
				})
			})
		}
	}
}

// TestPasswordRotation201EndToEnd: the one-action password rotation on a
// 2.0.1 station sets SecurityCtrlr.BasicAuthPassword (A01); the station
// reconnects with the new password and the old one stops working.
func TestPasswordRotation201EndToEnd(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			m := testMain(t, e.DSN(t))
			c := rootClient(t, m)
			est := newEstate(t, c, "0.45", "0.30")
			ch := startStation2x(t, m, est, ocpp.V201, 1)
			first := est.creds.OCPPPassword
			var rot struct {
				Status             string     `json:"status"`
				PreviousValidUntil *time.Time `json:"previousValidUntil"`
			}
			c.must("POST", "/api/v1/chargers/"+est.creds.CPID+"/password/rotate", nil, 200, &rot)
			if rot.Status != "Accepted" || rot.PreviousValidUntil == nil {
				t.Fatalf("rotation answer %+v", rot)
			}
			checkFor(t, 15*time.Second, func() error {
				if ch.Boots() < 2 || !ch.Online() {
					return fmt.Errorf("station booted %d times (online %v), want a reconnection", ch.Boots(), ch.Online())
				}
				return nil
			})
			if p := ch.Password(); p == first || len(p) < 16 {
				t.Fatalf("station password after rotation %q", p)
			}
			checkFor(t, 5*time.Second, func() error {
				if code := ocppAuth(t, m, est.creds.OCPPIdentity, first); code != http.StatusUnauthorized {
					return fmt.Errorf("previous password still works after the new one was used: %d", code)
				}
				return nil
			})
		})
	}
}

// TestLoadManagement2xEndToEnd (issue 15 on OCPP 2.x): a site limited to
// 10 A whose 2.0.1 or 2.1 station starts a transaction gets a TxProfile of
// 10 A in 2.x form (the station's transactionId, its EVSE), read back with
// GetCompositeSchedule, and the simulated station draws within it.
func TestLoadManagement2xEndToEnd(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		for _, v := range []ocpp.Version{ocpp.V201, ocpp.V21} {
			t.Run(e.Name+"/"+string(v), func(t *testing.T) {
				m := testMain(t, e.DSN(t))
				c := rootClient(t, m)
				est := newEstate(t, c, "0.45", "0.30")
				c.header = map[string][]string{"Idempotency-Key": {"lms2-topup"}}
				c.must("POST", "/api/v1/wallets/"+est.user.ID+"/top-ups", map[string]any{"amount": "20.00", "currency": "GBP", "card": "4242424242424242"}, 201, nil)
				c.header = nil
				var group struct {
					SiteID string `json:"siteId"`
				}
				c.must("GET", "/api/v1/charger-groups/"+est.group.ID, nil, 200, &group)
				c.must("PUT", "/api/v1/sites/"+group.SiteID+"/load-management", map[string]any{
					"mode": "static", "supplyLimitA": 10, "phases": 3, "fallbackLimitA": 10,
					"evses": []map[string]any{{"cpid": est.creds.CPID, "connectorId": 1, "maxA": 32}},
				}, 200, nil)
				ch := startStation2x(t, m, est, v, 1)
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				if err := ch.Swipe(ctx, 1, "04A2B3C4"); err != nil {
					t.Fatalf("swipe: %v", err)
				}
				tx := ch.TransactionID(1)
				checkFor(t, 15*time.Second, func() error {
					var log struct {
						Items []struct{ Direction, Action, Frame string }
					}
					c.must("GET", "/api/v1/chargers/"+est.creds.CPID+"/messages?limit=200", nil, 200, &log)
					profile, composite := false, false
					for _, f := range log.Items {
						if f.Direction == "out" && f.Action == "SetChargingProfile" && strings.Contains(f.Frame, `"TxProfile"`) &&
							strings.Contains(f.Frame, `"limit":10,`) && strings.Contains(f.Frame, `"transactionId":"`+tx+`"`) {
							profile = true
						}
						composite = composite || (f.Direction == "out" && f.Action == "GetCompositeSchedule")
					}
					if !profile || !composite {
						return fmt.Errorf("profile sent %v, composite read back %v", profile, composite)
					}
					if p := ch.PowerW(1); p <= 0 || p > 10*230*3+1 {
						return fmt.Errorf("station draws %.0f W, want at most 10 A × 3 × 230 V", p)
					}
					return nil
				})
			})
		}
	}
}

// TestV2XPeakShavingEndToEnd (issue 15 item 5): a dynamic site that allows
// export, whose building load goes over its supply, asks its 2.1
// station's plugged-in car to give power back (a TxProfile with a negative
// setpoint within the discharge limit), and the simulated station
// discharges; a 2.0.1 station on the same settings is only paused.
func TestV2XPeakShavingEndToEnd(t *testing.T) {
	e := storetest.Engines(t)[0]
	for _, v := range []ocpp.Version{ocpp.V21, ocpp.V201} {
		t.Run(string(v), func(t *testing.T) {
			m := testMain(t, e.DSN(t))
			c := rootClient(t, m)
			est := newEstate(t, c, "0.45", "0.30")
			c.header = map[string][]string{"Idempotency-Key": {"v2x-topup"}}
			c.must("POST", "/api/v1/wallets/"+est.user.ID+"/top-ups", map[string]any{"amount": "20.00", "currency": "GBP", "card": "4242424242424242"}, 201, nil)
			c.header = nil
			var group struct {
				SiteID string `json:"siteId"`
			}
			c.must("GET", "/api/v1/charger-groups/"+est.group.ID, nil, 200, &group)
			var lm struct {
				AllowExport       bool   `json:"allowExport"`
				ExportPricePerKWh string `json:"exportPricePerKwh"`
			}
			c.must("PUT", "/api/v1/sites/"+group.SiteID+"/load-management", map[string]any{
				"mode": "dynamic", "supplyLimitA": 40, "phases": 3, "fallbackLimitA": 10, "allowExport": true, "exportPricePerKwh": "0.15",
				"evses": []map[string]any{{"cpid": est.creds.CPID, "connectorId": 1, "maxA": 32, "maxDischargeA": 10}},
			}, 200, &lm)
			if !lm.AllowExport || lm.ExportPricePerKWh != "0.15" {
				t.Fatalf("load management answer %+v", lm)
			}
			c.must("PATCH", "/api/v1/tariffs/"+est.tariff.ID, map[string]any{"exportPricePerKwh": "10.00"}, 200, nil)
			ch := startStation2x(t, m, est, v, 1)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := ch.Swipe(ctx, 1, "04A2B3C4"); err != nil {
				t.Fatalf("swipe: %v", err)
			}
			waitSession(t, c, est.creds.CPID, 1)
			c.must("POST", "/api/v1/sites/"+group.SiteID+"/meter-readings", map[string]any{"currentA": []float64{50, 50, 50}}, 201, nil)
			checkFor(t, 15*time.Second, func() error {
				p := ch.PowerW(1)
				if v == ocpp.V21 && (p > -10*230*3+1 || p < -10*230*3-1) {
					return fmt.Errorf("2.1 station at %.0f W, want −6900 W (10 A given back on 3 phases)", p)
				}
				if v == ocpp.V201 && p != 0 {
					return fmt.Errorf("2.0.1 station at %.0f W, want paused", p)
				}
				return nil
			})
			// The energy given back is recorded on the session and its CDR and
			// credited at the tariff's export price (£10/kWh here, over the
			// site's £0.15, so that a few seconds of discharge make pence),
			// never more than the session costs (the 30p fee).
			if v == ocpp.V21 {
				checkFor(t, 15*time.Second, func() error {
					if wh := ch.ExportWh(1); wh < 12 {
						return fmt.Errorf("%d Wh given back so far", wh)
					}
					return nil
				})
			}
			if err := ch.Stop(ctx, 1); err != nil {
				t.Fatalf("stop: %v", err)
			}
			var cdr struct {
				SessionID  string `json:"sessionId"`
				ExportedWh int64  `json:"exportedWh"`
				TotalCost  *struct {
					InclVAT    int64 `json:"inclVat"`
					Components []struct {
						Component string `json:"component"`
						Quantity  string `json:"quantity"`
						InclVAT   int64  `json:"inclVat"`
					} `json:"components"`
				} `json:"totalCost"`
			}
			checkFor(t, 15*time.Second, func() error {
				var cdrs struct {
					Items []json.RawMessage `json:"items"`
				}
				c.must("GET", "/api/v1/cdrs?cpid="+est.creds.CPID, nil, 200, &cdrs)
				if len(cdrs.Items) != 1 {
					return fmt.Errorf("%d CDRs", len(cdrs.Items))
				}
				return json.Unmarshal(cdrs.Items[0], &cdr)
			})
			var sess struct {
				ExportedWh int64 `json:"exportedWh"`
			}
			c.must("GET", "/api/v1/sessions/"+cdr.SessionID, nil, 200, &sess)
			if cdr.TotalCost == nil {
				t.Fatalf("CDR without cost: %+v", cdr)
			}
			var credit, others int64
			for _, l := range cdr.TotalCost.Components {
				if l.Component == "export_credit" {
					credit = l.InclVAT
				} else {
					others += l.InclVAT
				}
			}
			if v == ocpp.V201 {
				if cdr.ExportedWh != 0 || sess.ExportedWh != 0 || credit != 0 {
					t.Fatalf("2.0.1 session exported %d Wh (session %d), credit %d: want none", cdr.ExportedWh, sess.ExportedWh, credit)
				}
			} else {
				// 10.00 per kWh is 1p per Wh, exactly.
				if cdr.ExportedWh < 12 || sess.ExportedWh != cdr.ExportedWh || credit != -min(cdr.ExportedWh, others) {
					t.Fatalf("2.1 session exported %d Wh (session %d), credit %dp of %dp: want ≥ 12 Wh credited 1p/Wh up to the cost",
						cdr.ExportedWh, sess.ExportedWh, credit, others)
				}
			}
			if cdr.TotalCost.InclVAT != others+credit || cdr.TotalCost.InclVAT < 0 {
				t.Fatalf("CDR total %dp, lines %dp + credit %dp", cdr.TotalCost.InclVAT, others, credit)
			}
			checkFor(t, 15*time.Second, func() error {
				var w struct{ Balance int64 }
				c.must("GET", "/api/v1/wallets/"+est.user.ID, nil, 200, &w)
				if w.Balance != 2000-cdr.TotalCost.InclVAT {
					return fmt.Errorf("wallet %dp, want 2000 - %d", w.Balance, cdr.TotalCost.InclVAT)
				}
				return nil
			})
		})
	}
}
