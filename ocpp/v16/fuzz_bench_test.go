package v16

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/volt-ev/volt/ocpp"
)

func FuzzDecodeRequest(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.req.json"))
	quirkFiles, _ := filepath.Glob(filepath.Join("testdata", "quirks", "*.json"))
	for _, p := range append(files, quirkFiles...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		fr, err := ocpp.ParseFrame(ocpp.V16, b)
		if err != nil {
			f.Fatal(err)
		}
		c := fr.(ocpp.Call)
		f.Add(c.Action, []byte(c.Payload), uint32(0), true)
		f.Add(c.Action, []byte(c.Payload), uint32(allRelax), false)
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
		if _, err := json.Marshal(v); err != nil {
			t.Fatalf("decoded value does not marshal: %v", err)
		}
		// Whatever the decoder accepts, strictly or relaxed, it accepts again
		// once re-marshalled with the same relaxations.
		out, _ := json.Marshal(v)
		if _, err := ocpp.DecodeRequest(reg, dir, action, out, ocpp.Relaxations(relax)|ocpp.TimestampWithoutZone); err != nil {
			t.Fatalf("re-marshalled %s rejected: %v", out, err)
		}
	})
}

func benchFrame(b *testing.B, name string) {
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		b.Fatal(err)
	}
	reg := Registry()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := ocpp.ParseFrame(ocpp.V16, data)
		if err != nil {
			b.Fatal(err)
		}
		c := f.(ocpp.Call)
		if _, err := ocpp.DecodeRequest(reg, ocpp.ChargerToCSMS, c.Action, c.Payload, ocpp.Strict); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseAndDecodeMeterValues: one meter value with six sampled values.
func BenchmarkParseAndDecodeMeterValues(b *testing.B) { benchFrame(b, "MeterValues.req.json") }

func BenchmarkParseAndDecodeHeartbeat(b *testing.B) { benchFrame(b, "Heartbeat.req.json") }

func BenchmarkParseAndDecodeStartTransaction(b *testing.B) {
	benchFrame(b, "StartTransaction.req.json")
}

// BenchmarkPlainUnmarshalMeterValues is the floor: encoding/json into the
// typed struct with no frame and no checks.
func BenchmarkPlainUnmarshalMeterValues(b *testing.B) {
	data, _ := os.ReadFile(filepath.Join("testdata", "MeterValues.req.json"))
	f, _ := ocpp.ParseFrame(ocpp.V16, data)
	p := f.(ocpp.Call).Payload
	b.ReportAllocs()
	for b.Loop() {
		var r MeterValuesRequest
		if err := json.Unmarshal(p, &r); err != nil {
			b.Fatal(err)
		}
	}
}
