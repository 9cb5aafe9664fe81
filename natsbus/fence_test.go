package natsbus

import (
	"context"
	"testing"

	volt "github.com/volt-ev/volt"
)

// fenced is the Data of a charger.connected event whose connection the store
// fenced (as gateway.ConnectionState).
type fenced int64

func (f fenced) ConnectionFence() int64 { return int64(f) }

// TestOlderClaimDoesNotTakeOverANewerConnection: the charger connected to a
// (fence 1), then to b (fence 2), but a's claim reached the bucket last
// (its lease queue was slow): the stale node a must neither keep the
// registry nor close b's newer connection; it closes its own (issue 12).
func TestOlderClaimDoesNotTakeOverANewerConnection(t *testing.T) {
	srv := startServer(t)
	gwA, gwB := newFakeGateway("CP1"), newFakeGateway("CP1")
	a := startNode(t, srv, "a", gwA)
	b := startNode(t, srv, "b", gwB)
	ctx := context.Background()
	b.Publish(ctx, volt.Event{Type: volt.EventChargerConnected, CPID: "CP1", Data: fenced(2)})
	b.settled()
	a.Publish(ctx, volt.Event{Type: volt.EventChargerConnected, CPID: "CP1", Data: fenced(1)})
	a.settled()
	eventually(t, "a closed its stale connection", func() bool { return gwA.releasedOf("CP1") })
	if gwB.releasedOf("CP1") {
		t.Fatal("the stale node's claim closed the newest connection")
	}
	if h, _ := a.Holder(ctx, "CP1"); h != "b" {
		t.Fatalf("registry names %q, want b (fence 2)", h)
	}

	// In order, a newer fence on another node still wins.
	gwA.mu.Lock()
	gwA.connected["CP1"] = true
	gwA.mu.Unlock()
	a.Publish(ctx, volt.Event{Type: volt.EventChargerConnected, CPID: "CP1", Data: fenced(3)})
	eventually(t, "b closed its older connection", func() bool { return gwB.releasedOf("CP1") })
	if h, _ := b.Holder(ctx, "CP1"); h != "a" {
		t.Fatalf("registry names %q, want a (fence 3)", h)
	}
}
