package api

import (
	"context"
	"strings"
	"testing"
)

// TestRoamingBillsAPI: the CPO's support staff list its drivers' roaming
// bills and the debts a refused card left (issue 14); another CPO's staff
// see none; a bad state names its field.
func TestRoamingBillsAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		for i, state := range []string{"debt", "paid"} {
			_, err := e.db.Exec(context.Background(), `INSERT INTO ocpi_roaming_bills (partner_id, cdr_id, cpo_id, user_id, currency, cost, margin, total,
				paid_by, state, payment_id, failure, created_at, updated_at) VALUES ('ocp_x', ?, ?, 'usr_x', 'GBP', 500, 50, 550, 'card', ?, '', ?, ?, ?)`,
				"cdr_"+state, e.A.CPO, state, map[string]string{"debt": "Card refused: Card declined."}[state], int64(i), int64(i))
			must(t, err)
		}
		st, body := e.do("GET", "/api/v1/roaming-bills?state=debt", "", e.tokens["A/support"])
		if st != 200 || !strings.Contains(string(body), `"total":1,`) || !strings.Contains(string(body), `"failure":"Card refused: Card declined."`) ||
			!strings.Contains(string(body), `"cdrId":"cdr_debt"`) {
			t.Errorf("A's debts: %d %s", st, body)
		}
		if st, body = e.do("GET", "/api/v1/roaming-bills", "", e.tokens["A/support"]); st != 200 || !strings.Contains(string(body), `"total":2,`) {
			t.Errorf("A's roaming bills: %d %s", st, body)
		}
		if st, body = e.do("GET", "/api/v1/roaming-bills", "", e.tokens["B/cpo-admin"]); st != 200 || !strings.Contains(string(body), `"total":0,`) {
			t.Errorf("another CPO's staff list A's roaming bills: %d %s", st, body)
		}
		if st, body = e.do("GET", "/api/v1/roaming-bills?state=owed", "", e.tokens["A/support"]); st/100 != 4 || !strings.Contains(string(body), "state") {
			t.Errorf("a bad state: %d %s", st, body)
		}
	})
}

// seedRoamingBills gives each tenant's driver a roaming bill (issue 14),
// written straight to the table so no wallet moves, for the isolation
// test's lists to have something of B's to hide.
func (e *env) seedRoamingBills(t *testing.T) {
	t.Helper()
	for _, x := range []*tenant{e.A, e.B} {
		_, err := e.db.Exec(context.Background(), `INSERT INTO ocpi_roaming_bills (partner_id, cdr_id, cpo_id, user_id, currency, cost, margin, total,
			paid_by, state, created_at, updated_at) VALUES (?, ?, ?, ?, 'GBP', 100, 10, 110, 'wallet', 'paid', 0, 0)`,
			x.OCPIPartner, "cdr_roam_"+x.Name, x.CPO, x.Driver)
		must(t, err)
	}
}
