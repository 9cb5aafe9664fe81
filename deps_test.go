package volt_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/volt-ev/volt"

// allowed lists, per package, the project packages it may import (directly
// or not): the "may import" column of ARCHITECTURE.md. "" is the domain
// package at the root. A package missing here may import anything (only
// cmd/voltd and tests should be so).
var allowed = map[string][]string{
	"":                     {},
	"/ocpp":                {},
	"/ocpp/v16":            {"/ocpp"},
	"/ocpp/v201":           {"/ocpp"},
	"/ocpp/v21":            {"/ocpp", "/ocpp/v201"},
	"/store":               {"", "/internal/seal"},
	"/store/storetest":     {"", "/store", "/internal/seal"},
	"/inmem":               {""},
	"/natsbus":             {"", "/inmem"},
	"/gateway":             {"", "/ocpp", "/ocpp/v16", "/ocpp/v201", "/ocpp/v21", "/pki"},
	"/api":                 {"", "/httperr", "/report", "/audit", "/telematics"},
	"/audit":               {""},
	"/certify":             {""}, // issue 16: certification
	"/payment/stripe":      {""},
	"/payment/sandbox":     {""},
	"/report":              {""},
	"/internal/pdfqr":      {},
	"/internal/seal":       {}, // issue 19: secrets at rest
	"/mail":                {},
	"/httperr":             {""},
	"/web":                 {"", "/httperr", "/audit", "/report", "/web/asset", "/ops"},
	"/web/app":             {"", "/httperr", "/report", "/web/asset"},
	"/web/asset":           {},
	"/web/webtest":         {},
	"/sim":                 {"/ocpp", "/ocpp/v16", "/ocpp/v201", "/ocpp/v21"},
	"/guard":               {""},
	"/realip":              {},
	"/credential":          {""},
	"/remotestart":         {""},
	"/ops":                 {""},
	"/lms":                 {"", "/ocpp", "/ocpp/v16"},
	"/ocpi":                {""},
	"/internal/ocpischema": {},
	"/webhook":             {""}, // issue #17: outgoing webhooks
	"/pki":                 {},   // issue 18
	"/pki/pkitest":         {},
	"/pnc":                 {"", "/pki"}, // issue 18
	"/pnc/pnctest":         {"/pki/pkitest"},
	"/telematics":          {""}, // issue 19
}

func TestDependencyRules(t *testing.T) {
	if testing.Short() {
		t.Skip("go list is slow; skipped in -short")
	}
	for pkg, ok := range allowed {
		out, err := exec.Command("go", "list", "-deps", module+pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", module+pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == module+pkg || (dep != module && !strings.HasPrefix(dep, module+"/")) {
				continue // itself, or outside the project
			}
			rel := strings.TrimPrefix(dep, module)
			if !contains(ok, rel) {
				t.Errorf("%s imports %s, which ARCHITECTURE.md does not allow", module+pkg, dep)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
