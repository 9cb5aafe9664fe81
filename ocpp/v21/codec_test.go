package v21

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/volt-ev/volt/internal/schematest"
	"github.com/volt-ev/volt/ocpp"
	base "github.com/volt-ev/volt/ocpp/v201"
)

// TestRegistryCoversSchemas holds that every 2.1 schema has its action and
// every action both schemas, so no message is forgotten.
func TestRegistryCoversSchemas(t *testing.T) {
	s := schematest.Load(t, "2.1")
	names := s.Names(t)
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	reg := Registry()
	// NotifyPeriodicEventStream is a SEND (no response), not an action:
	// DecodeSend reads it (TestGoldenFrames21).
	names = slices.DeleteFunc(names, func(n string) bool { return n == "NotifyPeriodicEventStream" })
	for _, n := range names {
		action := strings.TrimSuffix(strings.TrimSuffix(n, "Request"), "Response")
		if _, ok := reg.Lookup(action); !ok {
			t.Errorf("schema %s has no action in the registry", n)
		}
	}
	for _, a := range reg.Actions() {
		if !have[a.Name+"Request"] || !have[a.Name+"Response"] {
			t.Errorf("action %s lacks a schema", a.Name)
		}
	}
	if got := len(reg.Actions()); got != len(names)/2 {
		t.Errorf("%d actions for %d schemas", got, len(names))
	}
}

// TestEmptyPayloadAgreesWithSchemas decodes {} for every request and
// response: the decoder must refuse it exactly when the schema does (it has
// required members), so the generated tags match the schemas.
func TestEmptyPayloadAgreesWithSchemas(t *testing.T) {
	s := schematest.Load(t, "2.1")
	reg := Registry()
	for _, a := range reg.Actions() {
		for _, isReq := range []bool{true, false} {
			name, dir := a.Name+"Response", ocpp.Direction(0)
			var err error
			if isReq {
				name = a.Name + "Request"
				dir = a.Direction
				_, err = ocpp.DecodeRequest(reg, dir, a.Name, []byte(`{}`), ocpp.Strict)
			} else {
				_, err = ocpp.DecodeResponse(reg, a.Name, []byte(`{}`), ocpp.Strict)
			}
			schemaErr := s.Validate(t, name, []byte(`{}`))
			if (err == nil) != (schemaErr == nil) {
				t.Errorf("%s: decoder says %v, schema says %v", name, err, schemaErr)
			}
			var oe *ocpp.Error
			if err != nil && (!errors.As(err, &oe) || oe.Code != ocpp.OccurrenceConstraintViolation) {
				t.Errorf("%s: {} refused with %v, want OccurrenceConstraintViolation (2.1 spelling)", name, err)
			}
		}
	}
}

// TestV201FramesIn21 decodes the 2.0.1 golden frames that the 2.1 schemas
// accept with the 2.1 registry, and checks the result marshals back to a
// payload the 2.1 schema accepts (aliases and 2.1's own types alike).
func TestV201FramesIn21(t *testing.T) {
	s := schematest.Load(t, "2.1")
	reg := Registry()
	files, _ := filepath.Glob(filepath.Join("..", "v201", "testdata", "*.req.json"))
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fr, err := ocpp.ParseFrame(ocpp.V21, b)
		if err != nil {
			t.Fatal(err)
		}
		call := fr.(ocpp.Call)
		if s.Validate(t, call.Action+"Request", call.Payload) != nil {
			continue // changed in 2.1
		}
		n++
		spec, _ := reg.Lookup(call.Action)
		dir := ocpp.ChargerToCSMS
		if spec.Direction&dir == 0 {
			dir = ocpp.CSMSToCharger
		}
		v, err := ocpp.DecodeRequest(reg, dir, call.Action, call.Payload, ocpp.Strict)
		if err != nil {
			t.Errorf("%s: decode: %v", f, err)
			continue
		}
		out, _ := json.Marshal(v)
		if err := s.Validate(t, call.Action+"Request", out); err != nil {
			t.Errorf("%s: re-marshalled %s does not match the 2.1 schema: %v", f, out, err)
		}
	}
	if n < 15 {
		t.Fatalf("only %d frames checked", n)
	}
}

// TestFunctionalBlocks21 (issue #13): every 2.1 action names its functional
// block; 2.0.1's keep theirs, the new ones are in 2.1's blocks.
func TestFunctionalBlocks21(t *testing.T) {
	names := map[string]bool{}
	for _, n := range blocks21 {
		names[n] = true
	}
	for _, a := range base.Registry().Actions() {
		names[a.Profile] = true
	}
	for _, a := range Registry().Actions() {
		if a.Profile == "" || !names[a.Profile] {
			t.Errorf("%s: block %q", a.Name, a.Profile)
		}
	}
	for action, want := range map[string]string{
		ActionTransactionEvent: "Transactions", ActionNotifyEVChargingNeeds: "SmartCharging", ActionAFRRSignal: "BidirectionalPowerTransfer",
		ActionSetDERControl: "DERControl", ActionNotifyDERAlarm: "DERControl", ActionBatterySwap: "BatterySwapping",
		ActionOpenPeriodicEventStream: "Diagnostics", ActionSetDefaultTariff: "TariffAndCost", ActionGetCertificateChainStatus: "ISO15118CertificateManagement",
	} {
		if spec, _ := Registry().Lookup(action); spec.Profile != want {
			t.Errorf("%s in block %q, want %q", action, spec.Profile, want)
		}
	}
}
