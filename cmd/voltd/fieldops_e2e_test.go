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

// TestFieldOpsEndToEnd boots voltd and checks issue 16's wiring: a magic
// link under the node's own address registers an owner; its approval is in
// the audit log; a job's commissioned charger boots (simulator) and the
// first boot is recorded against the job by the bus subscriber.
func TestFieldOpsEndToEnd(t *testing.T) {
	m := testMain(t, storetest.Engines(t)[0].DSN(t))
	root := rootClient(t, m)
	e := newEstate(t, root, "0.40", "0")

	var inv struct{ URL string }
	root.must("POST", "/api/v1/invitations", map[string]any{"kind": "owner", "cpoId": e.cpo.ID, "email": "olu@owner.test"}, 201, &inv)
	if !strings.HasPrefix(inv.URL, m.URL()+"/admin/invite/") {
		t.Fatalf("invitation url %q, want it under %s", inv.URL, m.URL())
	}
	_, token, _ := strings.Cut(inv.URL, "/admin/invite/")
	anon := &client{t: t, base: m.URL()}
	anon.must("POST", "/api/v1/registrations", map[string]any{"token": token, "name": "Olu", "password": "olu-password-123",
		"organisationName": "Olu Parking"}, 201, nil)
	olu := &client{t: t, base: m.URL()}
	var tok struct{ Token string }
	olu.must("POST", "/api/v1/auth/token", map[string]string{"email": "olu@owner.test", "password": "olu-password-123"}, 200, &tok)
	olu.token = tok.Token
	if code, body := olu.do("GET", "/api/v1/chargers", nil, nil); code != 403 || errCode(body) != "onboarding_incomplete" {
		t.Fatalf("held owner: %d %v", code, body)
	}
	var onb struct{ ID string }
	olu.must("PUT", "/api/v1/onboarding", map[string]any{"companyName": "Olu Parking", "companyNumber": "123", "vatNumber": "GB1",
		"address": map[string]any{"line1": "1 Road", "city": "Leeds", "postcode": "LS1"}, "termsAccepted": true, "submit": true,
		"bank":      map[string]any{"accountName": "Olu", "sortCode": "112233", "accountNumber": "12345678"},
		"firstSite": map[string]any{"name": "Olu Yard", "latitude": 53.8, "longitude": -1.5}}, 200, &onb)
	root.must("POST", "/api/v1/onboardings/"+onb.ID+"/approve", nil, 200, nil)
	olu.must("GET", "/api/v1/chargers", nil, 200, nil)
	audit := root.must("GET", "/api/v1/audit-log?action=onboarding.approve", nil, 200, nil)
	if fmt.Sprint(audit["total"]) != "1" {
		t.Errorf("approval in the audit log: %v", audit)
	}

	var ins, job struct{ ID string }
	root.must("POST", "/api/v1/installers", map[string]any{"cpoId": e.cpo.ID, "name": "Sparks", "ozevNumber": "OZ-1"}, 201, &ins)
	job0 := map[string]any{"chargerGroupId": e.group.ID, "installerId": ins.ID, "externalRef": "deal-9",
		"chargers": []map[string]any{{"vendor": "Acme", "model": "AC7", "connectors": 1, "ocppIdentity": "E2E-JOB-1"}},
		"startsAt": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), "endsAt": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}
	root.must("POST", "/api/v1/install-jobs", job0, 201, &job)
	for _, s := range []string{"scheduled", "inProgress"} {
		root.must("PUT", "/api/v1/install-jobs/"+job.ID+"/status", map[string]string{"status": s}, 200, nil)
	}
	var com struct {
		Chargers []struct{ CPID, OCPPIdentity, OCPPPassword string }
	}
	root.must("POST", "/api/v1/install-jobs/"+job.ID+"/commission", nil, 200, &com)
	c := com.Chargers[0]
	ctx, cancel := context.WithCancel(context.Background())
	ch := sim.New(sim.Config{URL: "ws://" + m.Addr() + "/ocpp", Identity: c.OCPPIdentity, Password: c.OCPPPassword, Connectors: 1,
		MeterInterval: time.Second, StepDelay: 10 * time.Millisecond})
	done := make(chan struct{})
	go func() { defer close(done); _ = ch.Run(ctx) }()
	defer func() { cancel(); <-done }()
	checkFor(t, 20*time.Second, func() error {
		var j struct {
			Chargers []struct {
				CPID        string
				FirstBootAt *time.Time
			}
		}
		root.must("GET", "/api/v1/install-jobs/"+job.ID, nil, 200, &j)
		if j.Chargers[0].CPID != c.CPID || j.Chargers[0].FirstBootAt == nil {
			return fmt.Errorf("job's charger %+v", j.Chargers)
		}
		return nil
	})
}
