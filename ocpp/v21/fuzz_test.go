package v21

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/volt-ev/volt/ocpp"
)

// FuzzDecodeRequest21 feeds arbitrary payloads to every 2.1 action, seeded
// with the 2.0.1 and 2.1 golden frames: a CALLERROR or a value that decodes
// again, never a panic.
func FuzzDecodeRequest21(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "v201", "testdata", "*.req.json"))
	own, _ := filepath.Glob(filepath.Join("testdata", "*.req.json")) // 2.1's own golden frames
	for _, p := range append(files, own...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		fr, err := ocpp.ParseFrame(ocpp.V21, b)
		if err != nil {
			f.Fatal(err)
		}
		c := fr.(ocpp.Call)
		f.Add(c.Action, []byte(c.Payload), true)
	}
	reg := Registry()
	f.Fuzz(func(t *testing.T, action string, payload []byte, toCSMS bool) {
		dir := ocpp.CSMSToCharger
		if toCSMS {
			dir = ocpp.ChargerToCSMS
		}
		v, err := ocpp.DecodeRequest(reg, dir, action, payload, ocpp.Strict)
		if err != nil {
			var e *ocpp.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *ocpp.Error", err)
			}
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("decoded value does not marshal: %v", err)
		}
		if _, err := ocpp.DecodeRequest(reg, dir, action, out, ocpp.Strict); err != nil {
			t.Fatalf("re-marshalled %s rejected: %v", out, err)
		}
	})
}

// FuzzDecodeSend21 feeds arbitrary payloads to the 2.1 SEND decoder, seeded
// with the golden SENDs: an *ocpp.Error or a value that decodes again,
// never a panic.
func FuzzDecodeSend21(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.send.json"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		fr, err := ocpp.ParseFrame(ocpp.V21, b)
		if err != nil {
			f.Fatal(err)
		}
		s := fr.(ocpp.Send)
		f.Add(s.Action, []byte(s.Payload))
	}
	f.Add(ActionNotifyPeriodicEventStream, []byte(`{"id":1,"pending":0,"basetime":"2026-12-06T10:00:00Z","data":[{"t":1e308,"v":""}]}`))
	f.Fuzz(func(t *testing.T, action string, payload []byte) {
		v, err := DecodeSend(action, payload, ocpp.Strict)
		if err != nil {
			var e *ocpp.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *ocpp.Error", err)
			}
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("decoded value does not marshal: %v", err)
		}
		if _, err := DecodeSend(action, out, ocpp.Strict); err != nil {
			t.Fatalf("re-marshalled %s rejected: %v", out, err)
		}
	})
}
