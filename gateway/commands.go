package gateway

import (
	"slices"
	"strings"

	"github.com/volt-ev/volt/ocpp"
	v16 "github.com/volt-ev/volt/ocpp/v16"
)

// commandAliases are the command names of the API contract that are not the
// plain kebab-case of their OCPP 1.6 action.
var commandAliases = map[string]string{
	v16.ActionRemoteStartTransaction: "remote-start",
	v16.ActionRemoteStopTransaction:  "remote-stop",
}

// commands16 maps the API's command names to OCPP 1.6 actions: every action
// the central system sends, core, optional profiles and security extension.
var commands16 = buildCommands(v16.Registry())

func buildCommands(reg *ocpp.Registry) map[string]string {
	m := make(map[string]string)
	for _, a := range reg.Actions() {
		if a.Direction&ocpp.CSMSToCharger == 0 {
			continue
		}
		name, ok := commandAliases[a.Name]
		if !ok {
			name = kebab(a.Name)
		}
		m[name] = a.Name
	}
	return m
}

// kebab spells an OCPP action in kebab-case: GetLocalListVersion →
// get-local-list-version, GetInstalledCertificateIds →
// get-installed-certificate-ids; a run of capitals is one word
// (ClearDERControl → clear-der-control, AFRRSignal → afrr-signal).
func kebab(s string) string {
	var b strings.Builder
	r := []rune(s)
	for i, c := range r {
		if c >= 'A' && c <= 'Z' {
			prevLower := i > 0 && !(r[i-1] >= 'A' && r[i-1] <= 'Z')
			endOfRun := i > 0 && i+1 < len(r) && r[i+1] >= 'a' && r[i+1] <= 'z'
			if i > 0 && (prevLower || endOfRun) {
				b.WriteByte('-')
			}
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}

// CommandAction returns the action of an API command name (POST
// /api/v1/chargers/{cpid}/commands/{command}): the OCPP 1.6 action for the
// 1.6 names (remote-start → RemoteStartTransaction), the 2.x action for
// names only 2.0.1/2.1 have (get-variables → GetVariables). Pass the action
// to Call with the request body; Call maps it to the charger's version
// (v201_commands.go) and validates the body against the request type.
func CommandAction(name string) (action string, ok bool) {
	if action, ok = commands16[name]; ok {
		return action, ok
	}
	action, ok = commands2x[name]
	return action, ok
}

// CommandsFor returns the API command names that have a meaning for
// chargers of OCPP version v ("ocpp1.6", "ocpp2.0.1", "ocpp2.1"), sorted.
func CommandsFor(v string) []string {
	var out []string
	for name, vs := range CommandVersions() {
		if slices.Contains(vs, v) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Commands returns the API command names, sorted.
func Commands() []string {
	out := make([]string, 0, len(commands16)+len(commands2x))
	for name := range commands16 {
		out = append(out, name)
	}
	for name := range commands2x {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}
