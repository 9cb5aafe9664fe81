package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/volt-ev/volt/internal/pdfqr"
)

// TestOCPIPartnersAPI adds a roaming partner as PRODUCT.md shapes it: 201
// with tokenA (shown once) and Volt's versionsUrl; the token never shows
// again; a bad party id names its field; suspend and the CPO's own party.
func TestOCPIPartnersAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		admin, staff := e.tokens["A/cpo-admin"], e.tokens["A/cpo-staff"]
		st, body := e.do("POST", "/api/v1/ocpi-partners", `{"cpoId":"`+e.A.CPO+`","name":"Roam NL","countryCode":"nl","partyId":"rnl","role":"EMSP"}`, admin)
		if st != http.StatusCreated {
			t.Fatalf("create partner: %d %s", st, body)
		}
		var created map[string]any
		must(t, json.Unmarshal(body, &created))
		id, _ := created["id"].(string)
		if tok, _ := created["tokenA"].(string); len(tok) < 32 || !strings.HasSuffix(created["versionsUrl"].(string), "/ocpi/versions") ||
			created["countryCode"] != "NL" || created["partyId"] != "RNL" || created["status"] != "pending" {
			t.Errorf("created partner %s", body)
		}
		st, body = e.do("GET", "/api/v1/ocpi-partners/"+id, "", staff)
		if st != 200 || strings.Contains(string(body), created["tokenA"].(string)) || strings.Contains(string(body), "tokenA") {
			t.Errorf("get partner as staff: %d %s", st, body)
		}
		st, body = e.do("POST", "/api/v1/ocpi-partners", `{"cpoId":"`+e.A.CPO+`","name":"Bad","countryCode":"GB","partyId":"a-b","role":"EMSP"}`, admin)
		if st != 400 || jsonField(t, errorOf(t, body), "field") != "partyId" {
			t.Errorf("bad party id: %d %s", st, body)
		}
		st, body = e.do("POST", "/api/v1/ocpi-partners", `{"cpoId":"`+e.A.CPO+`","name":"Roam NL again","countryCode":"NL","partyId":"RNL","role":"EMSP"}`, admin)
		if st != 409 {
			t.Errorf("the same partner twice: %d %s", st, body)
		}
		if st, body = e.do("POST", "/api/v1/ocpi-partners", `{"cpoId":"`+e.A.CPO+`","name":"x","countryCode":"NL","partyId":"XYZ","role":"EMSP"}`, staff); st != 403 {
			t.Errorf("staff creates a partner: %d %s", st, body)
		}
		st, body = e.do("PATCH", "/api/v1/ocpi-partners/"+id, `{"suspended":true}`, admin)
		if st != 200 || jsonField(t, body, "status") != "suspended" {
			t.Errorf("suspend: %d %s", st, body)
		}
		// The monthly reconciliation (empty here; its lines: store tests):
		// JSON, CSV, a bad month naming its field, another CPO's partner.
		if st, body = e.do("GET", "/api/v1/ocpi-partners/"+id+"/reconciliation?month=2026-03", "", staff); st != 200 ||
			jsonField(t, body, "month") != "2026-03" || jsonField(t, body, "partnerName") != "Roam NL" {
			t.Errorf("reconciliation: %d %s", st, body)
		}
		if st, body = e.do("GET", "/api/v1/ocpi-partners/"+id+"/reconciliation?month=2026-03&format=csv", "", staff); st != 200 ||
			!strings.HasPrefix(string(body), "partner,partner_id,month") || !strings.Contains(string(body), "Roam NL,"+id+",2026-03") {
			t.Errorf("reconciliation CSV: %d %s", st, body)
		}
		// The PDF (issue 14 item 2), by ?format=pdf or by the Accept header.
		for _, how := range []struct{ query, accept string }{{"&format=pdf", ""}, {"", "Accept: application/pdf"}} {
			st, body = e.doH("GET", "/api/v1/ocpi-partners/"+id+"/reconciliation?month=2026-03"+how.query, "", staff, how.accept)
			if st != 200 || !strings.HasPrefix(string(body), "%PDF-") {
				t.Fatalf("reconciliation PDF %+v: %d %.80s", how, st, body)
			}
			text := strings.Join(strings.Fields(pdfqr.Text(t, body)), " ")
			for _, want := range []string{"Roaming reconciliation - 2026-03", "Partner CPO Roam NL (" + id + ")", "Their CDRs 0", "Our payable 0.00", "Matched 0"} {
				if !strings.Contains(text, want) {
					t.Errorf("reconciliation PDF %+v lacks %q:\n%s", how, want, text)
				}
			}
		}
		if st, body = e.doH("GET", "/api/v1/ocpi-partners/"+id+"/reconciliation?month=2026-03", "", staff, "Accept: text/csv"); st != 200 ||
			!strings.HasPrefix(string(body), "partner,partner_id,month") {
			t.Errorf("reconciliation CSV by Accept: %d %.80s", st, body)
		}
		if st, body = e.do("GET", "/api/v1/ocpi-partners/"+id+"/reconciliation?month=2026-13", "", staff); st/100 != 4 || !strings.Contains(string(body), "month") {
			t.Errorf("bad month: %d %s", st, body)
		}
		if st, body = e.do("GET", "/api/v1/ocpi-partners/"+id+"/reconciliation?month=2026-03", "", e.tokens["B/cpo-admin"]); st != 404 {
			t.Errorf("another CPO's partner's reconciliation: %d %s", st, body)
		}
		st, body = e.do("PUT", "/api/v1/cpos/"+e.A.CPO+"/ocpi-party", `{"countryCode":"GB","partyId":"VLA"}`, admin)
		if st != 200 || jsonField(t, body, "partyId") != "VLA" {
			t.Errorf("set party: %d %s", st, body)
		}
		if st, body = e.do("PUT", "/api/v1/cpos/"+e.B.CPO+"/ocpi-party", `{"countryCode":"GB","partyId":"VLA"}`, e.tokens["super"]); st != 409 {
			t.Errorf("another CPO's party: %d %s", st, body)
		}
	})
}

func errorOf(t *testing.T, body []byte) []byte {
	t.Helper()
	var env struct{ Error json.RawMessage }
	must(t, json.Unmarshal(body, &env))
	return env.Error
}
