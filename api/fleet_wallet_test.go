package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/volt-ev/volt/internal/pdfqr"
)

// TestFleetWalletAndInvoiceAPI (issue 19 items 2-3): the owner's admin
// turns the fleet wallet on, the fleet manager may not; the manager sets a
// driver's limit (a negative one is refused naming the field), edits a
// vehicle, and reads the month's invoice as JSON, CSV and PDF with net, VAT
// and gross; the other tenant's manager finds none of it.
func TestFleetWalletAndInvoiceAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		mgr, admin := e.tokens["A/fleet-manager"], e.tokens["A/owner-admin"]
		wallet := "/api/v1/fleets/" + e.A.Fleet + "/wallet"
		if status, got := e.do(http.MethodPut, wallet, `{"enabled":true}`, mgr); status != http.StatusForbidden {
			t.Errorf("manager switches the wallet: %d %s", status, got)
		}
		if status, got := e.do(http.MethodPut, wallet, `{"enabled":true}`, admin); status != 200 || !strings.Contains(string(got), `"enabled":true`) {
			t.Errorf("owner admin switches the wallet: %d %s", status, got)
		}
		limit := "/api/v1/fleets/" + e.A.Fleet + "/drivers/" + e.A.Driver + "/limit"
		if status, got := e.do(http.MethodPut, limit, `{"monthlyLimit":-5}`, mgr); status != 400 || !strings.Contains(string(got), `"field":"monthlyLimit"`) {
			t.Errorf("negative limit: %d %s", status, got)
		}
		if status, got := e.do(http.MethodPut, limit, `{"monthlyLimit":5000}`, mgr); status != 204 {
			t.Errorf("limit: %d %s", status, got)
		}
		status, got := e.do(http.MethodGet, "/api/v1/fleets/"+e.A.Fleet+"/drivers?month=2020-01", "", mgr)
		if status != 200 || !strings.Contains(string(got), `"monthlyLimit":5000`) || !strings.Contains(string(got), `"spent":450`) {
			t.Errorf("drivers: %d %s", status, got)
		}
		if status, got := e.do(http.MethodPut, "/api/v1/vehicles/"+e.A.Vehicle, `{"driverId":"`+e.A.Driver+`","make":"Kia","model":"EV9",`+
			`"batteryWh":99800,"registration":"fla 20","vin":"WVWZZZ1JZXW000001"}`, mgr); status != 200 || !strings.Contains(string(got), `"registration":"FLA 20"`) {
			t.Errorf("update vehicle: %d %s", status, got)
		}
		inv := "/api/v1/fleets/" + e.A.Fleet + "/invoices/2020-01"
		if status, got := e.do(http.MethodGet, inv, "", mgr); status != 200 || !strings.Contains(string(got), `"gross":450`) || !strings.Contains(string(got), `"net":375`) {
			t.Errorf("invoice JSON: %d %s", status, got)
		}
		if status, got := e.do(http.MethodGet, inv+"?format=csv", "", mgr); status != 200 || !strings.Contains(string(got), "FLA 20,"+e.A.CPID+","+e.A.CDR) ||
			!strings.Contains(string(got), "10.000,3.75,0.75,4.50,GBP") {
			t.Errorf("invoice CSV: %d %s", status, got)
		}
		status, got = e.do(http.MethodGet, inv+"?format=pdf", "", mgr)
		if status != 200 {
			t.Fatalf("invoice PDF: %d %s", status, got)
		}
		text := pdfqr.Text(t, got)
		for _, want := range []string{"Fleet charging invoice - 2020-01", "Owner A", "FLA 20", "Total: net 3.75 GBP, VAT 0.75 GBP, gross 4.50 GBP"} {
			if !strings.Contains(text, want) {
				t.Errorf("invoice PDF lacks %q:\n%s", want, text)
			}
		}
		if status, _ := e.do(http.MethodGet, inv+"?format=pdf", "", e.tokens["B/fleet-manager"]); status != 404 {
			t.Errorf("B's manager reads A's invoice: %d", status)
		}
		// Drivers' e-mails and charging are people's data: the CPO's admin
		// reads them, its engineer and host find no fleet.
		drivers := "/api/v1/fleets/" + e.A.Fleet + "/drivers?month=2020-01"
		if status, got := e.do(http.MethodGet, drivers, "", e.tokens["A/cpo-admin"]); status != 200 || !strings.Contains(string(got), e.A.Driver) {
			t.Errorf("CPO admin reads the fleet's drivers: %d %s", status, got)
		}
		for _, role := range []string{"engineer", "host"} {
			if status, got := e.do(http.MethodGet, drivers, "", e.tokens["A/"+role]); status != 404 {
				t.Errorf("A's %s reads the fleet's drivers: %d %s", role, status, got)
			}
		}
		if status, got := e.do(http.MethodGet, "/api/v1/fleets/"+e.A.Fleet+"/invoices/2020-13", "", mgr); status != 400 || !strings.Contains(string(got), `"field":"month"`) {
			t.Errorf("bad month: %d %s", status, got)
		}
	})
}
