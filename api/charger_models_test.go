package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/volt-ev/volt"
)

// TestChargerModelsAPI: the catalogue through the API. Super admins create,
// certify and upload a test report (type and size checked, nothing stored
// on refusal); CPO admins read but change nothing; a CPO sets its policy.
func TestChargerModelsAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		super, admin := e.tokens["super"], e.tokens["A/cpo-admin"]
		status, body := e.do("POST", "/api/v1/charger-models", `{"vendor":"Acme","model":"Volt-22","certified":true,"ocppVersions":["1.6"],"firmwareVersions":["2.1.0"]}`, super)
		if status != 201 || jsonField(t, body, "certifiedBy") != "root@volt.example" || jsonField(t, body, "certifiedAt") == "" {
			t.Fatalf("create: %d %s", status, body)
		}
		id := jsonField(t, body, "id")
		for _, c := range []struct {
			name, body, field string
			status            int
		}{
			{"duplicate", `{"vendor":"Acme","model":"Volt-22"}`, "model", 409},
			{"bad OCPP version", `{"vendor":"Acme","model":"X","ocppVersions":["1.2"]}`, "ocppVersions", 400},
			{"no vendor", `{"vendor":"","model":"X"}`, "vendor", 400},
		} {
			status, body := e.do("POST", "/api/v1/charger-models", c.body, super)
			if status != c.status || !strings.Contains(string(body), `"field":"`+c.field+`"`) {
				t.Errorf("%s: %d %s, want %d naming %s", c.name, status, body, c.status, c.field)
			}
		}
		if status, body := e.do("POST", "/api/v1/charger-models", `{"vendor":"Acme","model":"Y"}`, admin); status != 403 {
			t.Errorf("CPO admin creates: %d %s", status, body)
		}
		if status, body := e.do("PATCH", "/api/v1/charger-models/"+id, `{"certified":false}`, admin); status != 403 {
			t.Errorf("CPO admin withdraws: %d %s", status, body)
		}
		status, body = e.do("PATCH", "/api/v1/charger-models/"+id, `{"certified":false,"notes":"withdrawn"}`, super)
		if status != 200 || !strings.Contains(string(body), `"certified":false`) || strings.Contains(string(body), "certifiedBy") {
			t.Errorf("withdraw: %d %s", status, body)
		}

		// Reports: wrong type and too large are refused naming the field,
		// and nothing is stored.
		put := func(ct, content string) (int, []byte) {
			return e.doH("PUT", "/api/v1/charger-models/"+id+"/report?fileName=volt-22.pdf", content, super, "Content-Type: "+ct)
		}
		if status, body := put("application/x-msdownload", "MZ..."); status != 400 || !strings.Contains(string(body), `"field":"report"`) {
			t.Errorf("wrong type: %d %s", status, body)
		}
		if status, body := put("application/pdf", "%PDF-"+strings.Repeat("x", volt.MaxModelReportBytes)); status != 400 || !strings.Contains(string(body), `"field":"report"`) {
			t.Errorf("too large: %d %.200s", status, body)
		}
		if status, _ := e.do("GET", "/api/v1/charger-models/"+id+"/report", "", admin); status != 404 {
			t.Errorf("a refused report was stored: %d", status)
		}
		if status, body := put("application/pdf", "%PDF-1.4 test report"); status != 200 || !strings.Contains(string(body), `"size":20`) {
			t.Errorf("upload: %d %s", status, body)
		}
		status, body = e.do("GET", "/api/v1/charger-models/"+id+"/report", "", admin)
		if status != 200 || string(body) != "%PDF-1.4 test report" {
			t.Errorf("download: %d %q", status, body)
		}
		status, body = e.do("GET", "/api/v1/charger-models", "", e.tokens["A/cpo-staff"])
		if status != 200 || !strings.Contains(string(body), `"fileName":"volt-22.pdf"`) {
			t.Errorf("catalogue: %d %s", status, body)
		}
		if status, _ := e.do("GET", "/api/v1/charger-models", "", e.tokens["A/driver"]); status != 403 {
			t.Errorf("driver reads the catalogue: %d", status)
		}

		// The CPO's policy.
		status, body = e.do("PATCH", "/api/v1/cpos/"+e.A.CPO, `{"requireCertifiedChargers":true}`, admin)
		if status != 200 || !strings.Contains(string(body), `"requireCertifiedChargers":true`) {
			t.Errorf("policy: %d %s", status, body)
		}
		status, body = e.do("GET", "/api/v1/chargers/"+e.A.CPID+"/certification", "", admin)
		if status != 200 || !strings.Contains(string(body), `"required":true`) {
			t.Errorf("charger certification: %d %s", status, body)
		}
	})
}

