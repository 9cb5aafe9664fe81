package api

import (
	"strings"
	"testing"
)

// TestAlertRulesLinkedRules: the reliability target, ticket breach and
// security event rules are set and read back through
// /cpos/{id}/alert-rules; a target out of range is 400 naming the field;
// another tenant's admin neither reads nor sets them.
func TestAlertRulesLinkedRules(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		admin, other := e.tokens["A/cpo-admin"], e.tokens["B/cpo-admin"]
		url := "/api/v1/cpos/" + e.A.CPO + "/alert-rules"
		status, body := e.do("PUT", url, `{"reliabilityTargetPct":"99.5","ticketBreaches":true,"securityEvents":true}`, admin)
		if status != 200 || jsonField(t, body, "reliabilityTargetPct") != "99.5" {
			t.Fatalf("put: %d %s", status, body)
		}
		status, body = e.do("GET", url, "", admin)
		if status != 200 || jsonField(t, body, "reliabilityTargetPct") != "99.5" ||
			!strings.Contains(string(body), `"ticketBreaches":true`) || !strings.Contains(string(body), `"securityEvents":true`) {
			t.Fatalf("get: %d %s", status, body)
		}
		for _, bad := range []string{`"101"`, `"99.555"`, `"-1"`, `"abc"`} {
			status, body := e.do("PUT", url, `{"reliabilityTargetPct":`+bad+`}`, admin)
			if status != 400 && status != 422 || !strings.Contains(string(body), "reliabilityTargetPct") {
				t.Errorf("target %s: %d %s, want 400 naming reliabilityTargetPct", bad, status, body)
			}
		}
		if status, body := e.do("GET", url, "", other); status != 404 {
			t.Errorf("B's admin reads A's rules: %d %s", status, body)
		}
		if status, body := e.do("PUT", url, `{"ticketBreaches":false}`, other); status != 404 {
			t.Errorf("B's admin sets A's rules: %d %s", status, body)
		}
		// Leaving the fields out turns the rules off.
		status, body = e.do("PUT", url, `{}`, admin)
		if status != 200 || jsonField(t, body, "reliabilityTargetPct") != "0" || strings.Contains(string(body), `"ticketBreaches":true`) {
			t.Fatalf("put nothing: %d %s", status, body)
		}
	})
}
