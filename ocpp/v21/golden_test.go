package v21

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/volt-ev/volt/internal/schematest"
	"github.com/volt-ev/volt/ocpp"
)

// golden21 reads a golden frame of testdata.
func golden21(t *testing.T, path string) ocpp.Frame {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := ocpp.ParseFrame(ocpp.V21, b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f
}

// TestGoldenFrames21 (issue #13): the 2.1 golden frames (a TransactionEvent
// with costDetails, the periodic event stream's CALLs and its SEND) match
// the 2.1 schemas, decode, and marshal back to payloads the schemas accept.
func TestGoldenFrames21(t *testing.T) {
	s := schematest.Load(t, "2.1")
	reg := Registry()
	reqs, _ := filepath.Glob(filepath.Join("testdata", "*.req.json"))
	if len(reqs) < 3 {
		t.Fatalf("only %d golden requests", len(reqs))
	}
	for _, f := range reqs {
		call := golden21(t, f).(ocpp.Call)
		spec, ok := reg.Lookup(call.Action)
		if !ok {
			t.Fatalf("%s: unknown action %s", f, call.Action)
		}
		if err := s.Validate(t, call.Action+"Request", call.Payload); err != nil {
			t.Errorf("%s does not match the schema: %v", f, err)
		}
		v, err := ocpp.DecodeRequest(reg, spec.Direction, call.Action, call.Payload, ocpp.Strict)
		if err != nil {
			t.Errorf("%s: decode: %v", f, err)
			continue
		}
		out, _ := json.Marshal(v)
		if err := s.Validate(t, call.Action+"Request", out); err != nil {
			t.Errorf("%s: re-marshalled %s does not match the schema: %v", f, out, err)
		}
		resFile := strings.TrimSuffix(f, ".req.json") + ".res.json"
		res := golden21(t, resFile).(ocpp.CallResult)
		if err := s.Validate(t, call.Action+"Response", res.Payload); err != nil {
			t.Errorf("%s does not match the schema: %v", resFile, err)
		}
		if _, err := ocpp.DecodeResponse(reg, call.Action, res.Payload, ocpp.Strict); err != nil {
			t.Errorf("%s: decode: %v", resFile, err)
		}
	}
	te := golden21(t, filepath.Join("testdata", "TransactionEvent.req.json")).(ocpp.Call)
	v, err := ocpp.DecodeRequest(reg, ocpp.ChargerToCSMS, te.Action, te.Payload, ocpp.Strict)
	if err != nil {
		t.Fatal(err)
	}
	if cd := v.(*TransactionEventRequest).CostDetails; cd == nil || cd.TotalCost.Currency != "EUR" || cd.TotalCost.Total.InclTax == nil || *cd.TotalCost.Total.InclTax != 5 {
		t.Fatalf("costDetails %+v", cd)
	}

	sends, _ := filepath.Glob(filepath.Join("testdata", "*.send.json"))
	if len(sends) == 0 {
		t.Fatal("no golden SEND")
	}
	for _, f := range sends {
		send, ok := golden21(t, f).(ocpp.Send)
		if !ok {
			t.Fatalf("%s is not a SEND", f)
		}
		if err := s.Validate(t, send.Action, send.Payload); err != nil {
			t.Errorf("%s does not match the schema: %v", f, err)
		}
		v, err := DecodeSend(send.Action, send.Payload, ocpp.Strict)
		if err != nil {
			t.Fatalf("%s: decode: %v", f, err)
		}
		out, _ := json.Marshal(v)
		if err := s.Validate(t, send.Action, out); err != nil {
			t.Errorf("%s: re-marshalled %s does not match the schema: %v", f, out, err)
		}
		n := v.(*NotifyPeriodicEventStream)
		if n.ID != 3 || len(n.Data) != 3 || n.Data[1].T != 1.5 || n.Data[2].V != "-2.10" {
			t.Errorf("%s decoded as %+v", f, n)
		}
	}
}

// TestDecodeSendAgreesWithSchema: the SEND decoder refuses what the
// NotifyPeriodicEventStream schema refuses, and an unknown SEND action.
func TestDecodeSendAgreesWithSchema(t *testing.T) {
	s := schematest.Load(t, "2.1")
	for _, p := range []string{
		`{}`,
		`{"id":1,"pending":0,"basetime":"2026-12-06T10:00:00Z","data":[]}`,
		`{"id":-1,"pending":0,"basetime":"2026-12-06T10:00:00Z","data":[{"t":0,"v":"1"}]}`,
		`{"id":1,"pending":0,"basetime":"2026-12-06T10:00:00Z","data":[{"t":0}]}`,
		`{"id":1,"pending":0,"basetime":"yesterday","data":[{"t":0,"v":"1"}]}`,
		`{"id":1,"pending":0,"basetime":"2026-12-06T10:00:00Z","data":[{"t":0,"v":"1"}]}`,
		`{"id":1,"pending":2,"basetime":"2026-12-06T10:00:00Z","data":[{"t":0,"v":"` + strings.Repeat("x", 2501) + `"}]}`,
	} {
		_, err := DecodeSend(ActionNotifyPeriodicEventStream, []byte(p), ocpp.Strict)
		schemaErr := s.Validate(t, ActionNotifyPeriodicEventStream, []byte(p))
		if (err == nil) != (schemaErr == nil) {
			t.Errorf("%.80s: decoder says %v, schema says %v", p, err, schemaErr)
		}
	}
	if _, err := DecodeSend("Heartbeat", []byte(`{}`), ocpp.Strict); err == nil {
		t.Error("Heartbeat decoded as a SEND")
	}
}
