package api

import (
	"strings"
	"testing"

	"github.com/volt-ev/volt"
)

// TestSupportScenarios drives tickets, the helpline console and the audit
// log through the real store and the audit wrappers.
func TestSupportScenarios(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		e.run(t, []scenario{
			{"support lists tickets", "GET", "/api/v1/tickets?status=open", ``, "A/support", 200, []string{`"id":"{A.ticket}"`, `"total":1`}, []string{"{B.ticket}"}},
			{"support reads internal notes", "GET", "/api/v1/tickets/{A.ticket}", ``, "A/support", 200, []string{`"internal":true`, `SECRET note A`}, nil},
			{"driver reads own ticket without notes", "GET", "/api/v1/tickets/{A.ticket}", ``, "A/driver", 200, []string{`The cable will not release.`}, []string{`SECRET`}},
			{"driver reports a problem", "POST", "/api/v1/tickets", `{"subject":"Screen dark","body":"Nothing shows","cpid":"{A.cpid}","priority":"urgent"}`, "A/driver", 201, []string{`"source":"driver"`, `"driverUserId":"{A.driver}"`, `"priority":"normal"`, `"cpoId":"{A.cpo}"`}, nil},
			{"support opens for a guest", "POST", "/api/v1/tickets", `{"subject":"Called in","guestPhone":"+44 7700 900123","cpid":"{A.cpid}","priority":"high"}`, "A/support", 201, []string{`"source":"support"`, `"priority":"high"`}, nil},
			{"support sets pending", "PATCH", "/api/v1/tickets/{A.ticket}", `{"status":"pending","priority":"high","assigneeId":"{A.driver}"}`, "A/support", 200, []string{`"status":"pending"`, `"priority":"high"`}, nil},
			{"driver reply reopens", "POST", "/api/v1/tickets/{A.ticket}/messages", `{"body":"Still stuck"}`, "A/driver", 201, []string{`"body":"Still stuck"`, `"internal":false`}, nil},
			{"reopened", "GET", "/api/v1/tickets/{A.ticket}", ``, "A/support", 200, []string{`"status":"open"`}, nil},
			{"driver may not add notes", "POST", "/api/v1/tickets/{A.ticket}/messages", `{"body":"x","internal":true}`, "A/driver", 400, []string{`"field":"internal"`}, nil},
			{"driver may not change status", "PUT", "/api/v1/tickets/{A.ticket}/status", `{"status":"closed"}`, "A/driver", 403, []string{`"code":"forbidden"`}, nil},
			{"support closes", "PUT", "/api/v1/tickets/{A.ticket}/status", `{"status":"closed"}`, "A/support", 200, []string{`"status":"closed"`, `"closedAt":"`}, nil},
			{"closed ticket refuses the driver", "POST", "/api/v1/tickets/{A.ticket}/messages", `{"body":"hello?"}`, "A/driver", 422, []string{`"code":"unprocessable"`}, nil},
			{"another driver sees nothing", "GET", "/api/v1/tickets/{A.ticket}", ``, "B/driver", 404, nil, nil},
			{"search a charger", "GET", "/api/v1/helpline/search?q={A.cpid}", ``, "A/support", 200, []string{`"kind":"charger"`, `"cpid":"{A.cpid}"`}, []string{"{B.cpid}"}},
			{"search a card", "GET", "/api/v1/helpline/search?q=carda01", ``, "A/support", 200, []string{`"kind":"rfid-card"`}, nil},
			{"drivers may not search", "GET", "/api/v1/helpline/search?q={A.cpid}", ``, "A/driver", 403, []string{`"code":"forbidden"`}, nil},
			{"log a contact", "POST", "/api/v1/helpline/contacts", `{"channel":"phone","driverContact":"+44 7700 900999","cpid":"{A.cpid}","summary":"Reset the charger","actions":["reset"]}`, "A/support", 201, []string{`"id":"hlc_`, `"supportUserId":"`, `"cpoId":"{A.cpo}"`, `"actions":["reset"]`}, nil},
			{"contacts", "GET", "/api/v1/helpline/contacts?cpid={A.cpid}", ``, "A/cpo-staff", 200, []string{`"total":2`, `"summary":"Reset the charger"`}, nil},
			{"contact in the audit log", "GET", "/api/v1/audit-log?action=helpline.contact&q=900999", ``, "A/cpo-admin", 200, []string{`"total":1`, `"driverContact":"+44 7700 900999"`, `"source":"api"`}, nil},
			{"audit log filtered", "GET", "/api/v1/audit-log?resourceType=ticket&limit=2", ``, "A/cpo-admin", 200, []string{`"resourceType":"ticket"`, `"limit":2`}, []string{"{B.ticket}"}},
			{"drivers read no audit log", "GET", "/api/v1/audit-log", ``, "A/driver", 200, []string{`"total":0`}, nil},
			{"staff may not delete", "DELETE", "/api/v1/tickets/{A.ticket}", ``, "A/cpo-staff", 403, nil, nil},
			{"admin deletes", "DELETE", "/api/v1/tickets/{A.ticket}", ``, "A/cpo-admin", 204, nil, nil},
		})
	})
}

