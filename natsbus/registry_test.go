package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	volt "github.com/volt-ev/volt"
)

// kvWrites is the number of writes ever made to a bucket (its stream's
// last sequence).
func kvWrites(t *testing.T, n *Node, bucket string) uint64 {
	t.Helper()
	s, err := n.js.Stream(context.Background(), "KV_"+bucket)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.LastSeq
}

// TestRegistryWritesDoNotGrowWithChargers: with N chargers connected, the
// registry is written once per charger on connect and then, renewal after
// renewal, only the node's one lease (and the sweep's lead) is written:
// the KV writes per renewal period are the same for 10 and for 300
// chargers (protocol 2 renewed every charger: N writes per period).
func TestRegistryWritesDoNotGrowWithChargers(t *testing.T) {
	perPeriod := map[int]float64{}
	for _, chargers := range []int{10, 300} {
		srv := startServer(t)
		cpids := make([]string, chargers)
		for i := range cpids {
			cpids[i] = fmt.Sprintf("CP%d", i)
		}
		a := startNode(t, srv, "a", newFakeGateway(cpids...)) // LeaseTTL 3 s: renewed every second
		ctx := context.Background()
		for i, cpid := range cpids {
			a.Publish(ctx, volt.Event{Type: volt.EventChargerConnected, CPID: cpid, Data: fenced(i + 1)})
		}
		a.settled()
		if got := kvWrites(t, a, ChargersBucket); got != uint64(chargers) {
			t.Fatalf("%d chargers connected: %d registry writes, want one each", chargers, got)
		}
		buckets := []string{ChargersBucket, NodesBucket, LegacyChargersBucket, LeadersBucket}
		before := map[string]uint64{}
		for _, b := range buckets {
			before[b] = kvWrites(t, a, b)
		}
		const periods = 6
		eventually(t, "six lease renewals", func() bool { return kvWrites(t, a, NodesBucket) >= before[NodesBucket]+periods })
		after := map[string]uint64{}
		for _, b := range buckets {
			after[b] = kvWrites(t, a, b)
		}
		renewals := after[NodesBucket] - before[NodesBucket]
		var total uint64
		for _, b := range buckets {
			d := after[b] - before[b]
			total += d
			if (b == ChargersBucket || b == LegacyChargersBucket) && d != 0 {
				t.Errorf("%d chargers: %d writes to %s over %d renewals, want none", chargers, d, b, renewals)
			}
		}
		perPeriod[chargers] = float64(total) / float64(renewals)
		t.Logf("%d chargers: %d KV writes over %d renewal periods (%.1f a period; protocol 2: %d a period)",
			chargers, total, renewals, perPeriod[chargers], chargers)
		for _, h := range []string{cpids[0], cpids[chargers-1]} {
			if got, err := a.Holder(ctx, h); err != nil || got != "a" {
				t.Fatalf("after %d renewals %s is held by %q (%v), want a", renewals, h, got, err)
			}
		}
	}
	// The lease and the sweep's lead: 2 a period (a snapshot taken between
	// the two writes of a tick counts one less).
	if perPeriod[300] > perPeriod[10]+0.5 || perPeriod[300] > 2.5 {
		t.Fatalf("KV writes a period: %.1f with 10 chargers, %.1f with 300: they grow with the chargers", perPeriod[10], perPeriod[300])
	}
}

