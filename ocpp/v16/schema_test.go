package v16

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaSet validates payloads against the OCA's OCPP 1.6 JSON schemas in
// ../shared/ocpp-schemas/1.6 beside the module root.
type schemaSet struct {
	dir   string
	mu    sync.Mutex
	c     *jsonschema.Compiler
	cache map[string]*jsonschema.Schema
}

var (
	schemasOnce sync.Once
	schemas     *schemaSet
	schemasErr  string
)

// loadSchemas returns the schema set, or skips the test when the schemas
// are not there.
func loadSchemas(t testing.TB) *schemaSet {
	t.Helper()
	schemasOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			schemasErr = err.Error()
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				schemasErr = "no go.mod above the test directory"
				return
			}
			dir = parent
		}
		sd := filepath.Join(dir, "..", "shared", "ocpp-schemas", "1.6")
		if _, err := os.Stat(filepath.Join(sd, "BootNotification.json")); err != nil {
			schemasErr = "OCPP 1.6 schemas not found at " + sd
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		schemas = &schemaSet{dir: sd, c: c, cache: map[string]*jsonschema.Schema{}}
	})
	if schemas == nil {
		t.Skipf("skipping schema validation: %s", schemasErr)
	}
	return schemas
}

// validate checks payload against schema file name (without ".json").
func (s *schemaSet) validate(t testing.TB, name string, payload []byte) error {
	t.Helper()
	s.mu.Lock()
	sch, ok := s.cache[name]
	if !ok {
		var err error
		sch, err = s.c.Compile(filepath.Join(s.dir, name+".json"))
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

// requiredKeys returns the top-level required members of schema name.
func (s *schemaSet) requiredKeys(t testing.TB, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.dir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Required []string `json:"required"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Required
}
