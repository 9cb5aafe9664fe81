package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const period = "from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z"

// TestMoneyScenarios drives tariffs, prices, CDR costs, wallets, payments
// and refunds through the real store and the sandbox provider.
func TestMoneyScenarios(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		e.run(t, []scenario{
			{"create tariff", "POST", "/api/v1/tariffs", `{"cpoId":"{A.cpo}","name":"Night","energyPricePerKwh":"0.45","sessionFee":"0.50","timePricePerHour":"1.20","idleFeePerMinute":"0.10","idleGraceMinutes":15,"vatRate":"0.20","currency":"GBP","minPrice":"1.00","maxPrice":"60.00","bands":[{"name":"night","startMinute":0,"endMinute":420,"energyPricePerKwh":"0.25"}]}`, "A/cpo-admin", 201,
				[]string{`"id":"trf_`, `"energyPricePerKwh":"0.45"`, `"sessionFee":"0.5"`, `"timePricePerHour":"1.2"`, `"idleFeePerMinute":"0.1"`, `"idleGraceMinutes":15`, `"vatRate":"0.2"`, `"currency":"GBP"`, `"maxPrice":"60"`, `"startMinute":0`, `"endMinute":420`}, nil},
			{"currency defaults to the cpo's", "POST", "/api/v1/tariffs", `{"cpoId":"{A.cpo}","name":"Plain","vatRate":"0.20"}`, "A/cpo-admin", 201, []string{`"currency":"GBP"`, `"energyPricePerKwh":"0"`}, nil},
			{"staff reads tariffs", "GET", "/api/v1/tariffs?cpoId={A.cpo}", ``, "A/cpo-staff", 200, []string{`"name":"Public A"`, `"name":"Drivers A"`}, []string{`Public B`}},
			{"staff may not create", "POST", "/api/v1/tariffs", `{"cpoId":"{A.cpo}","name":"X","vatRate":"0.20"}`, "A/cpo-staff", 403, []string{`"code":"forbidden"`}, nil},
			{"patch tariff", "PATCH", "/api/v1/tariffs/{A.tariff}", `{"energyPricePerKwh":"0.50","noMaxPrice":true}`, "A/cpo-admin", 200, []string{`"energyPricePerKwh":"0.5"`, `"sessionFee":"0.5"`, `"name":"Public A"`}, []string{`maxPrice`}},
			// 10 kWh at 0.50 = 5.00 and the 0.50 fee: 5.50 incl. VAT; excl. per
			// line 5.00/1.2 = 4.17 and 0.50/1.2 = 0.42.
			{"preview", "POST", "/api/v1/tariffs/{A.tariff}/preview", `{"energyWh":10000,"durationMinutes":60}`, "A/cpo-staff", 200, []string{`"inclVat":550`, `"exclVat":459`, `"component":"energy"`, `"component":"session_fee"`, `"currency":"GBP"`}, nil},
			{"preview with stop time", "POST", "/api/v1/tariffs/{A.tariff}/preview", `{"energyWh":0,"startedAt":"2026-03-02T10:00:00Z","stoppedAt":"2026-03-02T11:00:00Z"}`, "A/cpo-admin", 200, []string{`"inclVat":50`}, nil},
			{"assignments", "GET", "/api/v1/tariff-assignments?chargerGroupId={A.group}", ``, "A/owner-staff", 200, []string{`"usergroupId":"public"`, `"usergroupId":"{A.driverGroup}"`, `"total":2`}, nil},
			{"duplicate assignment", "POST", "/api/v1/tariff-assignments", `{"tariffId":"{A.tariff}","usergroupId":"public","chargerGroupId":"{A.group}"}`, "A/cpo-admin", 409, []string{`"code":"conflict"`}, nil},
			{"tariff in use", "DELETE", "/api/v1/tariffs/{A.tariff}", ``, "A/cpo-admin", 409, []string{`"code":"conflict"`}, nil},
			{"guest price", "GET", "/api/v1/chargers/{A.cpid}/price", ``, "A/support", 200, []string{`"usergroupId":"public"`, `"name":"Public A"`, `"reason":"Public tariff`, `"cpid":"{A.cpid}"`}, nil},
			{"driver's price", "GET", "/api/v1/chargers/{A.cpid}/price?userId={A.driver}", ``, "A/cpo-admin", 200, []string{`"usergroupId":"{A.driverGroup}"`, `"name":"Drivers A"`, `cheapest`}, nil},
			{"driver prices themself", "GET", "/api/v1/chargers/{A.cpid}/price?userId={A.driver}", ``, "A/driver", 200, []string{`"name":"Drivers A"`}, nil},
			{"driver prices themself on B's public charger", "GET", "/api/v1/chargers/{B.cpid}/price?userId={A.driver}", ``, "A/driver", 200, []string{`"usergroupId":"public"`, `"name":"Public B"`}, nil},
			{"driver may not price others", "GET", "/api/v1/chargers/{A.cpid}/price?userId={A.driver}", ``, "B/driver", 404, nil, nil},
			// 7.5 kWh at the drivers' 0.30: 2.25 incl. VAT, 1.88 excl.
			{"cdr total cost", "GET", "/api/v1/cdrs/{A.cdr}", ``, "A/cpo-staff", 200, []string{`"totalCost":{"currency":"GBP","exclVat":188,"inclVat":225,"vatRate":"0.2","components":[{"component":"energy","quantity":"7.5","unit":"kWh","inclVat":225,"exclVat":188}]}`}, nil},
			{"driver's wallet", "GET", "/api/v1/wallets", ``, "A/driver", 200, []string{`"userId":"{A.driver}"`, `"balance":2000`, `"total":1`}, nil},
			{"wallet with history", "GET", "/api/v1/wallets/{A.driver}", ``, "A/driver", 200, []string{`"id":"{A.driver}"`, `"balance":2000`, `"kind":"topup"`, `"amount":2000`}, nil},
			{"CPO admin reads its driver's wallet", "GET", "/api/v1/wallets/{A.driver}", ``, "A/cpo-admin", 200, []string{`"balance":2000`}, nil},
			{"support reads its driver's wallet", "GET", "/api/v1/wallets/{A.driver}", ``, "A/support", 200, []string{`"balance":2000`}, nil},
			{"staff do not read wallets", "GET", "/api/v1/wallets/{A.driver}", ``, "A/cpo-staff", 404, nil, nil},
			{"top up", "POST", "/api/v1/wallets/{A.driver}/top-ups", `{"amount":"12.50","currency":"GBP","card":"4242424242424242"}`, "A/driver|Idempotency-Key: k1", 201, []string{`"kind":"topup"`, `"state":"succeeded"`, `"amount":1250`}, nil},
			{"balance after top-up", "GET", "/api/v1/wallets/{A.driver}", ``, "A/driver", 200, []string{`"balance":3250`}, nil},
			{"declined card", "POST", "/api/v1/wallets/{A.driver}/top-ups", `{"amount":"5","currency":"GBP","card":"4000000000000002"}`, "A/driver|Idempotency-Key: k2", 422, []string{`"code":"unprocessable"`}, nil},
			{"admin may not top up a driver", "POST", "/api/v1/wallets/{A.driver}/top-ups", `{"amount":"5","currency":"GBP","card":"4242424242424242"}`, "A/cpo-admin|Idempotency-Key: k3", 404, nil, nil},
			{"payment", "GET", "/api/v1/payments/{A.payment}", ``, "A/support", 200, []string{`"state":"captured"`, `"captured":225`, `"refunded":0`, `"sessionId":"{A.session}"`}, nil},
			{"driver reads own payment", "GET", "/api/v1/payments/{A.payment}", ``, "A/driver", 200, []string{`"id":"{A.payment}"`}, nil},
			{"staff may not refund", "POST", "/api/v1/payments/{A.payment}/refund", `{"amount":"0.50","reason":"r"}`, "A/cpo-staff|Idempotency-Key: k4", 403, []string{`"code":"forbidden"`}, nil},
			{"refund beyond capture", "POST", "/api/v1/payments/{A.payment}/refund", `{"amount":"2.26","reason":"too much"}`, "A/support|Idempotency-Key: k5", 400, []string{`"field":"amount"`}, nil},
			{"CPO admin lists its payments", "GET", "/api/v1/payments?sessionId={A.session}", ``, "A/cpo-admin", 200, []string{`"id":"{A.payment}"`, `"total":1`}, nil},
			{"driver lists own payments", "GET", "/api/v1/payments?state=captured", ``, "A/driver", 200, []string{`"id":"{A.payment}"`}, nil},
		})
		refund := func(key string) (int, []byte) {
			return e.doH("POST", "/api/v1/payments/"+e.A.Payment+"/refund", `{"amount":"0.50","reason":"connector fault"}`,
				e.tokens["A/support"], "Idempotency-Key: "+key)
		}
		for _, key := range []string{"r1", "r1"} { // the same key twice refunds once
			if st, got := refund(key); st != 200 || !strings.Contains(string(got), `"refunded":50`) {
				t.Fatalf("refund %s: %d %s", key, st, got)
			}
		}
		if st, got := refund("r2"); st != 200 || !strings.Contains(string(got), `"refunded":100`) {
			t.Fatalf("second refund: %d %s", st, got)
		}
		e.run(t, []scenario{
			{"refund in the audit log", "GET", "/api/v1/audit-log?action=payment.refund&outcome=ok", ``, "A/cpo-admin", 200, []string{`"reason":"connector fault"`, `"amount":50`, `"outcome":"ok"`, `"total":3`, `"resourceId":"{A.payment}"`, `"source":"api"`}, nil},
			{"refused refund in the audit log", "GET", "/api/v1/audit-log?action=payment.refund&outcome=failed", ``, "A/cpo-admin", 200, []string{`"total":2`, `"errorCode":"forbidden"`, `"errorCode":"invalid"`}, nil},
			{"B sees none of A's refunds", "GET", "/api/v1/audit-log?action=payment.refund", ``, "B/cpo-admin", 200, []string{`"total":0`}, nil},
		})
	})
}

