package v16

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt/ocpp"
)

// golden reads testdata/<name> and parses it as an OCPP 1.6 frame.
func golden(t testing.TB, name string) ocpp.Frame {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("golden frame: %v", err)
	}
	f, err := ocpp.ParseFrame(ocpp.V16, b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f
}

func goldenCall(t testing.TB, action string) ocpp.Call {
	t.Helper()
	c, ok := golden(t, action+".req.json").(ocpp.Call)
	if !ok || c.Action != action {
		t.Fatalf("%s.req.json is not a CALL of %s", action, action)
	}
	return c
}

func goldenResult(t testing.TB, action string) ocpp.CallResult {
	t.Helper()
	r, ok := golden(t, action+".conf.json").(ocpp.CallResult)
	if !ok {
		t.Fatalf("%s.conf.json is not a CALLRESULT", action)
	}
	return r
}

// receiver is the direction in which a CALL of spec is decoded.
func receiver(spec ocpp.ActionSpec) ocpp.Direction {
	if spec.Direction&ocpp.ChargerToCSMS != 0 {
		return ocpp.ChargerToCSMS
	}
	return ocpp.CSMSToCharger
}

// TestRegistryCoversSchemas holds that every schema has its action and every
// action its schemas, so no 1.6 message is forgotten.
func TestRegistryCoversSchemas(t *testing.T) {
	s := loadSchemas(t)
	files, _ := filepath.Glob(filepath.Join(s.dir, "*.json"))
	var fromSchemas []string
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		if !strings.HasSuffix(name, "Response") {
			fromSchemas = append(fromSchemas, name)
		}
	}
	var fromRegistry []string
	for _, a := range Registry().Actions() {
		fromRegistry = append(fromRegistry, a.Name)
	}
	sort.Strings(fromSchemas)
	if !reflect.DeepEqual(fromSchemas, fromRegistry) {
		t.Fatalf("schemas %v\nregistry %v", fromSchemas, fromRegistry)
	}
}

func TestRegistryDirectionsAndProfiles(t *testing.T) {
	tests := []struct {
		action  string
		dir     ocpp.Direction
		profile string
	}{
		{ActionBootNotification, ocpp.ChargerToCSMS, ProfileCore},
		{ActionDataTransfer, ocpp.BothDirections, ProfileCore},
		{ActionRemoteStartTransaction, ocpp.CSMSToCharger, ProfileCore},
		{ActionGetDiagnostics, ocpp.CSMSToCharger, ProfileFirmwareManagement},
		{ActionFirmwareStatusNotification, ocpp.ChargerToCSMS, ProfileFirmwareManagement},
		{ActionSendLocalList, ocpp.CSMSToCharger, ProfileLocalAuthListManagement},
		{ActionReserveNow, ocpp.CSMSToCharger, ProfileReservation},
		{ActionSetChargingProfile, ocpp.CSMSToCharger, ProfileSmartCharging},
		{ActionTriggerMessage, ocpp.CSMSToCharger, ProfileRemoteTrigger},
		{ActionSignCertificate, ocpp.ChargerToCSMS, ProfileSecurity},
		{ActionSecurityEventNotification, ocpp.ChargerToCSMS, ProfileSecurity},
		{ActionSignedUpdateFirmware, ocpp.CSMSToCharger, ProfileSecurity},
	}
	for _, tt := range tests {
		s, ok := Registry().Lookup(tt.action)
		if !ok || s.Direction != tt.dir || s.Profile != tt.profile {
			t.Errorf("%s: %+v, want %v %s", tt.action, s, tt.dir, tt.profile)
		}
	}
	if Registry().Version() != ocpp.V16 {
		t.Fatal("registry version")
	}
}

// TestGoldenFramesMatchSchema validates the golden request and response of
// every action against the official schema.
func TestGoldenFramesMatchSchema(t *testing.T) {
	s := loadSchemas(t)
	for _, a := range Registry().Actions() {
		t.Run(a.Name, func(t *testing.T) {
			if err := s.validate(t, a.Name, goldenCall(t, a.Name).Payload); err != nil {
				t.Errorf("request: %v", err)
			}
			if err := s.validate(t, a.Name+"Response", goldenResult(t, a.Name).Payload); err != nil {
				t.Errorf("response: %v", err)
			}
		})
	}
}

