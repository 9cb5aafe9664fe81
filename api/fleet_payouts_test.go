package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/pdfqr"
)

// TestClaimPayoutAPI (issue 19): the owner's admin chooses Bacs (a bad
// service user number or a missing account names its field; the driver
// cannot); the fleet manager approves a claim and pays it with the owner's
// settings: a complete Bacs file of exactly the claim's amount, the same
// file when asked again; the claim shows paid with the reference and the
// driver's statement PDF says what was paid and how.
func TestClaimPayoutAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		admin, mgr, drv := e.tokens["A/owner-admin"], e.tokens["A/fleet-manager"], e.tokens["A/driver"]
		settings := "/api/v1/owners/" + e.A.Owner + "/payout-settings"
		if status, got := e.do(http.MethodGet, settings, "", admin); status != 200 || !strings.Contains(string(got), `"method":"wallet"`) {
			t.Errorf("default payout settings: %d %s", status, got)
		}
		acct := `"originator":{"sortCode":"40-11-62","accountNumber":"12345678","name":"Acme Fleet Ltd"}`
		for body, field := range map[string]string{
			`{"method":"bacs18",` + acct + `,"serviceUserNumber":"12A456"}`: "serviceUserNumber",
			`{"method":"bacs18","serviceUserNumber":"123456"}`:              "originator.sortCode",
			`{"method":"cheque"}`: "method",
		} {
			status, got := e.do(http.MethodPut, settings, body, admin)
			if status != 400 && status != 422 {
				t.Errorf("%s: %d %s", body, status, got)
			} else if f := errorShape(t, got).Field; f != field {
				t.Errorf("%s: field %q, want %q", body, f, field)
			}
		}
		bacs := `{"method":"bacs18",` + acct + `,"serviceUserNumber":"123456"}`
		if status, got := e.do(http.MethodPut, settings, bacs, drv); status != 404 {
			t.Errorf("the driver sets the payout settings: %d %s", status, got)
		}
		if status, got := e.do(http.MethodPut, settings, bacs, admin); status != 200 || !strings.Contains(string(got), `"sortCode":"401162"`) {
			t.Fatalf("set payout settings: %d %s", status, got)
		}

		// The claim gets a matched home session of 20 kWh: 20 × 0.0745 = 1.49.
		_, err := e.db.Exec(context.Background(), `INSERT INTO reimbursement_claim_sessions (claim_id, cdr_id, started_at, stopped_at, energy_wh, state, reason, gained_wh)
			VALUES (?, 'cdr_home', 1577880000000, 1577883600000, 20000, 'matched', '', 19000)`, e.A.Claim)
		must(t, err)
		claim := "/api/v1/reimbursement-claims/" + e.A.Claim
		if status, got := e.do(http.MethodPost, claim+"/approve", "", mgr); status != 200 || !strings.Contains(string(got), `"amount":149`) {
			t.Fatalf("approve: %d %s", status, got)
		}
		beneficiary := `{"beneficiary":{"sortCode":"200000","accountNumber":"87654321","name":"Driver A"}}`
		status, got := e.do(http.MethodPost, claim+"/payout", beneficiary, mgr)
		var p volt.ClaimPayout
		if status != 200 || json.Unmarshal(got, &p) != nil {
			t.Fatalf("payout: %d %s", status, got)
		}
		lines := strings.Split(p.File, "\r\n")
		if p.Method != volt.PayoutBacs18 || p.Amount != 149 || len(lines) != 10 || !strings.HasPrefix(lines[0], "VOL1") ||
			lines[4][35:46] != "00000000149" || !strings.HasPrefix(lines[8], "UTL100000000001490000000000149") {
			t.Errorf("Bacs payout %+v", p)
		}
		status, got = e.do(http.MethodPost, claim+"/payout", `{"method":"wallet"}`, mgr)
		var again volt.ClaimPayout
		if status != 200 || json.Unmarshal(got, &again) != nil || again.File != p.File || again.Reference != p.Reference {
			t.Errorf("second payout request: %d %s", status, got)
		}
		if status, got := e.do(http.MethodGet, claim, "", drv); status != 200 || !strings.Contains(string(got), `"state":"paid"`) ||
			!strings.Contains(string(got), `"paymentReference":"`+p.Reference+`"`) {
			t.Errorf("the driver's paid claim: %d %s", status, got)
		}
		status, got = e.do(http.MethodGet, claim+"/statement.pdf", "", drv)
		if status != 200 || !strings.HasPrefix(string(got), "%PDF-") {
			t.Fatalf("statement PDF: %d %.200s", status, got)
		}
		text := strings.Join(strings.Fields(pdfqr.Text(t, got)), " ")
		for _, want := range []string{"Owner A", "driver A", "Kia EV6", "Paid GBP 1.49", "by Bacs bank transfer, reference " + p.Reference} {
			if !strings.Contains(text, want) {
				t.Errorf("statement lacks %q:\n%s", want, text)
			}
		}
		if status, _ := e.do(http.MethodGet, claim+"/statement.pdf", "", e.tokens["B/driver"]); status != 404 {
			t.Errorf("B's driver reads A's statement: %d", status)
		}
	})
}
