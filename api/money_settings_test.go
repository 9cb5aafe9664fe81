package api

import (
	"strings"
	"testing"
)

// TestPlatformFeesReadOnlyForCPOAdmins is issue #10 item 4 through the API:
// a CPO's admin reads the platform fees and changes its own settings, but
// setting or clearing the fees is the super admin's (403 on "fees").
func TestPlatformFeesReadOnlyForCPOAdmins(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		path := "/api/v1/cpos/" + e.A.CPO + "/money-settings"
		fees := `{"currency":"GBP","vatRate":"0.20","transaction":{"flat":"0.20","percent":"1.5"},"socket":{"period":"monthly","rule":{"flat":"1.00","percent":"0"}}}`
		status, got := e.do("PUT", path, `{"minBalance":"5.00","holdAmount":"30.00","fees":`+fees+`}`, e.tokens["super"])
		if status != 200 || !strings.Contains(string(got), `"percent":"1.5"`) || !strings.Contains(string(got), `"feesEditable":true`) {
			t.Fatalf("super admin sets the fees: %d %s", status, got)
		}
		admin := e.tokens["A/cpo-admin"]
		status, got = e.do("GET", path, "", admin)
		if status != 200 || !strings.Contains(string(got), `"percent":"1.5"`) || !strings.Contains(string(got), `"feesEditable":false`) {
			t.Errorf("CPO admin reads the fees: %d %s", status, got)
		}
		for _, body := range []string{
			`{"minBalance":"5.00","holdAmount":"30.00","fees":` + strings.Replace(fees, `"1.5"`, `"0"`, 1) + `}`,
			`{"minBalance":"5.00","holdAmount":"30.00","clearFees":true}`,
		} {
			status, got := e.do("PUT", path, body, admin)
			if status != 403 || errorShape(t, got).Field != "fees" {
				t.Errorf("CPO admin changes the fees with %s: %d %s", body, status, got)
			}
		}
		status, got = e.do("PUT", path, `{"minBalance":"7.50","holdAmount":"40.00"}`, admin)
		if status != 200 || !strings.Contains(string(got), `"minBalance":"7.5`) || !strings.Contains(string(got), `"percent":"1.5"`) {
			t.Errorf("CPO admin changes its own settings: %d %s", status, got)
		}
		status, got = e.do("PUT", path, `{"minBalance":"7.505","holdAmount":"40.00"}`, admin)
		if status != 400 || errorShape(t, got).Field != "minBalance" {
			t.Errorf("fraction of a penny: %d %s", status, got)
		}
	})
}