// TestRoundTrip decodes every golden payload strictly into its typed struct,
// marshals it again and validates the result against the schema: what Volt
// sends is valid. Decoding the output again must give the same value.
func TestRoundTrip(t *testing.T) {
	s := loadSchemas(t)
	reg := Registry()
	for _, a := range reg.Actions() {
		t.Run(a.Name, func(t *testing.T) {
			c := goldenCall(t, a.Name)
			req, err := ocpp.DecodeRequest(reg, receiver(a), a.Name, c.Payload, ocpp.Strict)
			if err != nil {
				t.Fatalf("decode request: %v", err)
			}
			if got := reflect.TypeOf(req).Elem().Name(); got != a.Name+"Request" {
				t.Fatalf("request type %s", got)
			}
			res, err := ocpp.DecodeResponse(reg, a.Name, goldenResult(t, a.Name).Payload, ocpp.Strict)
			if err != nil {
				t.Fatalf("decode response: %v", err)
			}
			if got := reflect.TypeOf(res).Elem().Name(); got != a.Name+"Response" {
				t.Fatalf("response type %s", got)
			}
			for _, m := range []struct {
				schema string
				v      any
				decode func([]byte) (any, error)
			}{
				{a.Name, req, func(b []byte) (any, error) { return ocpp.DecodeRequest(reg, receiver(a), a.Name, b, ocpp.Strict) }},
				{a.Name + "Response", res, func(b []byte) (any, error) { return ocpp.DecodeResponse(reg, a.Name, b, ocpp.Strict) }},
			} {
				out, err := json.Marshal(m.v)
				if err != nil {
					t.Fatalf("marshal %s: %v", m.schema, err)
				}
				if err := s.validate(t, m.schema, out); err != nil {
					t.Errorf("%s as sent %s: %v", m.schema, out, err)
				}
				again, err := m.decode(out)
				if err != nil {
					t.Fatalf("decode %s again: %v", m.schema, err)
				}
				if !reflect.DeepEqual(again, m.v) {
					t.Errorf("%s changed in the round trip:\n%+v\n%+v", m.schema, m.v, again)
				}
			}
		})
	}
}

// TestRequiredFieldsAlwaysSent marshals the zero value of every payload type
// and checks that each member the schema requires is present.
func TestRequiredFieldsAlwaysSent(t *testing.T) {
	s := loadSchemas(t)
	for _, a := range Registry().Actions() {
		for schema, v := range map[string]any{a.Name: a.NewRequest(), a.Name + "Response": a.NewResponse()} {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]json.RawMessage
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			for _, k := range s.requiredKeys(t, schema) {
				if _, ok := got[k]; !ok {
					t.Errorf("%s: required %q not marshalled from the zero value", schema, k)
				}
			}
		}
	}
}

type quirk struct {
	file        string
	relax       ocpp.Relaxations // needed to decode; 0 if strict decoding accepts it
	schemaValid bool             // the official schema accepts it
	strictCode  ocpp.ErrorCode   // strict decoding's error when relax != 0
	field       string
	check       func(t *testing.T, v any)
}

