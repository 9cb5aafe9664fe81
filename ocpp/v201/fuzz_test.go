package v201

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/volt-ev/volt/ocpp"
)

// FuzzDecodeRequest feeds arbitrary payloads to every action: the decoder
// answers a CALLERROR that marshals, or a value that marshals and decodes
// again; it never panics.
func FuzzDecodeRequest(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.req.json"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		fr, err := ocpp.ParseFrame(ocpp.V201, b)
		if err != nil {
			f.Fatal(err)
		}
		c := fr.(ocpp.Call)
		f.Add(c.Action, []byte(c.Payload), uint32(0), true)
		f.Add(c.Action, []byte(c.Payload), uint32(0xff), false)
	}
	reg := Registry()
	f.Fuzz(func(t *testing.T, action string, payload []byte, relax uint32, toCSMS bool) {
		dir := ocpp.CSMSToCharger
		if toCSMS {
			dir = ocpp.ChargerToCSMS
		}
		v, err := ocpp.DecodeRequest(reg, dir, action, payload, ocpp.Relaxations(relax))
		if err != nil {
			var e *ocpp.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *ocpp.Error", err)
			}
			b, merr := json.Marshal(e.CallError("fuzz"))
			if merr != nil || !json.Valid(b) {
				t.Fatalf("CALLERROR %s: %v", b, merr)
			}
			var arr []any
			_ = json.Unmarshal(b, &arr)
			if d, _ := arr[3].(string); utf8.RuneCountInString(d) > 255 {
				t.Fatalf("description of %d characters", utf8.RuneCountInString(d))
			}
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("decoded value does not marshal: %v", err)
		}
		if _, err := ocpp.DecodeRequest(reg, dir, action, out, ocpp.Relaxations(relax)|ocpp.TimestampWithoutZone); err != nil {
			t.Fatalf("re-marshalled %s rejected: %v", out, err)
		}
	})
}

// FuzzParseFrame holds that no frame crashes the 2.0.1 frame parser and that
// every reply it asks for is a valid CALLERROR.
func FuzzParseFrame(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Add([]byte(`[2,"x","Heartbeat"]`))
	f.Add([]byte(`[6,"x","NotifyPeriodicEventStream",{}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ocpp.ParseFrame(ocpp.V201, data)
		var fe *ocpp.FrameError
		if err != nil && errors.As(err, &fe) && fe.Reply != nil {
			b, merr := fe.Reply.MarshalJSON()
			if merr != nil || !json.Valid(b) {
				t.Fatalf("reply %s: %v", b, merr)
			}
		}
	})
}
