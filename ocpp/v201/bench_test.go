package v201

import (
	"os"
	"testing"

	"github.com/volt-ev/volt/ocpp"
)

// BenchmarkDecodeTransactionEvent is the codec's share of a TransactionEvent:
// frame split and one-pass validating decode of the golden Started event.
func BenchmarkDecodeTransactionEvent(b *testing.B) {
	data, err := os.ReadFile("testdata/TransactionEvent.req.json")
	if err != nil {
		b.Fatal(err)
	}
	reg := Registry()
	b.ReportAllocs()
	for b.Loop() {
		f, err := ocpp.ParseFrame(ocpp.V201, data)
		if err != nil {
			b.Fatal(err)
		}
		c := f.(ocpp.Call)
		if _, err := ocpp.DecodeRequest(reg, ocpp.ChargerToCSMS, c.Action, c.Payload, ocpp.Strict); err != nil {
			b.Fatal(err)
		}
	}
}
