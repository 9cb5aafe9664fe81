package api

import (
	"strings"
	"testing"
)

// scenario is one HTTP exchange of a table: placeholders like {A.cpo} in
// path and body are replaced with the environment's ids; token names a role
// ("super", "A/cpo-admin") or is empty.
type scenario struct {
	name, method, path, body, token string
	status                          int
	want                            []string // fragments the body must hold
	not                             []string // fragments it must not hold
}

func (e *env) replacer() *strings.Replacer {
	var kv []string
	for _, x := range []*tenant{e.A, e.B} {
		p := "{" + x.Name + "."
		kv = append(kv, p+"cpo}", x.CPO, p+"owner}", x.Owner, p+"host}", x.Host, p+"site}", x.Site,
			p+"group}", x.Group, p+"cpid}", x.CPID, p+"session}", x.Session, p+"cdr}", x.CDR,
			p+"driver}", x.Driver, p+"driverEmail}", x.DriverEmail, p+"driverGroup}", x.DriverGroup,
			p+"privateGroup}", x.PrivateUgr, p+"card}", x.Card, p+"cardUid}", x.CardUID,
			p+"affiliate}", x.Affiliate, p+"affCode}", x.AffCode, p+"tariff}", x.Tariff, p+"assignment}", x.Assignment,
			p+"payment}", x.Payment, p+"topUp}", x.TopUp, p+"ticket}", x.Ticket, p+"contact}", x.Contact,
			p+"ocpiPartner}", x.OCPIPartner, p+"fleet}", x.Fleet, p+"vehicle}", x.Vehicle) // issue 19
	}
	return strings.NewReplacer(kv...)
}

func (e *env) run(t *testing.T, cases []scenario) {
	t.Helper()
	r := e.replacer()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			role, header, _ := strings.Cut(c.token, "|")
			status, got := e.doH(c.method, r.Replace(c.path), r.Replace(c.body), e.tokens[role], header)
			if status != c.status {
				t.Fatalf("%s %s: status %d, want %d: %s", c.method, c.path, status, c.status, got)
			}
			for _, w := range c.want {
				if w = r.Replace(w); !strings.Contains(string(got), w) {
					t.Errorf("body lacks %s: %s", w, got)
				}
			}
			for _, w := range c.not {
				if w = r.Replace(w); strings.Contains(string(got), w) {
					t.Errorf("body holds %s: %s", w, got)
				}
			}
			if status >= 400 {
				errorShape(t, got)
			}
		})
	}
}

