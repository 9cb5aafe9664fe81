package ocpp

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

type testColour string

func (testColour) EnumValues() []string { return []string{"Red", "Green"} }

type testInner struct {
	Value string     `json:"value" ocpp:"required"`
	Tint  testColour `json:"tint,omitempty"`
}

type testOuter struct {
	Connector int          `json:"connectorId" ocpp:"required,connector"`
	OptConn   *int         `json:"optConnectorId,omitempty" ocpp:"connector"`
	Name      string       `json:"name" ocpp:"required,max=5"`
	Colour    testColour   `json:"colour,omitempty"`
	Count     *int         `json:"count,omitempty"`
	Ratio     float64      `json:"ratio,omitempty" ocpp:"multipleof=0.1"`
	Flag      *bool        `json:"flag,omitempty"`
	When      *DateTime    `json:"when,omitempty"`
	Keys      []string     `json:"keys,omitempty" ocpp:"max=3"`
	Items     []testInner  `json:"items,omitempty" ocpp:"minitems=1,relax=EmptySampledValue"`
	Must      []testInner  `json:"must,omitempty" ocpp:"minitems=1"`
	Sub       *testInner   `json:"sub,omitempty"`
	Colours   []testColour `json:"colours,omitempty"`
}

func TestDecodeValidation(t *testing.T) {
	base := `"connectorId":1,"name":"abc"`
	tests := []struct {
		name  string
		in    string
		relax Relaxations
		code  ErrorCode // "" = accepted
		field string
	}{
		{"minimal", `{` + base + `}`, 0, "", ""},
		{"all fields", `{` + base + `,"optConnectorId":2,"colour":"Red","count":0,"ratio":1.5,"flag":false,"when":"2026-11-25T19:10:00Z","keys":["a"],"items":[{"value":"v","tint":"Green"}],"sub":{"value":""},"colours":["Red"]}`, 0, "", ""},
		{"missing required", `{"connectorId":1}`, 0, OccurenceConstraintViolation, "name"},
		{"missing nested required", `{` + base + `,"items":[{"tint":"Red"}]}`, 0, OccurenceConstraintViolation, "items[0].value"},
		{"null is absent", `{"connectorId":1,"name":null}`, 0, OccurenceConstraintViolation, "name"},
		{"string for number", `{"connectorId":"1","name":"abc"}`, 0, TypeConstraintViolation, "connectorId"},
		{"string for number relaxed", `{"connectorId":"1","name":"abc","ratio":"2.5"}`, NumbersAsStrings, "", ""},
		{"garbage string for number relaxed", `{"connectorId":"one","name":"abc"}`, NumbersAsStrings, TypeConstraintViolation, "connectorId"},
		{"bool for number", `{"connectorId":true,"name":"abc"}`, 0, TypeConstraintViolation, "connectorId"},
		{"fraction for integer", `{"connectorId":1.5,"name":"abc"}`, 0, TypeConstraintViolation, "connectorId"},
		{"number for string", `{"connectorId":1,"name":12}`, 0, TypeConstraintViolation, "name"},
		{"object for array", `{` + base + `,"keys":{}}`, 0, TypeConstraintViolation, "keys"},
		{"too long", `{"connectorId":1,"name":"abcdef"}`, 0, PropertyConstraintViolation, "name"},
		{"too long relaxed", `{"connectorId":1,"name":"abcdef"}`, LongStrings, "", ""},
		{"multibyte within max", `{"connectorId":1,"name":"ééééé"}`, 0, "", ""},
		{"list item too long", `{` + base + `,"keys":["abcd"]}`, 0, PropertyConstraintViolation, "keys[0]"},
		{"enum", `{` + base + `,"colour":"Blue"}`, 0, PropertyConstraintViolation, "colour"},
		{"enum in list", `{` + base + `,"colours":["Red","Blue"]}`, 0, PropertyConstraintViolation, "colours[1]"},
		{"enum nested", `{` + base + `,"sub":{"value":"x","tint":"red"}}`, 0, PropertyConstraintViolation, "sub.tint"},
		{"connector zero", `{"connectorId":0,"name":"abc"}`, 0, PropertyConstraintViolation, "connectorId"},
		{"connector zero relaxed", `{"connectorId":0,"name":"abc","optConnectorId":0}`, ConnectorIDZeroAsAbsent, "", ""},
		{"connector negative relaxed", `{"connectorId":-1,"name":"abc"}`, ConnectorIDZeroAsAbsent, PropertyConstraintViolation, "connectorId"},
		{"empty list", `{` + base + `,"items":[]}`, 0, OccurenceConstraintViolation, "items"},
		{"empty list relaxed", `{` + base + `,"items":[]}`, EmptySampledValue, "", ""},
		{"empty hard list relaxed", `{` + base + `,"must":[]}`, EmptySampledValue, OccurenceConstraintViolation, "must"},
		{"no zone", `{` + base + `,"when":"2026-11-25T19:10:00"}`, 0, PropertyConstraintViolation, "when"},
		{"no zone relaxed", `{` + base + `,"when":"2026-11-25T19:10:00"}`, TimestampWithoutZone, "", ""},
		{"bad date", `{` + base + `,"when":"tomorrow"}`, relaxAll, PropertyConstraintViolation, "when"},
		{"number date", `{` + base + `,"when":5}`, relaxAll, TypeConstraintViolation, "when"},
		{"not json", `{"connectorId":1,`, 0, FormationViolation, ""},
		{"array payload", `[]`, 0, TypeConstraintViolation, ""},
		{"unknown member ignored", `{` + base + `,"extra":{"x":[1,2]}}`, 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out testOuter
			err := Decode(V16, []byte(tt.in), &out, tt.relax)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error %s", err, tt.code)
			}
			if e.Code != tt.code || e.Field != tt.field {
				t.Fatalf("got %s at %q (%v), want %s at %q", e.Code, e.Field, e, tt.code, tt.field)
			}
			if strings.Contains(e.Description(), "abcdef") || strings.Contains(e.Description(), "Blue") {
				t.Fatalf("description repeats input: %q", e.Description())
			}
		})
	}
}

