package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/volt-ev/volt/internal/pdfqr"
)

// TestFleetInvoicePaymentAPI (issue 19, paying the fleet invoice): the
// owner's admin records a bank transfer against A's 2020-01 invoice
// (4.50): 201, then 200 for the same reference; bad input is 4xx naming
// the field; the fleet manager may not record (403) but reads the state
// on the invoice (JSON, CSV, PDF); B's manager finds nothing; the
// recording is in the audit log.
func TestFleetInvoicePaymentAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		mgr, admin := e.tokens["A/fleet-manager"], e.tokens["A/owner-admin"]
		pay := "/api/v1/fleets/" + e.A.Fleet + "/invoices/2020-01/payments"
		body := `{"amount":300,"paidOn":"2020-02-03","reference":"BACS 42","method":"bank_transfer"}`
		for _, c := range []struct{ body, field string }{
			{`{"amount":0,"paidOn":"2020-02-03","reference":"X1","method":"card"}`, `"field":"amount"`},
			{`{"amount":451,"paidOn":"2020-02-03","reference":"X1","method":"card"}`, `"field":"amount"`},
			{`{"amount":100,"paidOn":"3.2.2020","reference":"X1","method":"card"}`, `"field":"paidOn"`},
			{`{"amount":100,"paidOn":"2020-02-03","reference":"","method":"card"}`, `"field":"reference"`},
			{`{"amount":100,"paidOn":"2020-02-03","reference":"X1","method":"cash"}`, `method`},
		} {
			if status, got := e.do(http.MethodPost, pay, c.body, admin); status < 400 || status > 422 || !strings.Contains(string(got), c.field) {
				t.Errorf("%s: %d %s", c.body, status, got)
			}
		}
		if status, got := e.do(http.MethodPost, pay, body, mgr); status != http.StatusForbidden {
			t.Errorf("the fleet manager records a payment: %d %s", status, got)
		}
		if status, got := e.do(http.MethodPost, pay, body, e.tokens["B/owner-admin"]); status != http.StatusNotFound {
			t.Errorf("B's owner admin records A's payment: %d %s", status, got)
		}
		if status, got := e.do(http.MethodPost, pay, body, admin); status != http.StatusCreated || !strings.Contains(string(got), `"reference":"BACS 42"`) {
			t.Fatalf("record: %d %s", status, got)
		}
		if status, got := e.do(http.MethodPost, pay, body, admin); status != http.StatusOK {
			t.Errorf("the same payment again: %d %s", status, got)
		}
		inv := "/api/v1/fleets/" + e.A.Fleet + "/invoices/2020-01"
		if status, got := e.do(http.MethodGet, inv, "", mgr); status != 200 || !strings.Contains(string(got), `"paid":300`) ||
			!strings.Contains(string(got), `"outstanding":150`) || !strings.Contains(string(got), `"state":"part_paid"`) {
			t.Errorf("invoice state: %d %s", status, got)
		}
		if status, got := e.do(http.MethodGet, inv+"?format=csv", "", mgr); status != 200 || !strings.Contains(string(got), "2020-01,Payment,bank_transfer,,BACS 42,2020-02-03,,,,,3.00,GBP") ||
			!strings.Contains(string(got), "2020-01,Outstanding,part_paid,,,,,,,,1.50,GBP") {
			t.Errorf("invoice CSV: %d %s", status, got)
		}
		status, got := e.do(http.MethodGet, inv+"?format=pdf", "", mgr)
		if status != 200 {
			t.Fatalf("invoice PDF: %d", status)
		}
		if text := pdfqr.Text(t, got); !strings.Contains(text, "Paid 3.00 GBP, outstanding 1.50 GBP (part paid)") {
			t.Errorf("invoice PDF:\n%s", text)
		}
		if status, got := e.do(http.MethodGet, inv, "", e.tokens["B/fleet-manager"]); status != 404 || strings.Contains(string(got), "BACS 42") {
			t.Errorf("B's manager reads A's invoice: %d %s", status, got)
		}
		if status, got := e.do(http.MethodGet, "/api/v1/audit-log?action=fleet-payment.record&outcome=ok", "", admin); status != 200 ||
			!strings.Contains(string(got), `"total":2`) || !strings.Contains(string(got), `"replayed":true`) || !strings.Contains(string(got), `"resourceType":"fleet-payment"`) {
			t.Errorf("audit log: %d %s", status, got)
		}
	})
}