// TestSupportBadInput checks malformed support input.
func TestSupportBadInput(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		e.run(t, []scenario{
			{"empty subject", "POST", "/api/v1/tickets", `{"subject":""}`, "A/driver", 400, []string{`"field":"subject"`}, nil},
			{"blank subject", "POST", "/api/v1/tickets", `{"subject":"   "}`, "A/driver", 400, []string{`"field":"subject"`}, nil},
			{"unknown status", "PUT", "/api/v1/tickets/{A.ticket}/status", `{"status":"done"}`, "A/support", 400, []string{`"field":"status"`}, nil},
			{"bad guest email", "POST", "/api/v1/tickets", `{"subject":"S","guestEmail":"nope","cpid":"{A.cpid}"}`, "A/support", 400, []string{`"field":"guestEmail"`}, nil},
			{"ticket without a driver", "POST", "/api/v1/tickets", `{"subject":"S","cpid":"{A.cpid}"}`, "A/support", 400, []string{`"field":"guestEmail"`}, nil},
			{"empty message", "POST", "/api/v1/tickets/{A.ticket}/messages", `{"body":""}`, "A/support", 400, []string{`"field":"body"`}, nil},
			{"bad channel", "POST", "/api/v1/helpline/contacts", `{"channel":"fax","driverContact":"x","summary":"s","cpid":"{A.cpid}"}`, "A/support", 400, []string{`"field":"channel"`}, nil},
			{"contact without driver", "POST", "/api/v1/helpline/contacts", `{"channel":"phone","summary":"s","cpid":"{A.cpid}"}`, "A/support", 400, []string{`"field":"driverContact"`}, nil},
			{"search without q", "GET", "/api/v1/helpline/search", ``, "A/support", 400, []string{`"field":"q"`}, nil},
			{"audit bad outcome", "GET", "/api/v1/audit-log?outcome=maybe", ``, "A/cpo-admin", 400, []string{`"field":"outcome"`}, nil},
			{"audit bad format", "GET", "/api/v1/audit-log?format=xml", ``, "A/cpo-admin", 400, []string{`"field":"format"`}, nil},
		})
	})
}

// TestWebhook sends the provider's signed webhooks to the public route: a
// valid one is applied and answered 200, its replay 200 again with nothing
// applied twice, a forged or missing signature 400, an unknown provider 404
// when the providers are listed.
func TestWebhook(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		payload, sig := e.provider.SignWebhook(volt.WebhookEvent{ID: "evt_1", Type: "payment_intent.succeeded", Ref: "sbx_unknown", Amount: 1})
		send := func(provider, sig string, body []byte) (int, string) {
			st, got := e.doH("POST", "/api/v1/webhooks/"+provider, string(body), "", "Stripe-Signature: "+sig)
			return st, string(got)
		}
		for i := range 2 {
			if st, got := send("sandbox", sig, payload); st != 200 || !strings.Contains(got, `"received":true`) {
				t.Fatalf("delivery %d: %d %s", i+1, st, got)
			}
		}
		// The signature's last hex digit changed (a fixed "00" was the
		// signature itself once in 256 runs).
		forged := sig[:len(sig)-1] + map[bool]string{true: "1", false: "0"}[sig[len(sig)-1] == '0']
		if st, got := send("sandbox", forged, payload); st != 400 || !strings.Contains(got, `"field":"Stripe-Signature"`) {
			t.Errorf("forged signature: %d %s", st, got)
		}
		if st, got := send("sandbox", sig, append(payload, ' ')); st != 400 {
			t.Errorf("altered body: %d %s", st, got)
		}
		if st, got := e.doH("POST", "/api/v1/webhooks/sandbox", string(payload), "", ""); st != 400 || !strings.Contains(string(got), `Stripe-Signature`) {
			t.Errorf("no signature: %d %s", st, got)
		}
		s := e.h.(*server)
		s.WebhookProviders = []string{"stripe"}
		if st, got := send("sandbox", sig, payload); st != 404 {
			t.Errorf("unlisted provider: %d %s", st, got)
		}
	})
}