// TestScenarios drives the contract's happy paths and their refusals
// through the real store.
func TestScenarios(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		e.run(t, []scenario{
			{"create cpo", "POST", "/api/v1/cpos", `{"name":"Volt North"}`, "super", 201, []string{`"id":"cpo_`, `"name":"Volt North"`, `"currency":"GBP"`}, nil},
			{"cpo admin may not create cpo", "POST", "/api/v1/cpos", `{"name":"X"}`, "A/cpo-admin", 403, []string{`"code":"forbidden"`}, nil},
			{"create owner", "POST", "/api/v1/owners", `{"cpoId":"{A.cpo}","name":"Acme Parking"}`, "A/cpo-admin", 201, []string{`"id":"own_`, `"cpoId":"{A.cpo}"`}, nil},
			{"create site", "POST", "/api/v1/sites", `{"ownerId":"{A.owner}","name":"Car park 2","latitude":51.1,"longitude":-1.2,"address":{"city":"Leeds"}}`, "A/owner-admin", 201, []string{`"id":"sit_`, `"city":"Leeds"`, `"timeZone":"Europe/London"`}, nil},
			{"create group", "POST", "/api/v1/charger-groups", `{"siteId":"{A.site}","name":"Level 1"}`, "A/cpo-admin", 201, []string{`"id":"cgr_`, `"siteId":"{A.site}"`, `"private":false`}, nil},
			{"onboard charger", "POST", "/api/v1/chargers", `{"chargerGroupId":"{A.group}","connectors":2}`, "A/cpo-admin", 201, []string{`"cpid":"`, `"ocppIdentity":"`, `"ocppPassword":"`, `"connectorId":2`}, nil},
			{"onboard with identity", "POST", "/api/v1/chargers", `{"chargerGroupId":"{A.group}","ocppIdentity":"SN-4711"}`, "A/cpo-admin", 201, []string{`"ocppIdentity":"SN-4711"`, `"ocppPassword":"`}, nil},
			{"charger has no password afterwards", "GET", "/api/v1/chargers/{A.cpid}", ``, "A/cpo-staff", 200, []string{`"cpid":"{A.cpid}"`}, []string{`ocppPassword`, `passwordHash`, `PasswordHash`}},
			{"rename charger", "PATCH", "/api/v1/chargers/{A.cpid}", `{"name":"Bay 7"}`, "A/owner-admin", 200, []string{`"name":"Bay 7"`, `"chargerGroupId":"{A.group}"`}, nil},
			{"new password", "POST", "/api/v1/chargers/{A.cpid}/password", ``, "A/cpo-admin", 200, []string{`"ocppPassword":"`}, nil},
			{"list chargers by group", "GET", "/api/v1/chargers?chargerGroupId={A.group}&limit=1", ``, "A/cpo-admin", 200, []string{`"limit":1`, `"offset":0`, `"total":`}, nil},
			{"create user", "POST", "/api/v1/users", `{"email":"Jo@Example.com","name":"Jo","password":"long enough password"}`, "super", 201, []string{`"id":"usr_`, `"email":"jo@example.com"`}, []string{`password`}},
			{"attach card", "POST", "/api/v1/rfid-cards", `{"uid":"04A2B3C4","userId":"{A.driver}"}`, "A/cpo-admin", 201, []string{`"id":"rfc_`, `"uid":"04A2B3C4"`, `"userId":"{A.driver}"`}, nil},
			{"block card", "PATCH", "/api/v1/rfid-cards/{A.card}", `{"blocked":true}`, "A/cpo-admin", 200, []string{`"blocked":true`, `"label":"card A"`}, nil},
			{"create usergroup", "POST", "/api/v1/usergroups", `{"name":"Night staff","role":"staff","cpoId":"{A.cpo}"}`, "A/cpo-admin", 201, []string{`"id":"ugr_`, `"role":"staff"`}, nil},
			{"members", "GET", "/api/v1/usergroups/{A.driverGroup}/members", ``, "A/cpo-admin", 200, []string{`"{A.driver}"`, `"total":1`}, nil},
			{"affiliate code", "POST", "/api/v1/affiliate-codes", `{"code":"fleet-2026","usergroupId":"{A.privateGroup}","maxUses":5}`, "A/cpo-admin", 201, []string{`"code":"FLEET-2026"`, `"maxUses":5`}, nil},
			{"driver redeems", "POST", "/api/v1/affiliate-codes/redeem", `{"code":"{A.affCode}"}`, "A/driver", 200, []string{`"id":"{A.privateGroup}"`}, nil},
			{"sessions by cpid", "GET", "/api/v1/sessions?cpid={A.cpid}", ``, "A/cpo-staff", 200, []string{`"cpid":"{A.cpid}"`, `"connectorId":1`, `"startedAt":"`, `"stoppedAt":"`, `"meterStart":1000`, `"meterStop":8500`, `"energyWh":7500`, `"total":1`}, nil},
			{"cdrs by cpid", "GET", "/api/v1/cdrs?cpid={A.cpid}", ``, "A/owner-staff", 200, []string{`"cpid":"{A.cpid}"`, `"connectorId":1`, `"meterStart":1000`, `"meterStop":8500`, `"energyWh":7500`, `"sessionId":"{A.session}"`}, nil},
			{"cdr by id", "GET", "/api/v1/cdrs/{A.cdr}", ``, "A/cpo-admin", 200, []string{`"id":"{A.cdr}"`}, nil},
			{"session by id", "GET", "/api/v1/sessions/{A.session}", ``, "A/host", 200, []string{`"id":"{A.session}"`, `"status":"completed"`}, nil},
			{"message log", "GET", "/api/v1/chargers/{A.cpid}/messages", ``, "A/engineer", 200, []string{`"action":"Heartbeat"`, `"direction":"in"`}, nil},
			{"configuration", "GET", "/api/v1/chargers/{A.cpid}/configuration", ``, "A/support", 200, []string{`"key":"HeartbeatInterval"`, `"value":"300"`}, nil},
			{"engineer commands", "POST", "/api/v1/chargers/{A.cpid}/commands/reset", `{"type":"Soft"}`, "A/engineer", 200, []string{`{"status":"Accepted"}`}, nil},
			{"host may not command", "POST", "/api/v1/chargers/{A.cpid}/commands/reset", `{"type":"Soft"}`, "A/host", 403, []string{`"code":"forbidden"`}, nil},
			{"driver sees no charger", "GET", "/api/v1/chargers/{A.cpid}", ``, "A/driver", 404, nil, nil},
			{"delete card", "DELETE", "/api/v1/rfid-cards/{A.card}", ``, "A/cpo-admin", 204, nil, nil},
			{"deleted card is gone", "GET", "/api/v1/rfid-cards/{A.card}", ``, "A/cpo-admin", 404, []string{`"code":"not_found"`}, nil},
			{"cpo list paging", "GET", "/api/v1/cpos?offset=1&limit=1", ``, "super", 200, []string{`"offset":1`, `"limit":1`, `"total":3`}, nil},
		})
	})
}