// TestChargerModelChargersIsolation: a model's chargers are listed within
// the caller's scope: both tenants have a charger of the model, each sees
// only its own (the super admin both).
func TestChargerModelChargersIsolation(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		for _, x := range []*tenant{e.A, e.B} {
			must(t, e.cfg.Charging.RecordBoot(sys(), x.CPID, volt.BootInfo{Vendor: "Shared", Model: "S-1"}))
		}
		var list struct {
			Items []struct{ ID, Vendor, Model string }
		}
		_, body := e.do("GET", "/api/v1/charger-models", "", e.tokens["super"])
		must(t, json.Unmarshal(body, &list))
		id := ""
		for _, m := range list.Items {
			if m.Vendor == "Shared" {
				id = m.ID
			}
		}
		if id == "" {
			t.Fatalf("booted model not in the catalogue: %s", body)
		}
		for _, role := range roles {
			status, body := e.do("GET", "/api/v1/charger-models/"+id+"/chargers", "", e.tokens["A/"+role])
			if status == 200 && strings.Contains(string(body), `"`+e.B.CPID+`"`) || strings.Contains(string(body), e.B.CPO) {
				t.Errorf("A/%s sees tenant B's charger of the model: %s", role, body)
			}
			if role == "cpo-admin" && (status != 200 || !strings.Contains(string(body), `"`+e.A.CPID+`"`)) {
				t.Errorf("A/cpo-admin does not see its own charger: %d %s", status, body)
			}
		}
		_, body = e.do("GET", "/api/v1/charger-models/"+id+"/chargers", "", e.tokens["super"])
		if !strings.Contains(string(body), `"`+e.A.CPID+`"`) || !strings.Contains(string(body), `"`+e.B.CPID+`"`) {
			t.Errorf("super admin: %s", body)
		}
	})
}

// TestHubsAPI: onboarding a hub answers one CPID per socket and the
// password once; bad input names its field; each socket is a charger.
func TestHubsAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		admin := e.tokens["A/cpo-admin"]
		status, body := e.do("POST", "/api/v1/hubs", fmt.Sprintf(`{"chargerGroupId":%q,"ocppIdentity":"HUB-API","sockets":3}`, e.A.Group), admin)
		if status != 201 {
			t.Fatalf("create hub: %d %s", status, body)
		}
		var hub struct {
			ID, OCPPIdentity, OCPPPassword string
			Sockets                        []struct {
				HubConnectorID int
				CPID           string
			}
		}
		must(t, json.Unmarshal(body, &hub))
		if hub.OCPPPassword == "" || hub.OCPPIdentity != "HUB-API" || len(hub.Sockets) != 3 || hub.Sockets[2].HubConnectorID != 3 {
			t.Fatalf("hub %+v", hub)
		}
		if status, body := e.do("GET", "/api/v1/chargers/"+hub.Sockets[2].CPID, "", e.tokens["A/cpo-staff"]); status != 200 || jsonField(t, body, "hubId") != hub.ID {
			t.Errorf("socket 3 as a charger: %d %s", status, body)
		}
		status, body = e.do("GET", "/api/v1/hubs/"+hub.ID, "", e.tokens["A/cpo-staff"])
		if status != 200 || strings.Contains(string(body), "ocppPassword") {
			t.Errorf("get hub: %d %s (the password is shown once only)", status, body)
		}
		for _, c := range []struct{ body, field string }{
			{fmt.Sprintf(`{"chargerGroupId":%q,"sockets":0}`, e.A.Group), "sockets"},
			{fmt.Sprintf(`{"chargerGroupId":%q,"sockets":65}`, e.A.Group), "sockets"},
			{fmt.Sprintf(`{"chargerGroupId":%q,"ocppIdentity":"a/b","sockets":2}`, e.A.Group), "ocppIdentity"},
		} {
			if status, body := e.do("POST", "/api/v1/hubs", c.body, admin); status != 400 || !strings.Contains(string(body), c.field) {
				t.Errorf("%s: %d %s, want 400 naming %s", c.body, status, body, c.field)
			}
		}
		if status, body := e.do("POST", "/api/v1/hubs", fmt.Sprintf(`{"chargerGroupId":%q,"sockets":2}`, e.A.Group), e.tokens["A/cpo-staff"]); status != 403 {
			t.Errorf("staff onboards a hub: %d %s", status, body)
		}
	})
}
