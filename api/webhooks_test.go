package api

import (
	"fmt"
	"strings"
	"testing"
)

// TestWebhookEndpointSecretOnceAndBadInput: the secret is in the answers to
// create and rotate only; bad URLs and event types are 400 naming the field.
func TestWebhookEndpointSecretOnceAndBadInput(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		admin := e.tokens["A/cpo-admin"]
		status, body := e.do("POST", "/api/v1/webhook-endpoints", fmt.Sprintf(`{"cpoId":%q,"url":"https://hooks.example.com/x","events":["session.started","alert.opened"]}`, e.A.CPO), admin)
		if status != 201 || !strings.HasPrefix(jsonField(t, body, "secret"), "whsec_") {
			t.Fatalf("create: %d %s", status, body)
		}
		id, secret := jsonField(t, body, "id"), jsonField(t, body, "secret")
		status, body = e.do("GET", "/api/v1/webhook-endpoints/"+id, "", admin)
		if status != 200 || strings.Contains(string(body), secret) || strings.Contains(string(body), `"secret"`) {
			t.Fatalf("get shows the secret: %d %s", status, body)
		}
		status, body = e.do("POST", "/api/v1/webhook-endpoints/"+id+"/secret", "", admin)
		if status != 200 || jsonField(t, body, "secret") == secret || jsonField(t, body, "secret") == "" {
			t.Fatalf("rotate: %d %s", status, body)
		}
		for _, c := range []struct{ body, field string }{
			{fmt.Sprintf(`{"cpoId":%q,"url":"ftp://x.example/","events":["session.started"]}`, e.A.CPO), "url"},
			{fmt.Sprintf(`{"cpoId":%q,"url":"https://user:pw@x.example/","events":["session.started"]}`, e.A.CPO), "url"},
			{fmt.Sprintf(`{"cpoId":%q,"url":"https://x.example/","events":["charger.exploded"]}`, e.A.CPO), "events"},
		} {
			status, body := e.do("POST", "/api/v1/webhook-endpoints", c.body, admin)
			if status != 400 || !strings.Contains(string(body), c.field) {
				t.Errorf("%s: %d %s, want 400 naming %s", c.body, status, body, c.field)
			}
		}
		// Alerts: the tenant's Faulted alert, acknowledged with its ticket.
		status, body = e.do("POST", "/api/v1/alerts/"+e.A.Alert+"/acknowledge", fmt.Sprintf(`{"ticketId":%q}`, e.A.Ticket), admin)
		if status != 200 || jsonField(t, body, "state") != "acknowledged" || jsonField(t, body, "ticketId") != e.A.Ticket {
			t.Fatalf("acknowledge: %d %s", status, body)
		}
		status, body = e.do("POST", "/api/v1/alerts/"+e.A.Alert+"/acknowledge", fmt.Sprintf(`{"ticketId":%q}`, e.B.Ticket), admin)
		if status != 400 || !strings.Contains(string(body), "ticketId") {
			t.Fatalf("acknowledge with B's ticket: %d %s", status, body)
		}
		status, body = e.do("PUT", "/api/v1/cpos/"+e.A.CPO+"/alert-rules", `{"offlineMinutes":-1}`, admin)
		if status != 400 && status != 422 || !strings.Contains(string(body), "offlineMinutes") {
			t.Fatalf("bad rules: %d %s", status, body)
		}
	})
}
