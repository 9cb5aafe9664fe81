package volt_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/volt-ev/volt"

// forbidden lists, per package, the project packages it must never import
// (directly or not); "*" bans every other project package. It keeps the domain and the codec free of adapters, as
// ARCHITECTURE.md says.
var forbidden = map[string][]string{
	module:               {"/"},
	module + "/ocpp":     {"/"},
	module + "/ocpp/v16": {"/store", "/gateway", "/api", "/web", "/inmem", "/sim", "/cmd"},
	module + "/store":    {"/gateway", "/api", "/web", "/sim", "/cmd", "/ocpp"},
	module + "/gateway":  {"/store", "/api", "/web", "/cmd"},
	module + "/api":      {"/store", "/gateway", "/web", "/cmd"},
	module + "/web":      {"/store", "/gateway", "/api", "/cmd"},
	module + "/sim":      {"/store", "/gateway", "/api", "/web", "/cmd"},
	module + "/inmem":    {"/store", "/gateway", "/api", "/web", "/cmd"},
	module + "/audit":    {"/store", "/gateway", "/api", "/web", "/sim", "/cmd", "/ocpp"},
}

func TestDependencyRules(t *testing.T) {
	if testing.Short() {
		t.Skip("go list is slow; skipped in -short")
	}
	for pkg, bans := range forbidden {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			if strings.Contains(string(out), "no Go files") || strings.Contains(string(out), "no required module provides") {
				t.Logf("%s: not present yet", pkg)
				continue
			}
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == pkg || !strings.HasPrefix(dep, module) {
				continue
			}
			for _, ban := range bans {
				if ban == "*" || dep == module+ban || strings.HasPrefix(dep, module+ban+"/") {
					t.Errorf("%s imports %s, which ARCHITECTURE.md forbids", pkg, dep)
				}
			}
		}
	}
}
