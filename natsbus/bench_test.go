package natsbus

import (
	"context"
	"encoding/json"
	"fmt"
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

// BenchmarkRelayPublish times the relay's part of one outbox batch (every
// event published to the stream asynchronously, then every
// acknowledgement awaited) at the batch size the relay uses and at larger
// ones, on one embedded server (stream replicas 1: a cluster's quorum
// acknowledgement only lengthens each round, which favours bigger
// batches more). events/s is what one relay node can move.
func BenchmarkRelayPublish(b *testing.B) {
	srv := startServer(b)
	n := startNode(b, srv, "a", nil)
	r := &Relay{n: n}
	data := json.RawMessage(`{"cpid":"CP1","connectorId":1,"status":"Charging","errorCode":"NoError"}`)
	for _, size := range []int{relayBatch, 1024, 4096} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			ids := make([]int64, size)
			events := make([]volt.Event, size)
			next := int64(0)
			ctx := context.Background()
			for b.Loop() {
				for i := range events {
					next++
					ids[i] = next + int64(size)<<40 // unique message ids across sub-benchmarks
					events[i] = volt.Event{Type: volt.EventConnectorStatus, CPID: "CP1", At: time.UnixMilli(next), Data: data}
				}
				if err := r.publish(ctx, ids, events); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkRegistryClaims times claiming 1,000 chargers that connected to a
// node (each claim a registry write and its legacy mark, by the lease
// workers), on one embedded server (replicas 1; a cluster's quorum makes
// each write slower, which the parallel workers absorb). claims/s is how
// fast a node makes the chargers of a storm reachable from the others.
func BenchmarkRegistryClaims(b *testing.B) {
	srv := startServer(b)
	n := startNode(b, srv, "a", newFakeGateway())
	const batch = 1000
	next := 0
	start := time.Now()
	for b.Loop() {
		for range batch {
			next++
			n.claim(fmt.Sprintf("CP%06d", next), 1)
		}
		n.settled()
	}
	b.ReportMetric(float64(b.N*batch)/time.Since(start).Seconds(), "claims/s")
}