var quirks = []quirk{
	{"boot_model_25_chars.json", ocpp.LongStrings, false, ocpp.PropertyConstraintViolation, "chargePointModel",
		func(t *testing.T, v any) {
			if m := v.(*BootNotificationRequest).ChargePointModel; m != "VT-22-AC-TWIN-SOCKET-PRO" {
				t.Errorf("model %q, want kept whole", m)
			}
		}},
	// Any number of fractional digits is RFC 3339, so neither the schema nor
	// strict decoding objects; the frame guards the parser.
	{"meter_values_7_digit_fraction.json", 0, true, "", "",
		func(t *testing.T, v any) {
			ts := v.(*MeterValuesRequest).MeterValue[0].Timestamp
			if ts.Nanosecond() != 123456700 || ts.ZoneMissing() {
				t.Errorf("timestamp %v", ts)
			}
		}},
	{"status_timestamp_no_zone.json", ocpp.TimestampWithoutZone, false, ocpp.PropertyConstraintViolation, "timestamp",
		func(t *testing.T, v any) {
			ts := v.(*StatusNotificationRequest).Timestamp
			if ts == nil || !ts.Equal(time.Date(2026, 11, 25, 19, 10, 0, 0, time.UTC)) {
				t.Errorf("timestamp %v, want read as UTC", ts)
			}
		}},
	// The schema has no minimum on connectorId; OCPP 1.6 §6 says > 0.
	{"start_connector_zero.json", ocpp.ConnectorIDZeroAsAbsent, true, ocpp.PropertyConstraintViolation, "connectorId",
		func(t *testing.T, v any) {
			if c := v.(*StartTransactionRequest).ConnectorID; c != 0 {
				t.Errorf("connector %d, want 0 (unknown)", c)
			}
		}},
	{"meter_values_empty_sampled_value.json", ocpp.EmptySampledValue, false, ocpp.OccurenceConstraintViolation, "meterValue[0].sampledValue",
		func(t *testing.T, v any) {
			if mv := v.(*MeterValuesRequest).MeterValue; len(mv) != 1 || len(mv[0].SampledValue) != 0 {
				t.Errorf("meter values %+v", mv)
			}
		}},
	{"meter_values_numbers_as_strings.json", ocpp.NumbersAsStrings, false, ocpp.TypeConstraintViolation, "connectorId",
		func(t *testing.T, v any) {
			r := v.(*MeterValuesRequest)
			if r.ConnectorID != 1 || r.TransactionID == nil || *r.TransactionID != 42 {
				t.Errorf("got %+v", r)
			}
		}},
}

// TestQuirkFrames: real-charger frames fail the schema (where the schema can
// tell) and strict decoding, and decode only with their relaxation.
func TestQuirkFrames(t *testing.T) {
	s := loadSchemas(t)
	reg := Registry()
	for _, q := range quirks {
		t.Run(q.file, func(t *testing.T) {
			c, ok := golden(t, filepath.Join("quirks", q.file)).(ocpp.Call)
			if !ok {
				t.Fatal("not a CALL")
			}
			if err := s.validate(t, c.Action, c.Payload); (err == nil) != q.schemaValid {
				t.Errorf("schema validity = %v, want %v (%v)", err == nil, q.schemaValid, err)
			}
			if q.relax != 0 {
				_, err := ocpp.DecodeRequest(reg, ocpp.ChargerToCSMS, c.Action, c.Payload, ocpp.Strict)
				var e *ocpp.Error
				if !errors.As(err, &e) || e.Code != q.strictCode || e.Field != q.field {
					t.Fatalf("strict decode: %v, want %s at %s", err, q.strictCode, q.field)
				}
				// Every other relaxation is not enough.
				if _, err := ocpp.DecodeRequest(reg, ocpp.ChargerToCSMS, c.Action, c.Payload, allRelax&^q.relax); err == nil {
					t.Fatal("decoded without its own relaxation")
				}
			}
			v, err := ocpp.DecodeRequest(reg, ocpp.ChargerToCSMS, c.Action, c.Payload, q.relax)
			if err != nil {
				t.Fatalf("relaxed decode: %v", err)
			}
			q.check(t, v)
		})
	}
}

var allRelax, _ = ocpp.ParseRelaxations([]string{"LongStrings,TimestampWithoutZone,ConnectorIDZeroAsAbsent,EmptySampledValue,NumbersAsStrings"})

