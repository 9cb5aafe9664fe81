package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestChargerPasswordAPI: PUT sets a chosen password under the passwordString
// rules, naming the field on a bad one; POST .../password/rotate sends a
// generated key and reports the charger's answer; change-configuration of
// AuthorizationKey neither echoes nor logs the key (issue #10 items 9-11).
func TestChargerPasswordAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		admin := e.tokens["A/cpo-admin"]
		base := Prefix + "/chargers/" + e.A.CPID
		for _, bad := range []string{`{"password":"too-short"}`, `{"password":"spaces are not allowed 0123"}`, `{}`} {
			st, body := e.do("PUT", base+"/password", bad, admin)
			if st != http.StatusBadRequest || !strings.Contains(string(body), "password") {
				t.Errorf("PUT %s: %d %s, want 400 naming password", bad, st, body)
			}
		}
		if st, body := e.do("PUT", base+"/password", `{"password":"Moved-from-old-BO:0123"}`, admin); st != http.StatusNoContent {
			t.Fatalf("PUT chosen password: %d %s", st, body)
		}
		if _, err := e.cfg.Charging.AuthenticateCharger(sys(), e.A.CPID, "Moved-from-old-BO:0123"); err != nil {
			t.Fatalf("chosen password does not authenticate: %v", err)
		}
		// Staff may not set it.
		if st, _ := e.do("PUT", base+"/password", `{"password":"Moved-from-old-BO:0123"}`, e.tokens["A/cpo-staff"]); st != http.StatusForbidden {
			t.Errorf("staff PUT password: %d, want 403", st)
		}

		st, body := e.do("POST", base+"/password/rotate", "", admin)
		if st != http.StatusOK || jsonField(t, body, "status") != "Accepted" || jsonField(t, body, "previousValidUntil") == "" {
			t.Fatalf("rotate: %d %s", st, body)
		}
		calls := e.cmd.Calls()
		last := calls[len(calls)-1]
		if last.Action != "ChangeConfiguration" || !strings.Contains(last.Request, `"AuthorizationKey"`) {
			t.Fatalf("rotation sent %+v", last)
		}
		if strings.Contains(string(body), "value") {
			t.Errorf("the rotation answer shows the key: %s", body)
		}

		key := "Chosen-by-hand-0123456"
		st, body = e.do("POST", base+"/commands/change-configuration", `{"key":"AuthorizationKey","value":"`+key+`"}`, admin)
		if st != http.StatusOK || strings.Contains(string(body), key) {
			t.Fatalf("change-configuration AuthorizationKey: %d %s", st, body)
		}
		if _, err := e.cfg.Charging.AuthenticateCharger(sys(), e.A.CPID, key); err != nil {
			t.Fatalf("a key the charger accepted does not authenticate: %v", err)
		}
		st, body = e.do("POST", base+"/commands/change-configuration", `{"key":"AuthorizationKey","value":"weak"}`, admin)
		if st != http.StatusBadRequest || errorShape(t, body).Field != "value" {
			t.Errorf("weak AuthorizationKey: %d %s, want 400 on value", st, body)
		}
	})
}

// TestImportChargersAPI: a CSV import is all or nothing, its errors name
// row, column and problem, and a group of another tenant is "not found" in
// its row (issue #10 item 11).
func TestImportChargersAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		admin := e.tokens["A/cpo-admin"]
		post := func(csv string) (int, []byte) {
			return e.doH("POST", Prefix+"/chargers/import", csv, admin, "Content-Type: text/csv")
		}
		good := "identity,password,group,model,connectors\n" +
			"FLEET-1,Fleet-password-000001," + e.A.Group + ",ACME/AC22,2\n" +
			"FLEET-2,," + e.A.Group + ",,\n"
		bad := good + "FLEET-1,x," + e.B.Group + ",,zero\n"
		st, body := post(bad)
		if st != http.StatusBadRequest {
			t.Fatalf("bad import: %d %s", st, body)
		}
		var eb struct {
			Error struct {
				Code    string
				Details struct {
					Rows []struct {
						Row     int
						Column  string
						Message string
					}
				}
			}
		}
		if err := json.Unmarshal(body, &eb); err != nil || len(eb.Error.Details.Rows) == 0 {
			t.Fatalf("import errors %s", body)
		}
		if r := eb.Error.Details.Rows[0]; r.Row != 4 || r.Column != "connectors" || r.Message == "" {
			t.Errorf("first error %+v, want row 4 connectors", r)
		}
		bad = good + "FLEET-1,x," + e.B.Group + ",,1\n"
		st, body = post(bad)
		s := string(body)
		if st != http.StatusBadRequest || !strings.Contains(s, `"row":4`) || !strings.Contains(s, "not found") ||
			!strings.Contains(s, `"column":"password"`) || !strings.Contains(s, "also on row 2") {
			t.Fatalf("bad rows: %d %s", st, body)
		}
		if st, body := e.do("GET", Prefix+"/chargers?q=FLEET", "", admin); st != 200 || strings.Contains(string(body), "FLEET-") {
			t.Fatalf("a refused import left chargers: %s", body)
		}
		st, body = post(good)
		if st != http.StatusCreated || !strings.Contains(string(body), "Fleet-password-000001") || strings.Count(string(body), `"cpid"`) != 2 {
			t.Fatalf("good import: %d %s", st, body)
		}
		if st, _ := e.doH("POST", Prefix+"/chargers/import", good, e.tokens["A/cpo-staff"], "Content-Type: text/csv"); st != http.StatusBadRequest {
			t.Errorf("staff import: %d, want 400 (group refused in each row)", st)
		}
	})
}