// TestBadInput checks malformed, mistyped, incomplete, unknown and
// duplicate input, each answered in the error shape with the right code.
func TestBadInput(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		huge := `{"name":"` + strings.Repeat("a", MaxBodyBytes) + `"}`
		e.run(t, []scenario{
			{"malformed json", "POST", "/api/v1/owners", `{"cpoId":"{A.cpo}",`, "A/cpo-admin", 400, []string{`"code":"invalid"`}, nil},
			{"wrong type", "POST", "/api/v1/owners", `{"cpoId":"{A.cpo}","name":7}`, "A/cpo-admin", 400, []string{`"field":"name"`}, nil},
			{"wrong type connectors", "POST", "/api/v1/chargers", `{"chargerGroupId":"{A.group}","connectors":"two"}`, "A/cpo-admin", 400, []string{`"field":"connectors"`}, nil},
			{"missing field", "POST", "/api/v1/rfid-cards", `{"uid":"X1"}`, "A/cpo-admin", 400, []string{`"field":"userId"`}, nil},
			{"unknown field", "POST", "/api/v1/sites", `{"ownerId":"{A.owner}","name":"S","parking":true}`, "A/cpo-admin", 400, []string{`"field":"parking"`}, nil},
			{"unknown field on patch", "PATCH", "/api/v1/owners/{A.owner}", `{"nmae":"typo"}`, "A/cpo-admin", 400, []string{`"field":"nmae"`}, nil},
			{"empty name", "POST", "/api/v1/cpos", `{"name":""}`, "super", 400, []string{`"field":"name"`}, nil},
			{"blank name (service rule)", "POST", "/api/v1/cpos", `{"name":"   "}`, "super", 400, []string{`"field":"name"`}, nil},
			{"bad colour", "POST", "/api/v1/cpos", `{"name":"W","theme":{"primaryColor":"red"}}`, "super", 400, []string{`"field":"theme"`}, nil},
			{"latitude out of range", "POST", "/api/v1/sites", `{"ownerId":"{A.owner}","name":"S","latitude":91}`, "A/cpo-admin", 400, []string{`"field":"latitude"`}, nil},
			{"unknown role", "POST", "/api/v1/usergroups", `{"name":"G","role":"king","cpoId":"{A.cpo}"}`, "A/cpo-admin", 400, []string{`"field":"role"`}, nil},
			{"bad email", "POST", "/api/v1/users", `{"email":"not-an-email","name":"N"}`, "super", 400, []string{`"field":"email"`}, nil},
			{"short password", "POST", "/api/v1/users", `{"email":"short@example.com","name":"N","password":"short"}`, "super", 400, []string{`"field":"password"`}, nil},
			{"card uid too long", "POST", "/api/v1/rfid-cards", `{"uid":"123456789012345678901","userId":"{A.driver}"}`, "A/cpo-admin", 400, []string{`"field":"uid"`}, nil},
			{"negative offset", "GET", "/api/v1/owners?offset=-5", ``, "A/cpo-admin", 400, []string{`"field":"offset"`}, nil},
			{"negative limit", "GET", "/api/v1/sessions?limit=-1", ``, "A/cpo-admin", 400, []string{`"field":"limit"`}, nil},
			{"bad time filter", "GET", "/api/v1/cdrs?from=yesterday", ``, "A/cpo-admin", 400, []string{`"field":"from"`}, nil},
			{"huge body", "POST", "/api/v1/cpos", huge, "super", 413, []string{`"code":"payload_too_large"`}, nil},
			{"duplicate email", "POST", "/api/v1/users", `{"email":"{A.driverEmail}","name":"Twin"}`, "super", 409, []string{`"code":"conflict"`}, nil},
			{"duplicate email other case", "POST", "/api/v1/users", `{"email":"DRIVER@a.example","name":"Twin"}`, "super", 409, []string{`"code":"conflict"`}, nil},
			{"duplicate card uid", "POST", "/api/v1/rfid-cards", `{"uid":"{A.cardUid}","userId":"{A.driver}"}`, "A/cpo-admin", 409, []string{`"code":"conflict"`}, nil},
			{"duplicate card uid other case", "POST", "/api/v1/rfid-cards", `{"uid":"carda01","userId":"{A.driver}"}`, "A/cpo-admin", 409, []string{`"code":"conflict"`}, nil},
			{"duplicate ocpp identity", "POST", "/api/v1/chargers", `{"chargerGroupId":"{A.group}","ocppIdentity":"{A.cpid}"}`, "A/cpo-admin", 409, []string{`"code":"conflict"`}, nil},
			{"duplicate affiliate code", "POST", "/api/v1/affiliate-codes", `{"code":"{A.affCode}","usergroupId":"{A.privateGroup}"}`, "A/cpo-admin", 409, []string{`"code":"conflict"`}, nil},
			{"unknown id", "GET", "/api/v1/owners/own_doesnotexist", ``, "A/cpo-admin", 404, []string{`"code":"not_found"`}, nil},
			{"unknown cpid", "GET", "/api/v1/chargers/999999", ``, "super", 404, []string{`"code":"not_found"`}, nil},
			{"no token", "GET", "/api/v1/owners", ``, "", 401, []string{`"code":"unauthorized"`}, nil},
		})
	})
}

