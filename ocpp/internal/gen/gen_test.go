package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedFilesUpToDate runs the generator into a temporary folder and
// compares every file with the checked-in one, so the types of ocpp/v201 and
// ocpp/v21 never drift from the schemas or the generator (run `go generate
// ./ocpp/...` after changing either).
func TestGeneratedFilesUpToDate(t *testing.T) {
	schemas := filepath.Join("..", "..", "..", "..", "shared", "ocpp-schemas")
	if _, err := os.Stat(filepath.Join(schemas, "2.0.1")); err != nil {
		t.Skipf("skipping: OCPP schemas not found at %s", schemas)
	}
	cases := []struct{ version, pkg, base string }{
		{"2.0.1", "v201", ""},
		{"2.1", "v21", "2.0.1"},
	}
	for _, c := range cases {
		t.Run(c.version, func(t *testing.T) {
			g, err := load(filepath.Join(schemas, c.version), c.version, c.pkg)
			if err != nil {
				t.Fatal(err)
			}
			if c.base != "" {
				bg, err := load(filepath.Join(schemas, c.base), "", "")
				if err != nil {
					t.Fatal(err)
				}
				g.alias(bg, "github.com/volt-ev/volt/ocpp/v201")
			}
			dir := t.TempDir()
			if err := g.write(dir); err != nil {
				t.Fatal(err)
			}
			made, _ := filepath.Glob(filepath.Join(dir, "*_gen.go"))
			have, _ := filepath.Glob(filepath.Join("..", "..", c.pkg, "*_gen.go"))
			if len(made) != len(have) || len(made) == 0 {
				t.Fatalf("generator writes %d files, %d are checked in", len(made), len(have))
			}
			for _, m := range made {
				want, _ := os.ReadFile(m)
				got, err := os.ReadFile(filepath.Join("..", "..", c.pkg, filepath.Base(m)))
				if err != nil || string(got) != string(want) {
					t.Errorf("%s/%s differs from the generator's output: run go generate ./ocpp/...", c.pkg, filepath.Base(m))
				}
			}
		})
	}
}
