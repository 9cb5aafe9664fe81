package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/volt-ev/volt"
)

// areaRoles maps the fixture's operator logins to their role.
var areaRoles = map[string]volt.Role{"cpo-admin": volt.RoleAdmin, "cpo-staff": volt.RoleStaff,
	"engineer": volt.RoleEngineer, "support": volt.RoleSupport, "host": volt.RoleHost}

// areaListPaths is one list endpoint of each resource of apiAreas.
func areaListPaths(e *env) map[string]string {
	return map[string]string{
		"chargers": "/chargers", "charger-groups": "/charger-groups", "cpos": "/cpos", "owners": "/owners",
		"hosts": "/hosts", "sites": "/sites", "users": "/users", "usergroups": "/usergroups",
		"rfid-cards": "/rfid-cards", "affiliate-codes": "/affiliate-codes", "sessions": "/sessions", "cdrs": "/cdrs",
		"tariffs": "/tariffs", "tariff-assignments": "/tariff-assignments", "wallets": "/wallets", "payments": "/payments",
		"reports":   "/reports/income?cpoId=" + e.A.CPO + "&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z",
		"terminals": "/terminals", "reimbursement-agreements": "/reimbursement-agreements",
		"reimbursement-statements": "/reimbursement-statements", "tickets": "/tickets", "helpline": "/helpline/contacts",
		"audit-log": "/audit-log",
		// issue 17
		"socket-fee-statements": "/socket-fee-statements", "reliability-exclusions": "/reliability-exclusions",
		"ticket-breaches": "/ticket-breaches", "ocpi-partners": "/ocpi-partners", "hubs": "/hubs",
		"invitations": "/invitations", "onboardings": "/onboardings",
		"installers": "/installers", "install-jobs": "/install-jobs",
	}
}

// TestRoleAreaMatrixAPI reads one list of every resource as every operator
// role of tenant A: a role that sees the resource's area (volt.AreaAccess)
// gets it; one that does not is refused (403, 404 for a report, which names
// its CPO), unless the resource is one a person also has of their own, which
// then shows only their own things. Literal cells pin the policy itself.
func TestRoleAreaMatrixAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		paths := areaListPaths(e)
		for res := range apiAreas {
			if paths[res] == "" {
				t.Errorf("resource %s has no case in areaListPaths", res)
			}
		}
		for res, path := range paths {
			area, ok := apiAreas[res]
			if !ok {
				t.Errorf("resource %s is in no area", res)
				continue
			}
			for login, role := range areaRoles {
				want := http.StatusOK
				if !role.Sees(area) && !selfService[res] {
					want = http.StatusForbidden
					if res == "reports" {
						want = http.StatusNotFound
					}
				}
				status, body := e.do("GET", "/api/v1"+path, "", e.tokens["A/"+login])
				if status != want {
					t.Errorf("GET %s as %s: status %d, want %d: %.200s", path, login, status, want, body)
				}
			}
		}
		// The policy, cell by cell, independent of the table.
		cells := []struct {
			login, path string
			want        int
		}{
			{"engineer", "/users", 403}, {"engineer", "/rfid-cards", 403}, {"engineer", "/audit-log", 403},
			{"engineer", "/terminals", 403}, {"engineer", "/users/" + e.A.Driver, 404}, {"engineer", "/chargers", 200},
			{"engineer", "/chargers/" + e.A.CPID + "/configuration", 200}, {"engineer", "/chargers/" + e.A.CPID + "/messages", 200},
			{"engineer", "/sites", 200},
			{"support", "/users", 200}, {"support", "/helpline/contacts", 200}, {"support", "/audit-log", 403},
			{"support", "/reimbursement-agreements", 403}, {"support", "/tariffs", 200},
			{"cpo-staff", "/audit-log", 200}, {"cpo-staff", "/users", 200},
			{"host", "/users", 403}, {"host", "/sessions", 200}, {"host", "/sites", 403},
		}
		for _, c := range cells {
			if status, body := e.do("GET", "/api/v1"+c.path, "", e.tokens["A/"+c.login]); status != c.want {
				t.Errorf("GET %s as %s: %d, want %d: %.200s", c.path, c.login, status, c.want, body)
			}
		}
		// An engineer's own sessions only: the network's are drivers' data.
		if _, body := e.do("GET", "/api/v1/sessions", "", e.tokens["A/engineer"]); strings.Contains(string(body), e.A.Session) {
			t.Errorf("the engineer sees the driver's session %s: %.300s", e.A.Session, body)
		}
		if _, body := e.do("GET", "/api/v1/sessions", "", e.tokens["A/support"]); !strings.Contains(string(body), e.A.Session) {
			t.Errorf("support does not see the session %s", e.A.Session)
		}
	})
}
