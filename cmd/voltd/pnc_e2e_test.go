package main

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v201"
	"github.com/volt-ev/volt/pki"
	"github.com/volt-ev/volt/pnc"
	"github.com/volt-ev/volt/pnc/pnctest"
	"github.com/volt-ev/volt/sim"
	"github.com/volt-ev/volt/store/storetest"
)

// TestPlugAndChargeEndToEnd (issue 18): a driver registers their eMAID; a
// 2.0.1 station's vehicle presents the contract (OCSP hash data of a chain
// under the test V2G root); Volt has the provider check it, authorises the
// eMAID as the driver's, and the session is billed to the driver's wallet.
// An expired contract starts nothing.
func TestPlugAndChargeEndToEnd(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) { plugAndChargeEndToEnd(t, e.DSN(t)) })
	}
}

func plugAndChargeEndToEnd(t *testing.T, dsn string) {
	v2g := pnctest.New(t)
	prov := pnc.NewLocal(v2g.Root)
	now := time.Now()
	contract := v2g.Contract(t, "GBVOLC123456789", now.Add(-time.Hour), now.AddDate(1, 0, 0))
	expired := v2g.Contract(t, "GBVOLC000000001", now.AddDate(-2, 0, 0), now.AddDate(-1, 0, 0))
	for _, c := range []*pnctest.Contract{contract, expired} {
		if err := prov.Register(c.Chain...); err != nil {
			t.Fatal(err)
		}
	}
	m := testMainWith(t, dsn, func(c *Config) { c.Contracts = prov })
	c := rootClient(t, m)
	est := newEstate(t, c, "0.50", "0.00")
	c.header = http.Header{"Idempotency-Key": {"pnc-e2e-topup"}}
	c.must("POST", "/api/v1/wallets/"+est.user.ID+"/top-ups", map[string]any{"amount": "20.00", "currency": "GBP", "card": "4242424242424242"}, 201, nil)
	c.header = nil
	// The driver's contract id, as the app stores it (web/app TestContractAdd).
	c.must("POST", "/api/v1/rfid-cards", map[string]any{"uid": contract.EMAID, "userId": est.user.ID}, 201, nil)
	c.must("POST", "/api/v1/rfid-cards", map[string]any{"uid": expired.EMAID, "userId": est.user.ID}, 201, nil)

	origin := time.Now()
	clock := func() time.Time { return origin.Add(time.Since(origin) * 60) }
	ctx, cancel := context.WithCancel(context.Background())
	st := sim.New2x(sim.Config{URL: "ws://" + m.Addr() + "/ocpp", Identity: est.creds.OCPPIdentity, Password: est.creds.OCPPPassword,
		MeterInterval: time.Second, Clock: clock, MinBackoff: 50 * time.Millisecond}, ocpp.V201)
	done := make(chan struct{})
	go func() { defer close(done); _ = st.Run(ctx) }()
	defer func() { cancel(); <-done }()
	checkFor(t, 15*time.Second, func() error {
		if !st.Online() {
			return fmt.Errorf("station not online")
		}
		return nil
	})
	if err := st.PlugAndCharge(ctx, 1, expired.EMAID, "", hashData(t, expired)); err == nil {
		t.Fatal("an expired contract was accepted")
	}
	if err := st.PlugAndCharge(ctx, 1, contract.EMAID, "", hashData(t, contract)); err != nil {
		t.Fatalf("plug and charge: %v", err)
	}
	checkFor(t, 15*time.Second, func() error {
		if st.MeterWh(1) == 0 || !st.Charging(1) {
			return fmt.Errorf("not charging yet")
		}
		var list struct {
			Items []struct {
				UserID string `json:"userId"`
				IDTag  string `json:"idTag"`
			}
		}
		c.must("GET", "/api/v1/sessions?cpid="+est.creds.CPID, nil, 200, &list)
		if len(list.Items) != 1 || list.Items[0].UserID != est.user.ID {
			return fmt.Errorf("sessions %+v, want one of user %s", list.Items, est.user.ID)
		}
		return nil
	})
	checkFor(t, 15*time.Second, func() error {
		var list struct{ Items []struct{ EnergyWh int64 } }
		c.must("GET", "/api/v1/sessions?cpid="+est.creds.CPID, nil, 200, &list)
		if len(list.Items) != 1 || list.Items[0].EnergyWh <= 0 {
			return fmt.Errorf("no energy metered yet: %+v", list.Items)
		}
		return nil
	})
	if err := st.Stop(ctx, 1); err != nil {
		t.Fatal(err)
	}
	var cost int64
	checkFor(t, 20*time.Second, func() error {
		var cdrs struct {
			Items []struct {
				UserID    string `json:"userId"`
				IDTag     string `json:"idTag"`
				TotalCost *struct {
					InclVAT int64 `json:"inclVat"`
				} `json:"totalCost"`
			}
		}
		c.must("GET", "/api/v1/cdrs?cpid="+est.creds.CPID, nil, 200, &cdrs)
		if len(cdrs.Items) != 1 || cdrs.Items[0].TotalCost == nil {
			return fmt.Errorf("no priced CDR yet: %+v", cdrs.Items)
		}
		if cdrs.Items[0].UserID != est.user.ID || cdrs.Items[0].IDTag != contract.EMAID {
			return fmt.Errorf("CDR of %q by %q, want the driver by the eMAID", cdrs.Items[0].UserID, cdrs.Items[0].IDTag)
		}
		cost = cdrs.Items[0].TotalCost.InclVAT
		return nil
	})
	if cost <= 0 {
		t.Fatalf("CDR cost %d", cost)
	}
	checkFor(t, 20*time.Second, func() error {
		var w struct{ Balance int64 }
		c.must("GET", "/api/v1/wallets/"+est.user.ID, nil, 200, &w)
		if w.Balance != 2000-cost {
			return fmt.Errorf("wallet %dp, want 2000 - %d", w.Balance, cost)
		}
		return nil
	})
}

func hashData(t *testing.T, c *pnctest.Contract) []v201.OCSPRequestData {
	t.Helper()
	var out []v201.OCSPRequestData
	for i := range 2 {
		h, err := pki.HashOf(c.Chain[i], c.Chain[i+1])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v201.OCSPRequestData{HashAlgorithm: v201.HashAlgorithmEnum(h.HashAlgorithm), IssuerNameHash: h.IssuerNameHash,
			IssuerKeyHash: h.IssuerKeyHash, SerialNumber: h.SerialNumber, ResponderURL: "http://ocsp.test"})
	}
	return out
}
