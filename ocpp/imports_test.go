package ocpp

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports holds the layering: ocpp and its version packages import the
// standard library and, for version packages, ocpp itself (and v21 the v201
// types it aliases); nothing else of Volt and no third-party module outside
// tests.
func TestImports(t *testing.T) {
	const module = "github.com/volt-ev/volt/"
	dirs := []string{"."}
	more, _ := filepath.Glob("v*")
	dirs = append(dirs, more...)
	for _, dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range af.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				first, _, _ := strings.Cut(p, "/")
				switch {
				case p == module+"ocpp" && dir != ".":
				case p == module+"ocpp/v201" && dir == "v21":
				case strings.Contains(first, "."):
					t.Errorf("%s imports %s: only the standard library and ocpp are allowed", f, p)
				}
			}
		}
	}
}
