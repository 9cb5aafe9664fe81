package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestRoamingWhitelistAPI (issue 14 item 4): a CPO admin sets a driver's
// roaming whitelist to NEVER and reads it back; staff may not; a bad mode
// names its field; another CPO's driver is not found.
func TestRoamingWhitelistAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		admin, staff := e.tokens["A/cpo-admin"], e.tokens["A/cpo-staff"]
		path := "/api/v1/users/" + e.A.Driver + "/roaming-whitelist"
		st, body := e.do("PUT", path, `{"whitelist":"NEVER"}`, admin)
		if st != http.StatusOK || jsonField(t, body, "effective") != "NEVER" || jsonField(t, body, "whitelist") != "NEVER" {
			t.Fatalf("set NEVER: %d %s", st, body)
		}
		if st, body = e.do("GET", path, "", staff); st != 200 || jsonField(t, body, "effective") != "NEVER" {
			t.Errorf("read as staff: %d %s", st, body)
		}
		if st, body = e.do("PUT", path, `{"whitelist":"ALWAYS"}`, staff); st != http.StatusForbidden {
			t.Errorf("staff sets it: %d %s", st, body)
		}
		if st, body = e.do("PUT", path, `{"whitelist":"SOMETIMES"}`, admin); st/100 != 4 || !strings.Contains(string(body), "whitelist") {
			t.Errorf("a bad mode: %d %s", st, body)
		}
		if st, body = e.do("PUT", path, `{"whitelist":"NEVER","cardId":"rfc_nope"}`, admin); st != 400 || jsonField(t, errorOf(t, body), "field") != "cardId" {
			t.Errorf("a card not the driver's: %d %s", st, body)
		}
		if st, body = e.do("PUT", "/api/v1/users/"+e.B.Driver+"/roaming-whitelist", `{"whitelist":"NEVER"}`, admin); st != http.StatusNotFound {
			t.Errorf("another CPO's driver: %d %s", st, body)
		}
	})
}
