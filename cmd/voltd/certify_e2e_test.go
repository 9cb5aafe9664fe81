package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt/sim"
	"github.com/volt-ev/volt/store/storetest"
)

// TestCertificationEndToEnd is issue 16 item 4 with a real websocket
// charger: on a CPO requiring certified chargers, a charger of an
// uncertified model gets BootNotification Pending (flagged bootPending);
// certifying the model sends it TriggerMessage BootNotification and it is
// accepted at once, without waiting for its retry interval.
func TestCertificationEndToEnd(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) { certificationEndToEnd(t, e.DSN(t)) })
	}
}

func certificationEndToEnd(t *testing.T, dsn string) {
	m := testMain(t, dsn)
	c := rootClient(t, m)
	est := newEstate(t, c, "0.45", "0.30")
	var cpo struct {
		RequireCertifiedChargers bool `json:"requireCertifiedChargers"`
	}
	c.must("PATCH", "/api/v1/cpos/"+est.cpo.ID, map[string]any{"requireCertifiedChargers": true}, 200, &cpo)
	if !cpo.RequireCertifiedChargers {
		t.Fatalf("policy not set: %+v", cpo)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := sim.New(sim.Config{URL: "ws://" + m.Addr() + "/ocpp", Identity: est.creds.OCPPIdentity, Password: est.creds.OCPPPassword,
		Connectors: 1, Vendor: "Acme", Model: "Uncertified-1", BootRetry: time.Hour,
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	done := make(chan struct{})
	go func() { defer close(done); _ = ch.Run(ctx) }()
	defer func() { cancel(); <-done }()

	type certification struct {
		ModelID     string `json:"modelId"`
		Certified   bool   `json:"certified"`
		BootPending bool   `json:"bootPending"`
		Required    bool   `json:"required"`
	}
	var cert certification
	checkFor(t, 15*time.Second, func() error {
		c.must("GET", "/api/v1/chargers/"+est.creds.CPID+"/certification", nil, 200, &cert)
		if !cert.BootPending || cert.ModelID == "" {
			return fmt.Errorf("certification %+v, want the boot held pending", cert)
		}
		return nil
	})
	if ch.Online() || ch.Boots() != 0 {
		t.Fatalf("the charger was accepted (online %v, boots %d) though its model is not certified", ch.Online(), ch.Boots())
	}
	var models struct {
		Items []struct {
			ID, Vendor, Model string
			Certified         bool
		}
	}
	c.must("GET", "/api/v1/charger-models", nil, 200, &models)
	if len(models.Items) != 1 || models.Items[0].ID != cert.ModelID || models.Items[0].Certified {
		t.Fatalf("catalogue %+v", models.Items)
	}

	var model struct {
		Certified   bool   `json:"certified"`
		CertifiedBy string `json:"certifiedBy"`
	}
	c.must("PATCH", "/api/v1/charger-models/"+cert.ModelID, map[string]any{"certified": true}, 200, &model)
	if !model.Certified || model.CertifiedBy == "" {
		t.Fatalf("certified model %+v", model)
	}
	// BootRetry is an hour: only the triggered BootNotification can let it in.
	checkFor(t, 15*time.Second, func() error {
		if !ch.Online() || ch.Boots() < 1 {
			return fmt.Errorf("charger not accepted after certification (online %v, boots %d)", ch.Online(), ch.Boots())
		}
		return nil
	})
	_, audit := c.do("GET", "/api/v1/audit-log?limit=200", nil, nil)
	if raw, _ := json.Marshal(audit); !strings.Contains(string(raw), "charger-model.update") {
		t.Errorf("certification not audited: %s", raw)
	}
	checkFor(t, 5*time.Second, func() error {
		c.must("GET", "/api/v1/chargers/"+est.creds.CPID+"/certification", nil, 200, &cert)
		if cert.BootPending || !cert.Certified {
			return fmt.Errorf("certification %+v after the accepted boot", cert)
		}
		return nil
	})
}