// TestAuthFlow logs in, uses, revokes and rate-limits tokens through the
// store's AuthService.
func TestAuthFlow(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		tok := e.login(t, "support@a.example")
		e.tokens["fresh"] = tok
		e.tokens["garbage"] = "tok_notarealtoken"
		e.run(t, []scenario{
			{"wrong password", "POST", "/api/v1/auth/token", `{"email":"support@a.example","password":"wrong password!"}`, "", 401, []string{`"code":"unauthorized"`}, []string{"token\":"}},
			{"unknown email", "POST", "/api/v1/auth/token", `{"email":"nobody@a.example","password":"wrong password!"}`, "", 401, []string{`"code":"unauthorized"`}, nil},
			{"missing password", "POST", "/api/v1/auth/token", `{"email":"support@a.example"}`, "", 400, []string{`"field":"password"`}, nil},
			{"token works", "GET", "/api/v1/chargers/{A.cpid}", ``, "fresh", 200, []string{`"cpid":"{A.cpid}"`}, nil},
			{"revoke", "POST", "/api/v1/auth/revoke", ``, "fresh", 204, nil, nil},
			{"revoked token refused", "GET", "/api/v1/chargers/{A.cpid}", ``, "fresh", 401, []string{`"code":"unauthorized"`}, nil},
			{"garbage token refused", "GET", "/api/v1/owners", ``, "garbage", 401, []string{`"code":"unauthorized"`}, nil},
		})
		var last int
		for range 8 {
			last, _ = e.do("POST", "/api/v1/auth/token", `{"email":"engineer@b.example","password":"guess guess guess"}`, "")
		}
		if last != 429 {
			t.Errorf("after 8 failed logins: status %d, want 429 rate_limited", last)
		}
	})
}
