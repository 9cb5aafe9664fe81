package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
)

// TestTerminalAPI registers a terminal through the API as the CPO admin,
// then acts as the terminal with the key shown once: a tap holds the card
// and remote-starts the charger with the terminal's idTag; a retried tap
// holds and starts once; a declined card starts nothing; a charger that
// refuses the start gets the hold released at once. The key opens nothing
// else, and a wrong key is refused.
func TestTerminalAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		status, body := e.do("POST", "/api/v1/terminals", fmt.Sprintf(`{"chargerCpid":%q,"provider":"sandbox","serial":"API-1"}`, e.A.CPID), e.tokens["A/cpo-admin"])
		if status != 201 {
			t.Fatalf("register: %d %s", status, body)
		}
		var reg struct {
			ID     string `json:"id"`
			APIKey string `json:"apiKey"`
		}
		must(t, json.Unmarshal(body, &reg))
		if !volt.IsTerminalKey(reg.APIKey) {
			t.Fatalf("no API key in %s", body)
		}
		if status, got := e.do("GET", "/api/v1/terminals/"+reg.ID, "", e.tokens["A/cpo-admin"]); status != 200 || strings.Contains(string(got), reg.APIKey) {
			t.Fatalf("read back: %d %s (the key is shown once)", status, got)
		}
		tap := func(key, idem, card string, connector int) (int, []byte) {
			return e.doH("POST", "/api/v1/terminals/"+reg.ID+"/authorizations",
				fmt.Sprintf(`{"cardToken":%q,"connectorId":%d,"amount":"20.00"}`, card, connector), key, "Idempotency-Key: "+idem)
		}
		if status, got := tap(reg.APIKey+"0", "t0", sandbox.CardOK, 1); status != 401 {
			t.Fatalf("wrong key: %d %s", status, got)
		}
		if status, got := tap(reg.APIKey, "t0", sandbox.CardOK, 0); status != 400 {
			t.Fatalf("no connector on a whole-charger terminal: %d %s", status, got)
		}
		starts := func() int {
			n := 0
			for _, c := range e.cmd.Calls() {
				if c.Action == "RemoteStartTransaction" && c.CPID == e.A.CPID {
					n++
				}
			}
			return n
		}
		before := starts()
		status, got := tap(reg.APIKey, "t1", sandbox.CardOK, 1)
		var auth volt.TerminalAuthorization
		if status != 201 || json.Unmarshal(got, &auth) != nil || auth.Payment.Amount != 2000 || auth.Start != "Accepted" || auth.IDTag == "" {
			t.Fatalf("tap: %d %s", status, got)
		}
		if status, again := tap(reg.APIKey, "t1", sandbox.CardOK, 1); status != 201 || !strings.Contains(string(again), auth.Payment.ID) {
			t.Fatalf("retried tap: %d %s", status, again)
		}
		if n := starts() - before; n != 1 {
			t.Errorf("%d remote starts for one tap, want 1", n)
		}
		last := e.cmd.Calls()[len(e.cmd.Calls())-1]
		if !strings.Contains(last.Request, auth.IDTag) || !strings.Contains(last.Request, `"connectorId":1`) {
			t.Errorf("remote start %s, want idTag %s on connector 1", last.Request, auth.IDTag)
		}
		if status, got := e.do("GET", "/api/v1/terminals/"+reg.ID+"/authorizations/"+auth.Payment.ID, "", reg.APIKey); status != 200 ||
			!strings.Contains(string(got), `"state":"authorized"`) || !strings.Contains(string(got), `"held":2000`) {
			t.Fatalf("receipt: %d %s", status, got)
		}
		if status, got := tap(reg.APIKey, "t2", sandbox.CardDeclined, 1); status != 422 || starts()-before != 1 {
			t.Fatalf("declined: %d %s, %d starts", status, got, starts()-before)
		}
		e.cmd.mu.Lock()
		e.cmd.answers = map[string]func() (json.RawMessage, error){"RemoteStartTransaction": func() (json.RawMessage, error) {
			return json.RawMessage(`{"status":"Rejected"}`), nil
		}}
		e.cmd.mu.Unlock()
		defer func() { e.cmd.mu.Lock(); e.cmd.answers = nil; e.cmd.mu.Unlock() }()
		if status, got := tap(reg.APIKey, "t3", sandbox.CardOK, 2); status != 409 {
			t.Fatalf("refused start: %d %s", status, got)
		}
		ps, _, err := e.cfg.Payments.(volt.PaymentFinder).FindPayments(sys(), volt.PaymentFilter{CPID: e.A.CPID, Kind: volt.PaymentContactless})
		must(t, err)
		released := false
		for _, p := range ps {
			if p.ConnectorID == 2 && p.TerminalID == reg.ID {
				released = p.State == volt.PaymentReleased
			}
		}
		if !released {
			t.Errorf("the hold of the refused start is not released: %+v", ps)
		}
		for _, path := range []string{"/api/v1/payments", "/api/v1/chargers", "/api/v1/terminals/" + e.A.Terminal} {
			status, got := e.do("GET", path, "", reg.APIKey)
			if status == 200 && (strings.Contains(string(got), e.A.CPID) || strings.Contains(string(got), e.A.Payment)) {
				t.Errorf("the terminal key reads %s: %s", path, got)
			}
		}
	})
}

