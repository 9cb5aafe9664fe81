package ocpp

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseFrameBadInput(t *testing.T) {
	tests := []struct {
		name   string
		v      Version
		in     string
		ignore bool // no reply expected
		code   ErrorCode
		id     string
	}{
		{"not json", V16, `not json`, false, FormationViolation, "-1"},
		{"not json 2.0.1", V201, `not json`, false, FormatViolation, "-1"},
		{"object", V16, `{}`, false, FormationViolation, "-1"},
		{"string", V16, `"[2,\"a\",\"Heartbeat\",{}]"`, false, FormationViolation, "-1"},
		{"truncated", V16, `[2,"abc","Heartbeat",{`, false, FormationViolation, "-1"},
		{"empty array", V16, `[]`, false, ProtocolError, "-1"},
		{"empty array 2.0.1", V201, `[]`, false, RpcFrameworkError, "-1"},
		{"null", V16, `null`, false, ProtocolError, "-1"},
		{"type only", V16, `[2]`, false, ProtocolError, "-1"},
		{"no action", V16, `[2,"id"]`, false, ProtocolError, "id"},
		{"no action 2.0.1", V201, `[2,"id"]`, false, RpcFrameworkError, "id"},
		{"no payload", V16, `[2,"id","Heartbeat"]`, false, ProtocolError, "id"},
		{"too many", V16, `[2,"id","Heartbeat",{},{}]`, false, ProtocolError, "id"},
		{"unknown type 1.6", V16, `[9,"x","y",{}]`, true, "", ""},
		{"unknown type 2.0.1", V201, `[9,"x","y",{}]`, false, MessageTypeNotSupported, "x"},
		{"type 5 on 2.0.1", V201, `[5,"x","y",{}]`, false, MessageTypeNotSupported, "x"},
		{"SEND without payload is never answered", V21, `[6,"x","NotifyPeriodicEventStream"]`, true, "", ""},
		{"SEND with numeric action", V21, `[6,"x",7,{}]`, true, "", ""},
		{"SEND with numeric id", V21, `[6,5,"NotifyPeriodicEventStream",{}]`, true, "", ""},
		{"SEND with array payload", V21, `[6,"x","NotifyPeriodicEventStream",[]]`, true, "", ""},
		{"type 6 on 2.0.1", V201, `[6,"x","NotifyPeriodicEventStream",{}]`, false, MessageTypeNotSupported, "x"},
		{"unknown type 2.1", V21, `[9,"x","y",{}]`, false, MessageTypeNotSupported, "x"},
		{"type as string", V16, `["2","id","Heartbeat",{}]`, false, ProtocolError, "id"},
		{"type as float", V16, `[2.0,"id","Heartbeat",{}]`, false, ProtocolError, "id"},
		{"numeric id", V16, `[2, 5, "Heartbeat", {}]`, false, ProtocolError, "-1"},
		{"numeric id 2.0.1", V201, `[2, 5, "Heartbeat", {}]`, false, RpcFrameworkError, "-1"},
		{"empty id", V16, `[2,"","Heartbeat",{}]`, false, ProtocolError, "-1"},
		{"id too long", V16, `[2,"` + strings.Repeat("a", 37) + `","Heartbeat",{}]`, false, ProtocolError, "-1"},
		{"action not string", V16, `[2,"id",7,{}]`, false, ProtocolError, "id"},
		{"empty action", V16, `[2,"id","",{}]`, false, ProtocolError, "id"},
		{"payload array", V16, `[2,"id","Heartbeat",[]]`, false, ProtocolError, "id"},
		{"payload string", V16, `[2,"id","Heartbeat","{}"]`, false, ProtocolError, "id"},
		{"payload null", V16, `[2,"id","Heartbeat",null]`, false, ProtocolError, "id"},
		{"bad result arity", V16, `[3,"id"]`, true, "", ""},
		{"bad result payload", V16, `[3,"id",7]`, true, "", ""},
		{"bad error code type", V16, `[4,"id",5,"x",{}]`, true, "", ""},
		{"result without id", V16, `[3,7,{}]`, true, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseFrame(tt.v, []byte(tt.in))
			if f != nil {
				t.Fatalf("frame = %#v, want nil", f)
			}
			var fe *FrameError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v (%T), want *FrameError", err, err)
			}
			if tt.ignore {
				if fe.Reply != nil {
					t.Fatalf("reply = %+v, want none (ignore)", *fe.Reply)
				}
				return
			}
			if fe.Reply == nil {
				t.Fatalf("no reply, want %s", tt.code)
			}
			if fe.Reply.Code != tt.code || fe.Reply.UniqueID != tt.id {
				t.Errorf("reply = %s id %q, want %s id %q", fe.Reply.Code, fe.Reply.UniqueID, tt.code, tt.id)
			}
			if len(tt.in) > 3 && strings.Contains(fe.Reply.Description, tt.in) {
				t.Errorf("description %q repeats the input", fe.Reply.Description)
			}
			checkCallErrorJSON(t, *fe.Reply)
		})
	}
}

