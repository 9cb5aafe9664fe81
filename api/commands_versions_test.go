package api

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/volt-ev/volt/gateway"
)

// TestCommandDocMatchesGateway holds the OpenAPI description of the command
// endpoint to the gateway's table: every command is named, and each list
// of the description ("OCPP 1.6 only: ...") holds the commands of exactly
// those versions.
func TestCommandDocMatchesGateway(t *testing.T) {
	versions := gateway.CommandVersions()
	for _, name := range gateway.Commands() {
		if !regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\b`).MatchString(commandDoc) {
			t.Errorf("command %s is missing from the description", name)
		}
	}
	lists := map[string][]string{
		"Every version (1.6, 2.0.1, 2.1): ": {"ocpp1.6", "ocpp2.0.1", "ocpp2.1"},
		"OCPP 1.6 only: ":                   {"ocpp1.6"},
		"OCPP 2.0.1 and 2.1: ":              {"ocpp2.0.1", "ocpp2.1"},
		"OCPP 2.1 only: ":                   {"ocpp2.1"},
	}
	for head, want := range lists {
		i := strings.Index(commandDoc, head)
		if i < 0 {
			t.Fatalf("no %q list", head)
		}
		list := commandDoc[i+len(head):]
		list = list[:strings.Index(list, ". ")]
		for _, name := range strings.Split(list, ", ") {
			if got := versions[name]; !slices.Equal(sorted(got), want) {
				t.Errorf("%s is listed under %q but the gateway has it for %v", name, head, got)
			}
		}
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