func TestDecodeValues(t *testing.T) {
	var out testOuter
	in := `{"connectorId":"0","optConnectorId":0,"name":"abcdef","count":"7","ratio":2.5,"when":"2026-11-25T19:10:00.1234567","items":[],"sub":{"value":"x"}}`
	if err := Decode(V16, []byte(in), &out, relaxAll); err != nil {
		t.Fatal(err)
	}
	if out.Connector != 0 || out.OptConn != nil || out.Name != "abcdef" || out.Count == nil || *out.Count != 7 || out.Ratio != 2.5 {
		t.Fatalf("got %+v", out)
	}
	if out.When == nil || !out.When.ZoneMissing() || out.When.Nanosecond() != 123456700 || out.When.Location().String() != "UTC" {
		t.Fatalf("when = %+v", out.When)
	}
	if out.Items == nil || len(out.Items) != 0 || out.Sub == nil || out.Sub.Value != "x" {
		t.Fatalf("items/sub = %#v %#v", out.Items, out.Sub)
	}
}

func TestDecodeVersionNaming(t *testing.T) {
	var out testOuter
	err := Decode(V201, []byte(`{"connectorId":1}`), &out, 0)
	var e *Error
	if !errors.As(err, &e) || e.Code != OccurenceConstraintViolation {
		t.Fatalf("2.0.1 missing field: %v", err)
	}
	err = Decode(V21, []byte(`{"connectorId":1}`), &out, 0)
	if !errors.As(err, &e) || e.Code != OccurrenceConstraintViolation {
		t.Fatalf("2.1 missing field: %v", err)
	}
	err = Decode(V201, []byte(`{`), &out, 0)
	if !errors.As(err, &e) || e.Code != FormatViolation {
		t.Fatalf("2.0.1 bad JSON: %v", err)
	}
}

type testBounds struct {
	N    int             `json:"n" ocpp:"minimum=0,maximum=5"`
	F    *float64        `json:"f,omitempty" ocpp:"minimum=-1.5"`
	L    []int           `json:"l,omitempty" ocpp:"maxitems=2,minimum=1"`
	Data json.RawMessage `json:"data,omitempty"`
}