func TestParseFrameGood(t *testing.T) {
	f, err := ParseFrame(V16, []byte(` [ 2 , "abc" , "Heartbeat" , { } ] `))
	if err != nil {
		t.Fatal(err)
	}
	c, ok := f.(Call)
	if !ok || c.UniqueID != "abc" || c.Action != "Heartbeat" || string(c.Payload) != "{ }" {
		t.Fatalf("got %#v", f)
	}
	f, err = ParseFrame(V16, []byte(`[3,"abc",{"currentTime":"2026-11-25T19:10:00Z"}]`))
	if r, ok := f.(CallResult); err != nil || !ok || r.UniqueID != "abc" {
		t.Fatalf("got %#v, %v", f, err)
	}
	f, err = ParseFrame(V16, []byte(`[4,"abc","NotImplemented","no",{"a":1}]`))
	if e, ok := f.(CallError); err != nil || !ok || e.Code != NotImplemented || string(e.Details) != `{"a":1}` {
		t.Fatalf("got %#v, %v", f, err)
	}
	// errorDetails left out by some chargers.
	f, err = ParseFrame(V16, []byte(`[4,"abc","GenericError","no"]`))
	if e, ok := f.(CallError); err != nil || !ok || string(e.Details) != `{}` {
		t.Fatalf("got %#v, %v", f, err)
	}
}

func TestFrameMarshal(t *testing.T) {
	tests := []struct {
		f    any
		want string
	}{
		{Call{UniqueID: "a1", Action: "Heartbeat"}, `[2,"a1","Heartbeat",{}]`},
		{Call{UniqueID: "a1", Action: "Authorize", Payload: json.RawMessage(`{"idTag":"X"}`)}, `[2,"a1","Authorize",{"idTag":"X"}]`},
		{CallResult{UniqueID: "a1"}, `[3,"a1",{}]`},
		{CallError{UniqueID: "a1", Code: NotSupported, Description: "no"}, `[4,"a1","NotSupported","no",{}]`},
		{CallError{UniqueID: "a1", Description: "x", Details: json.RawMessage(`[1]`)}, `[4,"a1","GenericError","x",{}]`},
		{CallError{UniqueID: "a1", Code: InternalError, Details: json.RawMessage(`{"k":"v"}`)}, `[4,"a1","InternalError","",{"k":"v"}]`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.f)
		if err != nil || string(b) != tt.want {
			t.Errorf("marshal %#v = %s, %v; want %s", tt.f, b, err, tt.want)
		}
	}
}

func TestCallErrorDescriptionTruncated(t *testing.T) {
	long := strings.Repeat("é", 300)
	for _, ce := range []CallError{NewCallError("1", GenericError, long), {UniqueID: "1", Code: GenericError, Description: long}} {
		b, _ := json.Marshal(ce)
		var arr []any
		if err := json.Unmarshal(b, &arr); err != nil {
			t.Fatal(err)
		}
		if n := utf8.RuneCountInString(arr[3].(string)); n != 255 {
			t.Errorf("description has %d characters, want 255", n)
		}
	}
}

func TestNewCall(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		c, err := NewCall("Heartbeat", nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.UniqueID) != 32 || seen[c.UniqueID] {
			t.Fatalf("bad or repeated id %q", c.UniqueID)
		}
		seen[c.UniqueID] = true
		if string(c.Payload) != "{}" {
			t.Fatalf("payload %s", c.Payload)
		}
	}
	c, err := NewCall("Authorize", map[string]string{"idTag": "A"})
	if err != nil || string(c.Payload) != `{"idTag":"A"}` {
		t.Fatalf("%s %v", c.Payload, err)
	}
	if _, err := NewCall("X", func() {}); err == nil {
		t.Fatal("unmarshalable payload accepted")
	}
	r, err := NewCallResult("id", struct {
		A int `json:"a"`
	}{1})
	if err != nil || string(r.Payload) != `{"a":1}` || r.UniqueID != "id" {
		t.Fatalf("%+v %v", r, err)
	}
}

func TestVersionCode(t *testing.T) {
	tests := []struct {
		v        Version
		in, want ErrorCode
	}{
		{V16, FormatViolation, FormationViolation},
		{V201, FormationViolation, FormatViolation},
		{V16, OccurrenceConstraintViolation, OccurenceConstraintViolation},
		// One r in 1.6 and 2.0.1, two from 2.1 on (mobilityhouse/ocpp PR #490).
		{V201, OccurenceConstraintViolation, OccurenceConstraintViolation},
		{V201, OccurrenceConstraintViolation, OccurenceConstraintViolation},
		{V21, OccurenceConstraintViolation, OccurrenceConstraintViolation},
		{V21, FormationViolation, FormatViolation},
		{V21, ProtocolError, ProtocolError},
		{V16, RpcFrameworkError, ProtocolError},
		{V201, ProtocolError, ProtocolError},
		{V16, TypeConstraintViolation, TypeConstraintViolation},
	}
	for _, tt := range tests {
		if got := tt.v.Code(tt.in); got != tt.want {
			t.Errorf("%s.Code(%s) = %s, want %s", tt.v, tt.in, got, tt.want)
		}
	}
}