// TestReimbursementAPI: the company (owner admin) makes one agreement per
// driver; the driver reads their own statements and the PDF, nobody else's;
// staff cannot make agreements; a bad month or rate is a 400/422.
func TestReimbursementAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		e.run(t, []scenario{
			{"second agreement for the driver", "POST", "/api/v1/reimbursement-agreements", `{"ownerId":"{A.owner}","userId":"{A.driver}","homeChargerCpid":"{A.cpid}","ratePerKwh":"0.10"}`,
				"A/owner-admin", 409, nil, nil},
			{"negative rate", "POST", "/api/v1/reimbursement-agreements", `{"ownerId":"{A.owner}","userId":"{A.driver}","homeChargerCpid":"{A.cpid}","ratePerKwh":"-0.10"}`,
				"A/owner-admin", 400, []string{"ratePerKwh"}, nil},
			{"driver's statements", "GET", "/api/v1/reimbursement-statements", ``, "A/driver", 200,
				[]string{e.A.Statement, `"vatRate":"0.05"`, `"total":1`}, []string{e.B.Statement}},
			{"driver's agreement", "GET", "/api/v1/reimbursement-agreements", ``, "A/driver", 200, []string{e.A.Agreement}, []string{e.B.Agreement}},
			{"statements of a month", "GET", "/api/v1/reimbursement-statements?month=2020-01", ``, "A/owner-admin", 200, []string{e.A.Statement}, nil},
			{"bad month", "GET", "/api/v1/reimbursement-statements?month=2020-13", ``, "A/owner-admin", 400, []string{"month"}, nil},
			{"host sees no statements", "GET", "/api/v1/reimbursement-statements", ``, "A/host", 200, []string{`"total":0`}, nil},
		})
		status, got := e.do("GET", "/api/v1/reimbursement-statements/"+e.A.Statement+"/statement.pdf", "", e.tokens["A/driver"])
		if status != 200 || !strings.HasPrefix(string(got), "%PDF-") {
			t.Fatalf("driver's statement PDF: %d %.60q", status, got)
		}
		if status, _ := e.do("GET", "/api/v1/reimbursement-statements/"+e.B.Statement+"/statement.pdf", "", e.tokens["A/driver"]); status != 404 {
			t.Errorf("another driver's statement PDF: %d", status)
		}
		status, got = e.do("DELETE", "/api/v1/reimbursement-agreements/"+e.A.Agreement, "", e.tokens["A/owner-admin"])
		if status != 204 {
			t.Fatalf("end agreement: %d %s", status, got)
		}
		if status, got := e.do("GET", "/api/v1/reimbursement-statements/"+e.A.Statement, "", e.tokens["A/driver"]); status != 200 {
			t.Errorf("statement after the agreement ended: %d %s", status, got)
		}
	})
}