// TestDeadNodesChargersGoOfflineAndAreSwept: node a stops renewing its lease
// (killed: no Close, no deletes). Within the lease its chargers' commands
// fail as node_unreachable, then as offline (409) although their entries
// are still there; the survivor b, leading the sweep, tells OnNodeDead once
// with a's last renewal and removes a's entries. A charger that moved to b
// meanwhile keeps b's entry.
func TestDeadNodesChargersGoOfflineAndAreSwept(t *testing.T) {
	srv := startServer(t)
	ctx := context.Background()
	ncA, err := Connect("", srv, "a")
	if err != nil {
		t.Fatal(err)
	}
	a, err := Start(ctx, Config{Conn: ncA, NodeID: "a", LeaseTTL: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Attach(newFakeGateway("CP1", "CP2", "CP3")); err != nil {
		t.Fatal(err)
	}
	ncB, err := Connect("", srv, "b")
	if err != nil {
		t.Fatal(err)
	}
	defer ncB.Close()
	b, err := Start(ctx, Config{Conn: ncB, NodeID: "b", LeaseTTL: 3 * time.Second, CallTimeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var mu sync.Mutex
	var dead []string
	var lastRenewal time.Time
	var lost map[string]int64
	b.OnNodeDead = func(_ context.Context, node string, last time.Time, chargers map[string]int64) error {
		mu.Lock()
		defer mu.Unlock()
		dead = append(dead, node)
		lastRenewal, lost = last, chargers
		return nil
	}
	gwB := newFakeGateway()
	if err := b.Attach(gwB); err != nil {
		t.Fatal(err)
	}
	for i, cpid := range []string{"CP1", "CP2", "CP3"} {
		a.Publish(ctx, volt.Event{Type: volt.EventChargerConnected, CPID: cpid, Data: fenced(i + 1)})
	}
	a.settled()
	eventually(t, "b routes CP1 to a", func() bool { _, err := b.Call(ctx, "CP1", "Reset", nil); return err == nil })

	// a dies: its goroutines stop, its connection closes, nothing deleted.
	killedAt := time.Now()
	a.cancel()
	a.wg.Wait()
	ncA.Close()
	if _, err := b.chargers.Get(ctx, "CP1"); err != nil {
		t.Fatalf("a's entry is gone at once (%v); the test needs it to outlive a", err)
	}
	// CP3 reconnects to b meanwhile (fence 4).
	gwB.mu.Lock()
	gwB.connected["CP3"] = true
	gwB.mu.Unlock()
	b.Publish(ctx, volt.Event{Type: volt.EventChargerConnected, CPID: "CP3", Data: fenced(4)})
	b.settled()

	eventually(t, "CP1 offline once a's lease expired", func() bool {
		_, err := b.Call(ctx, "CP1", "Reset", nil)
		switch volt.ErrorCode(err) {
		case volt.ECHARGEROFFLINE:
			return true
		case volt.ENODEUNREACHABLE: // within the lease: a clear 502
			return false
		}
		t.Fatalf("command for a dead node's charger: %v", err)
		return false
	})
	eventually(t, "a's entries swept", func() bool {
		for _, cpid := range []string{"CP1", "CP2"} {
			if _, err := b.chargers.Get(ctx, cpid); !errors.Is(err, jetstream.ErrKeyNotFound) {
				return false
			}
		}
		return true
	})
	if h, err := b.Holder(ctx, "CP3"); err != nil || h != "b" {
		t.Fatalf("CP3, moved to b, is held by %q (%v), want b", h, err)
	}
	if _, err := b.Call(ctx, "CP3", "Reset", nil); err != nil {
		t.Fatalf("CP3 on b: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(dead) != 1 || dead[0] != "a" {
		t.Fatalf("OnNodeDead heard %v, want a once", dead)
	}
	if len(lost) != 2 || lost["CP1"] != 1 || lost["CP2"] != 2 {
		t.Fatalf("OnNodeDead was given %v, want CP1 (fence 1) and CP2 (fence 2), not CP3 (on b now)", lost)
	}
	if lastRenewal.After(killedAt) || killedAt.Sub(lastRenewal) > 3*time.Second {
		t.Fatalf("a's last renewal %v, killed at %v: want the renewal before the kill, within a lease", lastRenewal, killedAt)
	}
}

// TestRestartedNodeDoesNotVouchForItsPreviousRun: a node restarted under
// the same name (a new boot) has a live lease at once, but the entries of
// its previous run are not valid: commands get 409, not a forward to a
// connection that is gone, and the sweep removes them.
func TestRestartedNodeDoesNotVouchForItsPreviousRun(t *testing.T) {
	srv := startServer(t)
	ctx := context.Background()
	b := startNode(t, srv, "b", newFakeGateway())
	old, _ := jsonHolder(holder{Node: "a", At: time.Now(), Fence: 1, Proto: ClusterProtocol, Boot: "previous-run"})
	if _, err := b.chargers.Put(ctx, "CP1", old); err != nil {
		t.Fatal(err)
	}
	startNode(t, srv, "a", newFakeGateway()) // the new run: CP1 not connected
	if h, err := b.Holder(ctx, "CP1"); err != nil || h != "" {
		t.Fatalf("holder of the previous run's charger: %q (%v), want nobody", h, err)
	}
	if _, err := b.Call(ctx, "CP1", "Reset", nil); volt.ErrorCode(err) != volt.ECHARGEROFFLINE {
		t.Fatalf("command: %v, want %s", err, volt.ECHARGEROFFLINE)
	}
	eventually(t, "the previous run's entry swept", func() bool {
		_, err := b.chargers.Get(ctx, "CP1")
		return errors.Is(err, jetstream.ErrKeyNotFound)
	})
}

func jsonHolder(h holder) ([]byte, error) { return json.Marshal(h) }
