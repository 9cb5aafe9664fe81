package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/volt-ev/volt/telematics"
)

const testTelematicsSecret = "tsec_test"

// TestTelematicsWebhook (issue 19): a provider's signed readings are stored
// once (a replay stores nothing new); a bad or missing signature, an
// unknown provider and an unknown vehicle are refused; the fleet manager
// then reads the readings, tenant B's manager does not.
func TestTelematicsWebhook(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		body := `{"provider":"sandbox","vehicleId":"sbx-A","readings":[` +
			`{"at":"2026-03-01T12:00:00Z","odometerM":1000,"socPermille":400,"latitude":51.5,"longitude":-0.12,"charging":true},` +
			`{"at":"2026-03-01T12:05:00Z","odometerM":1000,"socPermille":410,"latitude":51.5,"longitude":-0.12,"charging":true}]}`
		post := func(provider, body, sig string) (int, []byte) {
			h := ""
			if sig != "" {
				h = telematics.SignatureHeader + ": " + sig
			}
			return e.doH(http.MethodPost, "/api/v1/telematics/webhooks/"+provider, body, "", h)
		}
		sig := telematics.Sign(testTelematicsSecret, []byte(body))
		for i, want := range []int{2, 0} { // the replay stores nothing
			status, got := post("sandbox", body, sig)
			var r TelematicsReceived
			if status != 200 || json.Unmarshal(got, &r) != nil || r.Stored != want {
				t.Fatalf("delivery %d: %d %s, want %d stored", i, status, got, want)
			}
		}
		for name, c := range map[string]struct {
			provider, body, sig string
			status              int
		}{
			"bad signature":    {"sandbox", body, telematics.Sign("wrong", []byte(body)), 401},
			"no signature":     {"sandbox", body, "", 401},
			"tampered body":    {"sandbox", strings.Replace(body, "410", "990", 1), sig, 401},
			"unknown provider": {"acme", body, sig, 404},
			"unknown vehicle": {"sandbox", strings.Replace(body, "sbx-A", "sbx-Z", 1),
				telematics.Sign(testTelematicsSecret, []byte(strings.Replace(body, "sbx-A", "sbx-Z", 1))), 404},
		} {
			if status, got := post(c.provider, c.body, c.sig); status != c.status {
				t.Errorf("%s: %d %s, want %d", name, status, got, c.status)
			} else {
				errorShape(t, got)
			}
		}
		path := fmt.Sprintf("/api/v1/vehicles/%s/telematics?from=2026-03-01T11:00:00Z&to=2026-03-01T13:00:00Z", e.A.Vehicle)
		status, got := e.do(http.MethodGet, path, "", e.tokens["A/fleet-manager"])
		if status != 200 || strings.Count(string(got), `"socPermille"`) != 2 {
			t.Errorf("A's fleet manager reads the readings: %d %s", status, got)
		}
		if status, got := e.do(http.MethodGet, path, "", e.tokens["B/fleet-manager"]); status != 404 {
			t.Errorf("B's fleet manager reads A's readings: %d %s", status, got)
		}
	})
}

// TestVehiclesAPI (issue 19): a fleet manager adds a vehicle to their
// fleet; a bad VIN names its field; the driver reads their own vehicle and
// claim; another tenant's manager sees neither.
func TestVehiclesAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		mgr := e.tokens["A/fleet-manager"]
		create := func(vin string) (int, []byte) {
			return e.do(http.MethodPost, "/api/v1/vehicles", fmt.Sprintf(`{"fleetId":%q,"driverId":%q,"make":"Renault","model":"Megane E-Tech",`+
				`"batteryWh":60000,"registration":"ab70 xyz","vin":%q}`, e.A.Fleet, e.A.Driver, vin), mgr)
		}
		status, got := create("VF1RCB00X12345IOQ")
		if status != 400 || errorShape(t, got).Field != "vin" {
			t.Errorf("VIN with I, O, Q: %d %s", status, got)
		}
		status, got = create("vf1rcb00x12345678")
		if status != 201 || !strings.Contains(string(got), `"vin":"VF1RCB00X12345678"`) || !strings.Contains(string(got), `"registration":"AB70 XYZ"`) {
			t.Fatalf("create: %d %s", status, got)
		}
		if status, got := create("VF1RCB00X12345678"); status != 409 {
			t.Errorf("same VIN again: %d %s", status, got)
		}
		status, got = e.do(http.MethodGet, "/api/v1/vehicles", "", e.tokens["A/driver"])
		if status != 200 || !strings.Contains(string(got), `"total":2`) {
			t.Errorf("the driver's vehicles: %d %s", status, got)
		}
		if status, got := e.do(http.MethodGet, "/api/v1/vehicles", "", e.tokens["B/fleet-manager"]); status != 200 || !strings.Contains(string(got), `"total":1`) {
			t.Errorf("B's fleet manager lists: %d %s", status, got)
		}
		status, got = e.do(http.MethodGet, "/api/v1/reimbursement-claims/"+e.A.Claim, "", e.tokens["A/driver"])
		if status != 200 || !strings.Contains(string(got), `"state":"open"`) {
			t.Errorf("the driver's claim: %d %s", status, got)
		}
		if status, _ := e.do(http.MethodPost, "/api/v1/reimbursement-claims/"+e.A.Claim+"/approve", "", e.tokens["A/driver"]); status != 403 {
			t.Errorf("the driver approves their own claim: %d", status)
		}
		if status, got := e.do(http.MethodPost, "/api/v1/reimbursement-claims/"+e.A.Claim+"/approve", "", mgr); status != 200 || !strings.Contains(string(got), `"state":"approved"`) {
			t.Errorf("the manager approves the empty claim: %d %s", status, got)
		}
		status, got = e.do(http.MethodPost, "/api/v1/reimbursement-claims/"+e.A.Claim+"/payout", `{"method":"bacs18","originator":{"sortCode":"12","accountNumber":"12345678","name":"A"}}`, mgr)
		if status != 400 || errorShape(t, got).Field != "originator.sortCode" {
			t.Errorf("bad sort code: %d %s", status, got)
		}
		if status, got := e.do(http.MethodPost, "/api/v1/reimbursement-claims/"+e.A.Claim+"/payout", `{"method":"wallet"}`, mgr); status != 422 {
			t.Errorf("pay a claim of nothing: %d %s", status, got)
		}
	})
}
