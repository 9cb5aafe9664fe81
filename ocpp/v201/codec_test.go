package v201

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/volt-ev/volt/internal/schematest"
	"github.com/volt-ev/volt/ocpp"
)

// TestRegistryCoversSchemas holds that every 2.0.1 schema has its action and
// every action both schemas, so no message is forgotten.
func TestRegistryCoversSchemas(t *testing.T) {
	s := schematest.Load(t, "2.0.1")
	names := s.Names(t)
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	reg := Registry()
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
	s := schematest.Load(t, "2.0.1")
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
			if err != nil && (!errors.As(err, &oe) || oe.Code != ocpp.OccurenceConstraintViolation) {
				t.Errorf("%s: {} refused with %v, want OccurenceConstraintViolation (2.0.1 spelling)", name, err)
			}
		}
	}
}

// TestGoldenFrames validates every golden frame against its schema, decodes
// it strictly, and checks that the decoded value marshals back to a payload
// the schema accepts.
func TestGoldenFrames(t *testing.T) {
	s := schematest.Load(t, "2.0.1")
	reg := Registry()
	files, _ := filepath.Glob(filepath.Join("testdata", "*.req.json"))
	if len(files) < 20 {
		t.Fatalf("only %d golden requests", len(files))
	}
	for _, f := range files {
		call := goldenFrame(t, f).(ocpp.Call)
		spec, ok := reg.Lookup(call.Action)
		if !ok {
			t.Fatalf("%s: unknown action %s", f, call.Action)
		}
		if err := s.Validate(t, call.Action+"Request", call.Payload); err != nil {
			t.Errorf("%s does not match the schema: %v", f, err)
		}
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
			t.Errorf("%s: re-marshalled %s does not match the schema: %v", f, out, err)
		}
		resFile := strings.TrimSuffix(f, ".req.json") + ".res.json"
		if _, err := os.Stat(resFile); err != nil {
			continue
		}
		res := goldenFrame(t, resFile).(ocpp.CallResult)
		if err := s.Validate(t, call.Action+"Response", res.Payload); err != nil {
			t.Errorf("%s does not match the schema: %v", resFile, err)
		}
		rv, err := ocpp.DecodeResponse(reg, call.Action, res.Payload, ocpp.Strict)
		if err != nil {
			t.Errorf("%s: decode: %v", resFile, err)
			continue
		}
		out, _ = json.Marshal(rv)
		if err := s.Validate(t, call.Action+"Response", out); err != nil {
			t.Errorf("%s: re-marshalled %s does not match the schema: %v", resFile, out, err)
		}
	}
}

func goldenFrame(t testing.TB, path string) ocpp.Frame {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := ocpp.ParseFrame(ocpp.V201, b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f
}

// TestDecodeErrors holds the 2.0.1 CALLERROR codes for bad payloads.
func TestDecodeErrors(t *testing.T) {
	reg := Registry()
	tests := []struct {
		name, action, payload string
		code                  ocpp.ErrorCode
		field                 string
	}{
		{"bad JSON", ActionHeartbeat, `{`, ocpp.FormatViolation, ""},
		{"missing member", ActionBootNotification, `{"reason":"PowerUp"}`, ocpp.OccurenceConstraintViolation, "chargingStation"},
		{"bad enum", ActionBootNotification, `{"reason":"Sneeze","chargingStation":{"model":"m","vendorName":"v"}}`, ocpp.PropertyConstraintViolation, "reason"},
		{"too long", ActionAuthorize, `{"idToken":{"idToken":"` + strings.Repeat("A", 37) + `","type":"ISO14443"}}`, ocpp.PropertyConstraintViolation, "idToken.idToken"},
		{"wrong type", ActionTransactionEvent, `{"eventType":"Started","timestamp":"2026-01-01T00:00:00Z","triggerReason":"Authorized","seqNo":"1","transactionInfo":{"transactionId":"x"}}`, ocpp.TypeConstraintViolation, "seqNo"},
		{"above maximum", ActionNotifyEVChargingNeeds, `{"evseId":1,"chargingNeeds":{"requestedEnergyTransfer":"AC_single_phase","dcChargingParameters":{"evMaxCurrent":1,"evMaxVoltage":1,"stateOfCharge":101}}}`, ocpp.PropertyConstraintViolation, "chargingNeeds.dcChargingParameters.stateOfCharge"},
		{"empty list", ActionMeterValues, `{"evseId":1,"meterValue":[]}`, ocpp.OccurenceConstraintViolation, "meterValue"},
		{"unknown action", "Sneeze", `{}`, ocpp.NotImplemented, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ocpp.DecodeRequest(reg, ocpp.ChargerToCSMS, tt.action, []byte(tt.payload), ocpp.Strict)
			var oe *ocpp.Error
			if !errors.As(err, &oe) || oe.Code != tt.code || oe.Field != tt.field {
				t.Fatalf("err = %v, want %s on %q", err, tt.code, tt.field)
			}
		})
	}
	// A CSMS-to-station action sent by a station is NotSupported.
	_, err := ocpp.DecodeRequest(reg, ocpp.ChargerToCSMS, ActionReset, []byte(`{"type":"Immediate"}`), ocpp.Strict)
	var oe *ocpp.Error
	if !errors.As(err, &oe) || oe.Code != ocpp.NotSupported {
		t.Fatalf("Reset from a station: %v", err)
	}
}
