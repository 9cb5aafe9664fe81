// Package schematest validates payloads against the OCA's OCPP JSON schemas
// in ../shared/ocpp-schemas beside the module root, for tests. A test whose
// schemas are absent is skipped with a message.
package schematest

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Set is the schemas of one OCPP version.
type Set struct {
	Dir   string
	mu    sync.Mutex
	c     *jsonschema.Compiler
	cache map[string]*jsonschema.Schema
}

var (
	mu   sync.Mutex
	sets = map[string]*Set{}
)

// Load returns the schemas of version ("1.6", "2.0.1", "2.1"), or skips
// the test when they are not there.
func Load(t testing.TB, version string) *Set {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if s := sets[version]; s != nil {
		return s
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("skipping schema validation: no go.mod above the test directory")
		}
		dir = parent
	}
	sd := filepath.Join(dir, "..", "shared", "ocpp-schemas", version)
	if _, err := os.Stat(sd); err != nil {
		t.Skipf("skipping schema validation: OCPP %s schemas not found at %s", version, sd)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s := &Set{Dir: sd, c: c, cache: map[string]*jsonschema.Schema{}}
	sets[version] = s
	return s
}

// Names returns the schema names (file names without ".json").
func (s *Set) Names(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(s.Dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(files))
	for _, f := range files {
		out = append(out, filepath.Base(f[:len(f)-len(".json")]))
	}
	return out
}

// Validate checks payload against schema name (without ".json").
func (s *Set) Validate(t testing.TB, name string, payload []byte) error {
	t.Helper()
	s.mu.Lock()
	sch, ok := s.cache[name]
	if !ok {
		var err error
		sch, err = s.c.Compile(filepath.Join(s.Dir, name+".json"))
		if err != nil {
			s.mu.Unlock()
			t.Fatalf("compile schema %s: %v", name, err)
		}
		s.cache[name] = sch
	}
	s.mu.Unlock()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(payload))
	if err != nil {
		t.Fatalf("payload for %s is not JSON: %v", name, err)
	}
	return sch.Validate(inst)
}