// TestMoneyBadInput checks malformed and refused money input: each a 400
// naming the field, a 409 or a 422, and nothing changed.
func TestMoneyBadInput(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		tariff := func(fields string) string {
			return `{"cpoId":"{A.cpo}","name":"Bad","vatRate":"0.20"` + fields + `}`
		}
		e.run(t, []scenario{
			{"malformed decimal", "POST", "/api/v1/tariffs", tariff(`,"energyPricePerKwh":"0.4.5"`), "A/cpo-admin", 400, []string{`"field":"energyPricePerKwh"`, `decimal amount`}, nil},
			{"negative price", "POST", "/api/v1/tariffs", tariff(`,"energyPricePerKwh":"-1"`), "A/cpo-admin", 400, []string{`"field":"energyPricePerKwh"`, `negative`}, nil},
			{"exponent", "POST", "/api/v1/tariffs", tariff(`,"timePricePerHour":"1e3"`), "A/cpo-admin", 400, []string{`"field":"timePricePerHour"`}, nil},
			{"number not string", "POST", "/api/v1/tariffs", tariff(`,"energyPricePerKwh":0.45`), "A/cpo-admin", 400, []string{`"field":"energyPricePerKwh"`}, nil},
			{"seven decimals", "POST", "/api/v1/tariffs", tariff(`,"energyPricePerKwh":"0.1234567"`), "A/cpo-admin", 400, []string{`"field":"energyPricePerKwh"`}, nil},
			{"fee finer than a penny", "POST", "/api/v1/tariffs", tariff(`,"sessionFee":"0.001"`), "A/cpo-admin", 400, []string{`"field":"sessionFee"`}, nil},
			{"unknown currency", "POST", "/api/v1/tariffs", tariff(`,"currency":"XYZ"`), "A/cpo-admin", 400, []string{`"field":"currency"`, `Unknown currency`}, nil},
			{"currency mismatch with the cpo", "POST", "/api/v1/tariffs", tariff(`,"currency":"EUR"`), "A/cpo-admin", 400, []string{`"field":"currency"`, `differs from the CPO's currency GBP`}, nil},
			{"vat rate of 150%", "POST", "/api/v1/tariffs", tariff(`,"vatRate":"1.5"`), "A/cpo-admin", 400, []string{`"field":"vatRate"`}, nil},
			{"missing vat rate", "POST", "/api/v1/tariffs", `{"cpoId":"{A.cpo}","name":"Bad"}`, "A/cpo-admin", 400, []string{`"field":"vatRate"`}, nil},
			{"max below min", "POST", "/api/v1/tariffs", tariff(`,"minPrice":"5.00","maxPrice":"1.00"`), "A/cpo-admin", 400, []string{`"field":"maxPrice"`}, nil},
			{"overlapping bands", "POST", "/api/v1/tariffs", tariff(`,"bands":[{"startMinute":0,"endMinute":420},{"startMinute":360,"endMinute":600}]`), "A/cpo-admin", 400, []string{`"field":"bands[1]"`, `overlaps`}, nil},
			{"band over midnight", "POST", "/api/v1/tariffs", tariff(`,"bands":[{"startMinute":1320,"endMinute":360}]`), "A/cpo-admin", 400, []string{`"field":"bands[0]"`}, nil},
			{"band past the day", "POST", "/api/v1/tariffs", tariff(`,"bands":[{"startMinute":0,"endMinute":1441}]`), "A/cpo-admin", 400, []string{`"field":"bands[0].endMinute"`}, nil},
			{"patch to negative", "PATCH", "/api/v1/tariffs/{A.tariff}", `{"sessionFee":"-0.50"}`, "A/cpo-admin", 400, []string{`"field":"sessionFee"`}, nil},
			{"patch currency mismatch", "PATCH", "/api/v1/tariffs/{A.tariff}", `{"currency":"USD"}`, "A/cpo-admin", 400, []string{`"field":"currency"`}, nil},
			{"preview without a duration", "POST", "/api/v1/tariffs/{A.tariff}/preview", `{"energyWh":1000}`, "A/cpo-admin", 400, []string{`"field":"durationMinutes"`}, nil},
			{"preview ending before it starts", "POST", "/api/v1/tariffs/{A.tariff}/preview", `{"energyWh":1000,"startedAt":"2026-01-01T10:00:00Z","stoppedAt":"2026-01-01T09:00:00Z"}`, "A/cpo-admin", 400, []string{`"field":"stoppedAt"`}, nil},
			{"preview negative energy", "POST", "/api/v1/tariffs/{A.tariff}/preview", `{"energyWh":-5,"durationMinutes":10}`, "A/cpo-admin", 400, []string{`"field":"energyWh"`}, nil},
			{"preview unknown zone", "POST", "/api/v1/tariffs/{A.tariff}/preview", `{"energyWh":5,"durationMinutes":10,"timeZone":"Mars/Olympus"}`, "A/cpo-admin", 400, []string{`"field":"timeZone"`}, nil},
			{"assignment of B's tariff", "POST", "/api/v1/tariff-assignments", `{"tariffId":"{B.tariff}","usergroupId":"{A.privateGroup}","chargerGroupId":"{A.group}"}`, "A/cpo-admin", 400, []string{`"field":"tariffId"`}, nil},
			{"assignment missing group", "POST", "/api/v1/tariff-assignments", `{"tariffId":"{A.tariff}","usergroupId":"public"}`, "A/cpo-admin", 400, []string{`"field":"chargerGroupId"`}, nil},
			{"top-up malformed amount", "POST", "/api/v1/wallets/{A.driver}/top-ups", `{"amount":"0.4.5","currency":"GBP","card":"4242424242424242"}`, "A/driver|Idempotency-Key: k6", 400, []string{`"field":"amount"`}, nil},
			{"top-up negative amount", "POST", "/api/v1/wallets/{A.driver}/top-ups", `{"amount":"-1","currency":"GBP","card":"4242424242424242"}`, "A/driver|Idempotency-Key: k7", 400, []string{`"field":"amount"`}, nil},
			{"top-up finer than a penny", "POST", "/api/v1/wallets/{A.driver}/top-ups", `{"amount":"1.001","currency":"GBP","card":"4242424242424242"}`, "A/driver|Idempotency-Key: k8", 400, []string{`"field":"amount"`}, nil},
			{"top-up unknown currency", "POST", "/api/v1/wallets/{A.driver}/top-ups", `{"amount":"1","currency":"XYZ","card":"4242424242424242"}`, "A/driver|Idempotency-Key: k9", 400, []string{`"field":"currency"`}, nil},
			{"top-up over the maximum", "POST", "/api/v1/wallets/{A.driver}/top-ups", `{"amount":"100000000","currency":"GBP","card":"4242424242424242"}`, "A/driver|Idempotency-Key: k10", 400, []string{`"field":"amount"`, `at most 250.00 GBP`}, nil},
			{"top-up without idempotency key", "POST", "/api/v1/wallets/{A.driver}/top-ups", `{"amount":"1","currency":"GBP","card":"4242424242424242"}`, "A/driver", 400, []string{`"field":"Idempotency-Key"`}, nil},
			{"refund without idempotency key", "POST", "/api/v1/payments/{A.payment}/refund", `{"amount":"0.10","reason":"r"}`, "A/support", 400, []string{`"field":"Idempotency-Key"`}, nil},
			{"wallet in unknown currency", "GET", "/api/v1/wallets/{A.driver}?currency=XYZ", ``, "A/driver", 400, []string{`"field":"currency"`}, nil},
			{"report without scope", "GET", "/api/v1/reports/income?" + period, ``, "A/cpo-admin", 400, []string{`"field":"cpoId"`}, nil},
			{"report period backwards", "GET", "/api/v1/reports/income?cpoId={A.cpo}&from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", ``, "A/cpo-admin", 400, []string{`"field":"to"`}, nil},
			{"report without period", "GET", "/api/v1/reports/income?cpoId={A.cpo}", ``, "A/cpo-admin", 400, []string{`"field":"from"`}, nil},
			{"report bad format", "GET", "/api/v1/reports/income?cpoId={A.cpo}&format=xls&" + period, ``, "A/cpo-admin", 400, []string{`"field":"format"`}, nil},
		})
		// Nothing above changed the tariff.
		e.run(t, []scenario{{"tariff intact", "GET", "/api/v1/tariffs/{A.tariff}", ``, "A/cpo-admin", 200,
			[]string{`"sessionFee":"0.5"`, `"currency":"GBP"`}, nil}})
		for _, c := range []struct{ status int }{{200}} {
			if st, got := e.doH("GET", "/api/v1/wallets/"+e.A.Driver, "", e.tokens["A/driver"], ""); st != c.status || !strings.Contains(string(got), `"balance":2000`) || !strings.Contains(string(got), `"maxTopUp":25000`) {
				t.Errorf("wallet after refused top-ups: %d %s", st, got)
			}
		}
	})
}