func TestDecodeBoundsAndRaw(t *testing.T) {
	tests := []struct {
		in    string
		field string
	}{
		{`{"n":6}`, "n"},
		{`{"n":-1}`, "n"},
		{`{"n":1,"f":-2}`, "f"},
		{`{"n":1,"l":[1,2,3]}`, "l"},
		{`{"n":1,"l":[0]}`, "l[0]"},
	}
	for _, tt := range tests {
		var out testBounds
		err := Decode(V201, []byte(tt.in), &out, 0)
		var e *Error
		if !errors.As(err, &e) || e.Field != tt.field {
			t.Errorf("%s: err %v, want one about %s", tt.in, err, tt.field)
		}
	}
	var out testBounds
	if err := Decode(V201, []byte(`{"n":5,"f":-1.5,"l":[1,2],"data":{"any":[1,"x"]}}`), &out, 0); err != nil {
		t.Fatal(err)
	}
	if string(out.Data) != `{"any":[1,"x"]}` || out.N != 5 || *out.F != -1.5 {
		t.Fatalf("decoded %+v", out)
	}
}

func TestDecodeBadTarget(t *testing.T) {
	var out testOuter
	if err := Decode(V16, []byte(`{}`), out, 0); err == nil {
		t.Fatal("non-pointer accepted")
	}
	var m map[string]any
	if err := Decode(V16, []byte(`{}`), &m, 0); err == nil {
		t.Fatal("map accepted")
	}
	type badTag struct {
		A string `ocpp:"maxx=3"`
	}
	if err := Decode(V16, []byte(`{}`), &badTag{}, 0); err == nil {
		t.Fatal("bad tag accepted")
	}
}

func TestRegistry(t *testing.T) {
	reg := NewRegistry(V16, []ActionSpec{
		{Name: "Up", Direction: ChargerToCSMS, NewRequest: func() any { return new(testOuter) }, NewResponse: func() any { return new(testInner) }},
		{Name: "Down", Direction: CSMSToCharger, NewRequest: func() any { return new(testInner) }, NewResponse: func() any { return new(testInner) }},
	})
	if _, err := DecodeRequest(reg, ChargerToCSMS, "Up", []byte(`{"connectorId":1,"name":"a"}`), 0); err != nil {
		t.Fatal(err)
	}
	check := func(err error, code ErrorCode) {
		t.Helper()
		var e *Error
		if !errors.As(err, &e) || e.Code != code {
			t.Fatalf("err = %v, want %s", err, code)
		}
		checkCallErrorJSON(t, e.CallError("id"))
	}
	_, err := DecodeRequest(reg, ChargerToCSMS, "Sideways", []byte(`{}`), 0)
	check(err, NotImplemented)
	_, err = DecodeRequest(reg, ChargerToCSMS, "Down", []byte(`{"value":"x"}`), 0)
	check(err, NotSupported)
	_, err = DecodeRequest(reg, CSMSToCharger, "Up", []byte(`{}`), 0)
	check(err, NotSupported)
	r, err := DecodeResponse(reg, "Up", []byte(`{"value":"x"}`), 0)
	if err != nil || r.(*testInner).Value != "x" {
		t.Fatalf("%v %v", r, err)
	}
	if got := len(reg.Actions()); got != 2 || reg.Actions()[0].Name != "Down" {
		t.Fatalf("Actions = %v", reg.Actions())
	}
	defer func() {
		if recover() == nil {
			t.Fatal("duplicate action accepted")
		}
	}()
	NewRegistry(V16, []ActionSpec{{Name: "A", NewRequest: func() any { return new(testInner) }, NewResponse: func() any { return new(testInner) }}, {Name: "A"}})
}

func TestCheck(t *testing.T) {
	if err := Check(V16, testOuter{Connector: 1, Name: "abc"}); err != nil {
		t.Fatal(err)
	}
	if err := Check(V16, &testOuter{Connector: 1, Name: "abc", Colour: "Blue"}); err == nil {
		t.Fatal("bad enum passed")
	}
	if err := Check(V16, testOuter{Connector: 0, Name: "abc"}); err == nil {
		t.Fatal("connector 0 passed")
	}
	if err := Check(V16, testOuter{Connector: 1, Name: "abc", Ratio: 7.35}); err == nil {
		t.Fatal("7.35 passed as a multiple of 0.1")
	}
	if err := Check(V16, testOuter{Connector: 1, Name: "abc", Ratio: 7400.3}); err != nil {
		t.Fatal(err)
	}
	var out testOuter
	if err := Decode(V16, []byte(`{"connectorId":1,"name":"a","ratio":7.35}`), &out, Strict); err != nil {
		t.Fatalf("received 7.35 rejected: %v", err)
	}
	if err := Check(V16, 5); err == nil {
		t.Fatal("non-struct passed")
	}
}