// TestCallErrors runs whole frames through ParseFrame and DecodeRequest and
// checks the CALLERROR a CSMS would send.
func TestCallErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		code ocpp.ErrorCode
	}{
		{"unknown action", `[2,"m1","FlyToTheMoon",{}]`, ocpp.NotImplemented},
		{"2.0.1 action", `[2,"m1","TransactionEvent",{}]`, ocpp.NotImplemented},
		{"CSMS action sent by charger", `[2,"m1","RemoteStartTransaction",{"idTag":"A"}]`, ocpp.NotSupported},
		{"number for string", `[2,"m1","Authorize",{"idTag":12345}]`, ocpp.TypeConstraintViolation},
		{"string for integer", `[2,"m1","StartTransaction",{"connectorId":1,"idTag":"A","meterStart":"1000","timestamp":"2026-11-25T19:10:00Z"}]`, ocpp.TypeConstraintViolation},
		{"object for list", `[2,"m1","MeterValues",{"connectorId":1,"meterValue":{}}]`, ocpp.TypeConstraintViolation},
		{"missing required", `[2,"m1","BootNotification",{"chargePointVendor":"VoltTest"}]`, ocpp.OccurenceConstraintViolation},
		{"missing nested required", `[2,"m1","MeterValues",{"connectorId":1,"meterValue":[{"sampledValue":[{"value":"1"}]}]}]`, ocpp.OccurenceConstraintViolation},
		{"empty meterValue", `[2,"m1","MeterValues",{"connectorId":1,"meterValue":[]}]`, ocpp.OccurenceConstraintViolation},
		{"bad enum", `[2,"m1","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Sleeping"}]`, ocpp.PropertyConstraintViolation},
		{"too long", `[2,"m1","Authorize",{"idTag":"0123456789012345678901234567890"}]`, ocpp.PropertyConstraintViolation},
		{"bad date", `[2,"m1","StartTransaction",{"connectorId":1,"idTag":"A","meterStart":1,"timestamp":"25/11/2026 19:10"}]`, ocpp.PropertyConstraintViolation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ocpp.ParseFrame(ocpp.V16, []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			c := f.(ocpp.Call)
			_, err = ocpp.DecodeRequest(Registry(), ocpp.ChargerToCSMS, c.Action, c.Payload, ocpp.Strict)
			var e *ocpp.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
			ce := e.CallError(c.UniqueID)
			if ce.Code != tt.code || ce.UniqueID != "m1" {
				t.Fatalf("CALLERROR %s %q (%v), want %s m1", ce.Code, ce.UniqueID, e, tt.code)
			}
			if strings.Contains(ce.Description, string(c.Payload)) || strings.Contains(ce.Description, "Sleeping") ||
				strings.Contains(ce.Description, "0123456789") || strings.Contains(ce.Description, "FlyToTheMoon") {
				t.Fatalf("description repeats input: %q", ce.Description)
			}
			b, err := json.Marshal(ce)
			if err != nil || !json.Valid(b) {
				t.Fatalf("marshal: %s %v", b, err)
			}
		})
	}
}

// TestSimulatorSide decodes CSMS-initiated calls as a charger does.
func TestSimulatorSide(t *testing.T) {
	c := goldenCall(t, ActionRemoteStartTransaction)
	v, err := ocpp.DecodeRequest(Registry(), ocpp.CSMSToCharger, c.Action, c.Payload, ocpp.Strict)
	if err != nil {
		t.Fatal(err)
	}
	r := v.(*RemoteStartTransactionRequest)
	if r.ConnectorID == nil || *r.ConnectorID != 1 || r.ChargingProfile == nil || len(r.ChargingProfile.ChargingSchedule.ChargingSchedulePeriod) != 2 {
		t.Fatalf("got %+v", r)
	}
	if _, err := ocpp.DecodeRequest(Registry(), ocpp.CSMSToCharger, ActionBootNotification, []byte(`{}`), 0); err == nil {
		t.Fatal("charger accepted a BootNotification CALL")
	}
}

// TestStopTransactionEmptySampledValue: only the MeterValues schema wants a
// sampled value, so StopTransaction's transactionData may have none, even
// strictly.
func TestStopTransactionEmptySampledValue(t *testing.T) {
	in := `{"meterStop":5,"timestamp":"2026-11-25T19:10:00Z","transactionId":1,"transactionData":[{"timestamp":"2026-11-25T19:10:00Z","sampledValue":[]}]}`
	v, err := ocpp.DecodeRequest(Registry(), ocpp.ChargerToCSMS, ActionStopTransaction, []byte(in), ocpp.Strict)
	if err != nil {
		t.Fatal(err)
	}
	td := v.(*StopTransactionRequest).TransactionData
	if mv := MeterValue(td[0]); !mv.Timestamp.Equal(time.Date(2026, 11, 25, 19, 10, 0, 0, time.UTC)) {
		t.Fatalf("converted %+v", mv)
	}
}
