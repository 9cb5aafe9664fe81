package api

import (
	"context"
	"strings"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
)

// TestRoamingDebtsAPI (issue 14): A's driver owes a partner's CDR; they
// see it under their wallet, paying without a card on file is 422 and the
// debt stays; with a card it is paid once, a replay of the request
// charging nothing more; another driver sees none of it.
func TestRoamingDebtsAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := volt.NewContextWithActor(context.Background(), volt.SystemActor)
		var uid string
		must(t, e.db.QueryRow(ctx, `SELECT uid FROM rfid_cards WHERE id = ?`, e.A.Card).Scan(&uid))
		_, err := e.db.Exec(ctx, `DELETE FROM payment_cards WHERE user_id = ?`, e.A.Driver)
		must(t, err)
		b, err := store.NewOCPIService(e.db).BillRoamingCDR(ctx, e.A.OCPIPartner, "cdr_api_debt", uid, 10_000_00, "GBP")
		if err != nil || b.State != volt.RoamingBillDebt {
			t.Fatalf("bill: %+v %v", b, err)
		}
		path := "/api/v1/wallets/" + e.A.Driver + "/roaming-debts"
		st, body := e.do("GET", path, "", e.tokens["A/driver"])
		if st != 200 || !strings.Contains(string(body), `"cdrId":"cdr_api_debt"`) || !strings.Contains(string(body), `"partnerName":`) {
			t.Errorf("the driver's debts: %d %s", st, body)
		}
		if st, body := e.do("GET", "/api/v1/wallets/"+e.B.Driver+"/roaming-debts", "", e.tokens["A/driver"]); st != 404 {
			t.Errorf("another driver's debts: %d %s", st, body)
		}
		if st, body := e.doH("POST", path+"/payments", "", e.tokens["A/driver"], ""); st != 400 || !strings.Contains(string(body), "Idempotency-Key") {
			t.Errorf("pay without a key: %d %s", st, body)
		}
		if st, body := e.doH("POST", path+"/payments", "", e.tokens["A/driver"], "Idempotency-Key: k1"); st != 422 {
			t.Errorf("pay without a card: %d %s", st, body)
		}
		_, err = e.db.Exec(ctx, `INSERT INTO payment_cards (user_id, provider, token, label, created_at) VALUES (?, 'sandbox', ?, 'Visa', 0)`, e.A.Driver, sandbox.CardOK)
		must(t, err)
		st, body = e.doH("POST", path+"/payments", "", e.tokens["A/driver"], "Idempotency-Key: k2")
		if st != 200 || !strings.Contains(string(body), `"state":"succeeded"`) {
			t.Fatalf("pay what is owed: %d %s", st, body)
		}
		if st, body := e.doH("POST", path+"/payments", "", e.tokens["A/driver"], "Idempotency-Key: k2"); st != 200 || !strings.Contains(string(body), `"payment":null`) {
			t.Errorf("replay after paying: %d %s", st, body)
		}
		if st, body := e.do("GET", path, "", e.tokens["A/driver"]); st != 200 || strings.Contains(string(body), "cdr_api_debt") {
			t.Errorf("debts after paying: %d %s", st, body)
		}
		var n int
		must(t, e.db.QueryRow(ctx, `SELECT count(*) FROM payments WHERE user_id = ? AND kind = 'topup' AND state = 'succeeded'
			AND idempotency_key LIKE 'roaming-debt:%'`, e.A.Driver).Scan(&n))
		if n != 1 {
			t.Errorf("%d debt payments charged, want 1", n)
		}
	})
}
