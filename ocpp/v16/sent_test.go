package v16

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/volt-ev/volt/ocpp"
)

var update = flag.Bool("update", false, "rewrite testdata/sent from the current marshalling")

// TestSentFrames pins the exact bytes Volt sends for every golden payload
// (time stamps in UTC with milliseconds, omitted optional fields, member
// order). Run with -update after an intended change and review the diff.
func TestSentFrames(t *testing.T) {
	reg := Registry()
	for _, a := range reg.Actions() {
		req, err := ocpp.DecodeRequest(reg, receiver(a), a.Name, goldenCall(t, a.Name).Payload, ocpp.Strict)
		if err != nil {
			t.Fatal(err)
		}
		res, err := ocpp.DecodeResponse(reg, a.Name, goldenResult(t, a.Name).Payload, ocpp.Strict)
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range map[string]any{a.Name + ".req.json": req, a.Name + ".conf.json": res} {
			if err := ocpp.Check(ocpp.V16, v); err != nil {
				t.Errorf("%s: Check: %v", name, err)
			}
			got, err := json.MarshalIndent(v, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "sent", name)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s: sent\n%s\nwant\n%s", name, got, want)
			}
		}
	}
}