// checkCallErrorJSON holds the promises every CALLERROR keeps.
func checkCallErrorJSON(t testing.TB, ce CallError) {
	t.Helper()
	b, err := json.Marshal(ce)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(b, &arr); err != nil || len(arr) != 5 {
		t.Fatalf("CALLERROR %s is not a 5-element array: %v", b, err)
	}
	var desc string
	if err := json.Unmarshal(arr[3], &desc); err != nil || utf8.RuneCountInString(desc) > 255 {
		t.Fatalf("description %s: %v", arr[3], err)
	}
	var details map[string]any
	if err := json.Unmarshal(arr[4], &details); err != nil {
		t.Fatalf("details %s not an object", arr[4])
	}
}

func FuzzParseFrame(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("v16", "testdata", "*.json"))
	quirks, _ := filepath.Glob(filepath.Join("v16", "testdata", "quirks", "*.json"))
	for _, p := range append(seeds, quirks...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b, true)
		}
	}
	for _, s := range []string{`not json`, `{}`, `[]`, `[2]`, `[2,"id"]`, `[9,"x","y",{}]`, `[2, 5, "Heartbeat", {}]`, `[4,"a","b","c"]`} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, v201 bool) {
		v := V16
		if v201 {
			v = V201
		}
		fr, err := ParseFrame(v, data)
		if err != nil {
			var fe *FrameError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not a *FrameError", err)
			}
			if fr != nil {
				t.Fatal("frame and error both set")
			}
			if fe.Reply != nil {
				checkCallErrorJSON(t, *fe.Reply)
			}
			return
		}
		b, err := json.Marshal(fr)
		if err != nil || !json.Valid(b) {
			t.Fatalf("re-marshal %s: %v", b, err)
		}
		if ce, ok := fr.(CallError); ok {
			checkCallErrorJSON(t, ce)
		}
		again, err := ParseFrame(v, b)
		if err != nil || again.ID() != fr.ID() || again.MessageType() != fr.MessageType() {
			t.Fatalf("re-parse of %s: %v", b, err)
		}
	})
}

// TestParseSend (issue #13): OCPP 2.1's SEND is read as a Send frame and
// written back as the same array; on 2.0.1 message type 6 stays unknown
// (see TestParseFrameBadInput).
func TestParseSend(t *testing.T) {
	in := `[6,"s-1","NotifyPeriodicEventStream",{"id":3,"pending":0,"basetime":"2025-01-01T00:00:00Z","data":[{"t":0,"v":"7.5"}]}]`
	f, err := ParseFrame(V21, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	s, ok := f.(Send)
	if !ok || s.ID() != "s-1" || s.Action != "NotifyPeriodicEventStream" || s.MessageType() != TypeSend || s.MessageType().String() != "SEND" {
		t.Fatalf("frame %#v", f)
	}
	out, err := s.MarshalJSON()
	if err != nil || string(out) != in {
		t.Fatalf("marshal: %s %v, want %s", out, err, in)
	}
}

// FuzzParseFrame21 is FuzzParseFrame on OCPP 2.1, seeded with SEND frames
// too: never a panic, an answer only as a valid CALLERROR, never an answer
// to a SEND (OCPP 2.1 Part 4 §4.3), and a frame that reads back the same.
func FuzzParseFrame21(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("v201", "testdata", "*.json"))
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{`[6,"s","NotifyPeriodicEventStream",{"id":1,"pending":0,"basetime":"2025-01-01T00:00:00Z","data":[{"t":0,"v":"1"}]}]`,
		`[6,"s","X",{}]`, `[6,"s"]`, `[6]`, `[6,5,"X",{}]`, `[6,"s","X",[]]`, `[9,"x","y",{}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := ParseFrame(V21, data)
		if err != nil {
			var fe *FrameError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not a *FrameError", err)
			}
			if fe.Reply != nil {
				checkCallErrorJSON(t, *fe.Reply)
				if elems, ok := splitArray(data); ok && len(elems) > 0 {
					if mt, ok := readType(elems[0]); ok && mt == TypeSend {
						t.Fatalf("a SEND was answered: %+v", *fe.Reply)
					}
				}
			}
			return
		}
		b, err := json.Marshal(fr)
		if err != nil || !json.Valid(b) {
			t.Fatalf("re-marshal %s: %v", b, err)
		}
		again, err := ParseFrame(V21, b)
		if err != nil || again.ID() != fr.ID() || again.MessageType() != fr.MessageType() {
			t.Fatalf("re-parse of %s: %v", b, err)
		}
	})
}
