package natsbus

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
)

// BenchmarkCrossNodeCall times one command from node b to a charger held
// by node a, both in this process on one embedded NATS server: the holder
// lookup, the NATS request/reply and the fake charger's answer.
func BenchmarkCrossNodeCall(b *testing.B) {
	srv := startServer(b)
	a := startNode(b, srv, "a", newFakeGateway("CP1"))
	c := startNode(b, srv, "b", newFakeGateway())
	ctx := context.Background()
	a.Publish(ctx, volt.Event{Type: volt.EventChargerConnected, CPID: "CP1", Data: fenced(1)})
	a.settled()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := c.Call(ctx, "CP1", "Reset", json.RawMessage(`{"type":"Soft"}`)); err == nil {
			break
		} else if time.Now().After(deadline) {
			b.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Call(ctx, "CP1", "Reset", json.RawMessage(`{"type":"Soft"}`)); err != nil {
			b.Fatal(err)
		}
	}
}