// TestPrivateGroupPrice: a private charger group admits only usergroups
// with an assignment; others are refused with the reason (403).
func TestPrivateGroupPrice(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		e.run(t, []scenario{
			{"make group private", "PATCH", "/api/v1/charger-groups/{A.group}", `{"private":true}`, "A/cpo-admin", 200, []string{`"private":true`}, nil},
			{"guest refused", "GET", "/api/v1/chargers/{A.cpid}/price", ``, "A/cpo-admin", 403, []string{`"code":"forbidden"`, `private`}, nil},
			{"member admitted", "GET", "/api/v1/chargers/{A.cpid}/price?userId={A.driver}", ``, "A/cpo-admin", 200, []string{`"name":"Drivers A"`}, nil},
		})
	})
}

// fileAnswer sends a GET and returns the recorder for header checks.
func (e *env) fileAnswer(path, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// TestFileAnswers checks income reports, receipts and the audit export
// answer with their media type, a download name, and the right content.
func TestFileAnswers(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		income := "/api/v1/reports/income?cpoId=" + e.A.CPO + "&" + period
		cases := []struct {
			name, path, token, ctype, disp, want string
		}{
			{"income json", income, "A/cpo-admin", "application/json", "", `"sessions":1`},
			{"income json owner", "/api/v1/reports/income?ownerId=" + e.A.Owner + "&" + period, "A/owner-staff", "application/json", "", `"directIncome":225`},
			{"income csv", income + "&format=csv", "A/cpo-staff", "text/csv", `attachment; filename="income-` + e.A.CPO, "App income,2.25,GBP"},
			{"income pdf", income + "&format=pdf", "A/cpo-admin", "application/pdf", `.pdf"`, "%PDF-"},
			{"receipt", "/api/v1/cdrs/" + e.A.CDR + "/receipt.pdf", "A/driver", "application/pdf", `filename="receipt-` + e.A.CDR + `.pdf"`, "%PDF-"},
			{"audit csv", "/api/v1/audit-log?format=csv", "A/cpo-admin", "text/csv", `attachment; filename="audit-log-`, "id,at,actorId,actorEmail"},
			{"audit json", "/api/v1/audit-log?action=tariff.", "A/cpo-staff", "application/json", "", `"action":"tariff.create"`},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				rec := e.fileAnswer(c.path, e.tokens[c.token])
				body := rec.Body.String()
				if rec.Code != http.StatusOK {
					t.Fatalf("status %d: %s", rec.Code, body)
				}
				if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, c.ctype) {
					t.Errorf("Content-Type %q, want %s", ct, c.ctype)
				}
				if d := rec.Header().Get("Content-Disposition"); !strings.Contains(d, c.disp) || (c.disp == "" && d != "") {
					t.Errorf("Content-Disposition %q, want %q", d, c.disp)
				}
				if !strings.Contains(body, c.want) {
					t.Errorf("body lacks %q: %.300s", c.want, body)
				}
				if strings.Contains(body, e.B.CPO) || strings.Contains(body, e.B.CDR) {
					t.Errorf("body shows tenant B: %.300s", body)
				}
			})
		}
		for _, c := range []struct{ path, token string }{
			{"/api/v1/cdrs/" + e.A.CDR + "/receipt.pdf", "B/driver"},
			{"/api/v1/cdrs/" + e.A.CDR + "/receipt.pdf", "B/cpo-admin"},
			{income + "&format=pdf", "B/cpo-admin"},
			{income + "&format=csv", "A/driver"},
		} {
			if rec := e.fileAnswer(c.path, e.tokens[c.token]); rec.Code != 404 {
				t.Errorf("%s as %s: %d, want 404", c.path, c.token, rec.Code)
			} else {
				errorShape(t, rec.Body.Bytes())
			}
		}
	})
}
