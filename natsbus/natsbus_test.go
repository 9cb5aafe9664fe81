package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	volt "github.com/volt-ev/volt"
)

// fakeGateway is a node's gateway: the chargers connected to it answer every
// command with answer (or block until released when block is set).
type fakeGateway struct {
	mu        sync.Mutex
	connected map[string]bool
	released  []string
	block     chan struct{}
}

func newFakeGateway(cpids ...string) *fakeGateway {
	g := &fakeGateway{connected: map[string]bool{}}
	for _, c := range cpids {
		g.connected[c] = true
	}
	return g
}

func (g *fakeGateway) Connected(cpid string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.connected[cpid]
}

func (g *fakeGateway) Call(ctx context.Context, cpid, action string, request any) (json.RawMessage, error) {
	if !g.Connected(cpid) {
		return nil, volt.Errorf(volt.ECHARGEROFFLINE, "charger %s is not connected", cpid)
	}
	if g.block != nil {
		select {
		case <-g.block:
		case <-ctx.Done():
			return nil, volt.Errorf(volt.ETIMEOUT, "charger %s did not answer", cpid)
		}
	}
	b, _ := json.Marshal(map[string]any{"status": "Accepted", "action": action, "request": request})
	return b, nil
}

func (g *fakeGateway) Release(cpid, _ string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	ok := g.connected[cpid]
	delete(g.connected, cpid)
	g.released = append(g.released, cpid)
	return ok
}

func (g *fakeGateway) releasedOf(cpid string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, c := range g.released {
		if c == cpid {
			return true
		}
	}
	return false
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServer runs one embedded NATS server with JetStream for a test.
func startServer(t testing.TB) *server.Server {
	t.Helper()
	srv, err := StartEmbedded(EmbeddedConfig{Listen: freeAddr(t), StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	return srv
}

// startNode starts a node named id on srv with its own connection.
func startNode(t testing.TB, srv *server.Server, id string, gw Gateway) *Node {
	t.Helper()
	nc, err := Connect("", srv, id)
	if err != nil {
		t.Fatal(err)
	}
	n, err := Start(context.Background(), Config{Conn: nc, NodeID: id, LeaseTTL: 3 * time.Second, CallTimeout: 3 * time.Second,
		Direct: func(t string) bool { return t != volt.EventCDRCreated }})
	if err != nil {
		t.Fatal(err)
	}
	if gw != nil {
		if err := n.Attach(gw); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = n.Close(); nc.Close() })
	return n
}

// waitEvent waits for an event of typ on ch.
func waitEvent(t *testing.T, ch <-chan volt.Event, typ string) volt.Event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatal("subscription closed")
			}
			if e.Type == typ {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s event within 10s", typ)
		}
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestEventReachesOtherNodes(t *testing.T) {
	srv := startServer(t)
	a := startNode(t, srv, "a", nil)
	b := startNode(t, srv, "b", nil)
	events, stop := b.Subscribe()
	defer stop()
	a.Publish(context.Background(), volt.Event{Type: volt.EventChargerBooted, CPID: "CP1", CPOID: "cpo_1",
		At: time.Now(), Data: volt.BootInfo{Vendor: "Acme", Model: "X1"}})
	e := waitEvent(t, events, volt.EventChargerBooted)
	var info volt.BootInfo
	raw, _ := e.Data.(json.RawMessage)
	if err := json.Unmarshal(raw, &info); err != nil || info.Vendor != "Acme" || e.CPID != "CP1" || e.CPOID != "cpo_1" {
		t.Fatalf("event = %+v (data %s), want the boot of CP1 by Acme", e, raw)
	}
}

// fakeOutbox is an outbox of rows in memory; publish failures keep them.
// Its rows are the relaying node's own; stale holds another node's rows old
// enough for RelayStaleOutbox.
type fakeOutbox struct {
	mu     sync.Mutex
	ids    []int64
	events []volt.Event
	stale  []volt.Event
	// tableReads counts rows relayed by reading the table, deleted the
	// ids DeleteOutbox was given, deleteCalls its calls.
	tableReads, deleted, deleteCalls int
}

func (o *fakeOutbox) add(id int64, e volt.Event) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ids, o.events = append(o.ids, id), append(o.events, e)
}

func (o *fakeOutbox) len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.ids)
}

// RelayOutbox treats every row as older than age: a test that hands rows
// over sets tableReads to see whether the relay read them here instead.
func (o *fakeOutbox) RelayOutbox(ctx context.Context, _ time.Duration, limit int, publish func(context.Context, []int64, []volt.Event) error) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	k := min(limit, len(o.ids))
	if k == 0 {
		return 0, nil
	}
	if err := publish(ctx, o.ids[:k], o.events[:k]); err != nil {
		return 0, err
	}
	o.ids, o.events = o.ids[k:], o.events[k:]
	o.tableReads += k
	return k, nil
}

func (o *fakeOutbox) DeleteOutbox(_ context.Context, ids []int64) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, id := range ids {
		if i := slices.Index(o.ids, id); i >= 0 {
			o.ids, o.events = slices.Delete(o.ids, i, i+1), slices.Delete(o.events, i, i+1)
		}
	}
	o.deleted += len(ids)
	o.deleteCalls++
	return nil
}

func (o *fakeOutbox) deletes() (calls, ids int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.deleteCalls, o.deleted
}

func (o *fakeOutbox) counts() (tableReads, deleted int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.tableReads, o.deleted
}

func (o *fakeOutbox) RelayStaleOutbox(ctx context.Context, _ time.Duration, limit int, publish func(context.Context, []int64, []volt.Event) error) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	k := min(limit, len(o.stale))
	if k == 0 {
		return 0, nil
	}
	ids := make([]int64, k)
	for i := range ids {
		ids[i] = int64(1000 + i)
	}
	if err := publish(ctx, ids, o.stale[:k]); err != nil {
		return 0, err
	}
	o.stale = o.stale[k:]
	return k, nil
}

func (o *fakeOutbox) staleLen() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.stale)
}

// TestRelayTakesOverADeadNodesRows: rows another node wrote and never
// relayed are published by this node's stale sweep, without a wake.
func TestRelayTakesOverADeadNodesRows(t *testing.T) {
	srv := startServer(t)
	a := startNode(t, srv, "a", nil)
	events, stop := a.Subscribe()
	defer stop()
	ob := &fakeOutbox{stale: []volt.Event{{Type: volt.EventCDRCreated, CPID: "CP9", At: time.UnixMilli(2000),
		Data: json.RawMessage(`{"id":"cdr_dead"}`)}}}
	a.StartRelay(ob, time.Hour) // no poll of its own rows: only the sweep can find it
	e := waitEvent(t, events, volt.EventCDRCreated)
	if e.CPID != "CP9" {
		t.Fatalf("relayed %+v, want the dead node's CDR of CP9", e)
	}
	eventually(t, "stale rows deleted", func() bool { return ob.staleLen() == 0 })
}

func TestRelayPublishesTheOutboxOnceAndInOrder(t *testing.T) {
	srv := startServer(t)
	a := startNode(t, srv, "a", nil)
	b := startNode(t, srv, "b", nil)
	events, stop := b.Subscribe()
	defer stop()
	ob := &fakeOutbox{}
	for i := range 5 {
		ob.add(int64(i+1), volt.Event{Type: volt.EventCDRCreated, CPID: "CP1", At: time.UnixMilli(1000),
			Data: json.RawMessage(`{"id":"cdr_` + string(rune('a'+i)) + `"}`)})
	}
	// The direct path drops cdr.created (it is the outbox's): only the
	// relay may publish it.
	a.Publish(context.Background(), volt.Event{Type: volt.EventCDRCreated, CPID: "CP1", Data: map[string]string{"id": "direct"}})
	r := a.StartRelay(ob, 50*time.Millisecond)
	r.Wake()
	for i := range 5 {
		e := waitEvent(t, events, volt.EventCDRCreated)
		var c struct{ ID string }
		_ = json.Unmarshal(e.Data.(json.RawMessage), &c)
		if want := "cdr_" + string(rune('a'+i)); c.ID != want {
			t.Fatalf("event %d is %q, want %q", i, c.ID, want)
		}
	}
	eventually(t, "outbox emptied", func() bool { return ob.len() == 0 })
	// A batch sent again (its commit failed after JetStream took it) is
	// dropped by the stream's duplicate window: same row id, same time.
	ob.add(1, volt.Event{Type: volt.EventCDRCreated, CPID: "CP1", At: time.UnixMilli(1000), Data: json.RawMessage(`{"id":"cdr_a"}`)})
	ob.add(6, volt.Event{Type: volt.EventCDRCreated, CPID: "CP1", At: time.UnixMilli(1000), Data: json.RawMessage(`{"id":"cdr_f"}`)})
	r.Wake()
	e := waitEvent(t, events, volt.EventCDRCreated)
	var c struct{ ID string }
	_ = json.Unmarshal(e.Data.(json.RawMessage), &c)
	if c.ID != "cdr_f" {
		t.Fatalf("after a resent batch got %q, want cdr_f (the duplicate dropped)", c.ID)
	}
}

// TestRelayPublishesHandedOverRowsFromMemory: rows a commit hands over are
// published and deleted without the relay reading the table; when
// publishing them fails they stay in the table, and the relay reads it once
// NATS is back, each event once and in order.
func TestRelayPublishesHandedOverRowsFromMemory(t *testing.T) {
	srv := startServer(t)
	a := startNode(t, srv, "a", nil)
	events, stop := a.Subscribe()
	defer stop()
	ctx := context.Background()
	ob := &fakeOutbox{}
	// A row an earlier run left, in the table before the relay starts:
	// read from the table at start.
	ob.add(0, volt.Event{Type: volt.EventCDRCreated, CPID: "CP1", At: time.UnixMilli(1000), Data: json.RawMessage(`{"id":"cdr_0"}`)})
	r := a.StartRelay(ob, time.Hour) // no poll: only the hand-over can send
	commit := func(id int64) {
		e := volt.Event{Type: volt.EventCDRCreated, CPID: "CP1", At: time.UnixMilli(1000),
			Data: json.RawMessage(fmt.Sprintf(`{"id":"cdr_%d"}`, id))}
		ob.add(id, e)
		r.Committed([]int64{id}, []volt.Event{e})
	}
	cdrID := func(e volt.Event) string {
		var c struct{ ID string }
		_ = json.Unmarshal(e.Data.(json.RawMessage), &c)
		return c.ID
	}
	if got := cdrID(waitEvent(t, events, volt.EventCDRCreated)); got != "cdr_0" {
		t.Fatalf("relayed %q at start, want cdr_0", got)
	}
	eventually(t, "cdr_0 deleted", func() bool { return ob.len() == 0 })
	commit(1)
	commit(2)
	for _, want := range []string{"cdr_1", "cdr_2"} {
		if got := cdrID(waitEvent(t, events, volt.EventCDRCreated)); got != want {
			t.Fatalf("relayed %q, want %q", got, want)
		}
	}
	eventually(t, "rows deleted", func() bool { return ob.len() == 0 })
	if reads, deleted := ob.counts(); reads != 1 || deleted != 2 {
		t.Fatalf("table reads %d, deleted %d: want cdr_0 read, the two others published from memory and deleted", reads, deleted)
	}

	// NATS cannot take events: the hand-over fails and the rows stay.
	if err := a.js.DeleteStream(ctx, EventStream); err != nil {
		t.Fatal(err)
	}
	commit(3)
	eventually(t, "the relay gave up on cdr_3", func() bool { return r.failures.Load() > 0 })
	if ob.len() != 1 {
		t.Fatalf("%d rows in the table after a failed publish, want cdr_3's", ob.len())
	}
	if err := a.setup(ctx); err != nil {
		t.Fatal(err)
	}
	commit(4) // the table first (cdr_3), then this one
	eventually(t, "outbox emptied", func() bool { return ob.len() == 0 })
	// The new stream holds both, once each and in order (this node's live
	// view follows the old stream, so read the new one).
	st, err := a.js.Stream(ctx, EventStream)
	if err != nil {
		t.Fatal(err)
	}
	for seq, want := range []string{"cdr_3", "cdr_4", ""} {
		m, err := st.GetMsg(ctx, uint64(seq+1))
		if want == "" {
			if err == nil {
				t.Fatalf("stream holds a third event: %s", m.Data)
			}
			break
		}
		if err != nil {
			t.Fatalf("stream message %d: %v", seq+1, err)
		}
		e, err := decodeEvent(m.Data)
		if err != nil || cdrID(e) != want {
			t.Fatalf("stream message %d is %s (%v), want %s", seq+1, m.Data, err, want)
		}
	}
	if reads, _ := ob.counts(); reads != 3 {
		t.Fatalf("%d rows read from the table in all, want 3 (cdr_0, and after the outage cdr_3 and cdr_4 with it)", reads)
	}
}

// TestRelayDeletesPublishedRowsTogether: the rows of hand-overs published
// one by one are deleted in one statement, when deleteBatch of them wait or
// when the node stops, not one statement per commit.
func TestRelayDeletesPublishedRowsTogether(t *testing.T) {
	srv := startServer(t)
	a := startNode(t, srv, "a", nil)
	events, stop := a.Subscribe()
	defer stop()
	ob := &fakeOutbox{}
	// A row an earlier run left, in the table before the relay starts: its
	// first read of the table takes it.
	ob.add(0, volt.Event{Type: volt.EventCDRCreated, CPID: "CP1", At: time.UnixMilli(1000), Data: json.RawMessage(`{"id":"cdr_0"}`)})
	r := a.startRelay(ob, time.Hour, time.Hour) // neither a poll nor the delete timer fires
	commit := func(first int64, n int) {
		ids, evs := make([]int64, n), make([]volt.Event, n)
		for i := range n {
			ids[i] = first + int64(i)
			evs[i] = volt.Event{Type: volt.EventCDRCreated, CPID: "CP1", At: time.UnixMilli(1000),
				Data: json.RawMessage(fmt.Sprintf(`{"id":"cdr_%d"}`, ids[i]))}
			ob.add(ids[i], evs[i])
		}
		r.Committed(ids, evs)
	}
	waitEvent(t, events, volt.EventCDRCreated)
	eventually(t, "the start's table read", func() bool { return ob.len() == 0 })
	for id := range int64(3) {
		commit(id+1, 1)
		waitEvent(t, events, volt.EventCDRCreated)
	}
	if calls, _ := ob.deletes(); calls != 0 || ob.len() != 3 {
		t.Fatalf("after three published commits: %d deletes, %d rows; want none deleted yet", calls, ob.len())
	}
	// 600 rows: published 256 at a time; at 515 waiting the relay deletes.
	commit(4, 600)
	eventually(t, "all published", func() bool { return r.fromMemory.Load() == 603 })
	if calls, ids := ob.deletes(); calls != 1 || ids != 515 {
		t.Fatalf("%d deletes of %d rows, want one of 515", calls, ids)
	}
	// Stopping deletes what was published since.
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if calls, ids := ob.deletes(); calls != 2 || ids != 603 || ob.len() != 0 {
		t.Fatalf("after Close: %d deletes of %d rows, %d left; want 2 of 603, none left", calls, ids, ob.len())
	}
	if reads, _ := ob.counts(); reads != 1 {
		t.Fatalf("%d rows read from the table, want only the start's", reads)
	}
}

func TestCommandCrossesNodes(t *testing.T) {
	srv := startServer(t)
	gwA := newFakeGateway("CP1")
	a := startNode(t, srv, "a", gwA)
	b := startNode(t, srv, "b", newFakeGateway())
	a.Publish(context.Background(), volt.Event{Type: volt.EventChargerConnected, CPID: "CP1"})
	eventually(t, "registry names a", func() bool { h, _ := b.Holder(context.Background(), "CP1"); return h == "a" })

	res, err := b.Call(context.Background(), "CP1", "Reset", json.RawMessage(`{"type":"Soft"}`))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Status, Action string
		Request        map[string]string
	}
	if err := json.Unmarshal(res, &got); err != nil || got.Status != "Accepted" || got.Action != "Reset" || got.Request["type"] != "Soft" {
		t.Fatalf("answer %s, want the charger's Accepted to Reset Soft", res)
	}

	// Offline everywhere: the local gateway's immediate 409.
	if _, err := b.Call(context.Background(), "CP2", "Reset", nil); volt.ErrorCode(err) != volt.ECHARGEROFFLINE {
		t.Fatalf("offline charger: %v, want %s", err, volt.ECHARGEROFFLINE)
	}

	// A charger that does not answer: the caller's deadline, as ETIMEOUT.
	gwA.block = make(chan struct{})
	defer close(gwA.block)
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	if _, err := b.Call(ctx, "CP1", "Reset", nil); volt.ErrorCode(err) != volt.ETIMEOUT {
		t.Fatalf("slow charger: %v, want %s", err, volt.ETIMEOUT)
	}
}

func TestCommandToADeadNodeFailsClearly(t *testing.T) {
	srv := startServer(t)
	ncA, err := Connect("", srv, "a")
	if err != nil {
		t.Fatal(err)
	}
	a, err := Start(context.Background(), Config{Conn: ncA, NodeID: "a", LeaseTTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Attach(newFakeGateway("CP1")); err != nil {
		t.Fatal(err)
	}
	b := startNode(t, srv, "b", newFakeGateway())
	a.Publish(context.Background(), volt.Event{Type: volt.EventChargerConnected, CPID: "CP1"})
	eventually(t, "registry names a", func() bool { h, _ := b.Holder(context.Background(), "CP1"); return h == "a" })
	ncA.Close() // node a dies: its registry entry outlives it until the lease ends

	// A request that reaches the server before it has dropped a's
	// subscription waits out the call's deadline (504); after, NATS has no
	// responder at once (502). Either is a clear answer, never a hang.
	_, err = b.Call(context.Background(), "CP1", "Reset", nil)
	if code := volt.ErrorCode(err); code != volt.ENODEUNREACHABLE && code != volt.ETIMEOUT {
		t.Fatalf("command to a dead node: %v, want %s or %s", err, volt.ENODEUNREACHABLE, volt.ETIMEOUT)
	}
	var ve *volt.Error
	if !errors.As(err, &ve) || ve.Message == "" {
		t.Fatalf("no message: %v", err)
	}
	_ = a.Close()
}

func TestNewestConnectionWinsAcrossNodes(t *testing.T) {
	srv := startServer(t)
	gwA, gwB := newFakeGateway("CP1"), newFakeGateway()
	a := startNode(t, srv, "a", gwA)
	b := startNode(t, srv, "b", gwB)
	a.Publish(context.Background(), volt.Event{Type: volt.EventChargerConnected, CPID: "CP1"})
	eventually(t, "registry names a", func() bool { h, _ := b.Holder(context.Background(), "CP1"); return h == "a" })
	// The charger reconnects through the load balancer to b.
	gwB.mu.Lock()
	gwB.connected["CP1"] = true
	gwB.mu.Unlock()
	b.Publish(context.Background(), volt.Event{Type: volt.EventChargerConnected, CPID: "CP1"})
	eventually(t, "a closed its old connection", func() bool { return gwA.releasedOf("CP1") })
	if gwB.releasedOf("CP1") {
		t.Fatal("b released the newest connection")
	}
	if h, _ := a.Holder(context.Background(), "CP1"); h != "b" {
		t.Fatalf("registry names %q, want b", h)
	}
	// a's late disconnect of the old connection leaves b's entry alone.
	a.Publish(context.Background(), volt.Event{Type: volt.EventChargerDisconnected, CPID: "CP1"})
	a.settled()
	if h, _ := a.Holder(context.Background(), "CP1"); h != "b" {
		t.Fatalf("after a's disconnect the registry names %q, want b", h)
	}
	// b's disconnect removes it.
	b.Publish(context.Background(), volt.Event{Type: volt.EventChargerDisconnected, CPID: "CP1"})
	b.settled()
	if h, _ := a.Holder(context.Background(), "CP1"); h != "" {
		t.Fatalf("after b's disconnect the registry names %q, want nobody", h)
	}
}

func TestLeaseIsRenewedWhileConnected(t *testing.T) {
	srv := startServer(t)
	a := startNode(t, srv, "a", newFakeGateway("CP1")) // LeaseTTL 3 s
	a.Publish(context.Background(), volt.Event{Type: volt.EventChargerConnected, CPID: "CP1"})
	a.settled()
	until := time.Now().Add(5 * time.Second) // past one TTL: renewals keep it
	for time.Now().Before(until) {
		if h, err := a.Holder(context.Background(), "CP1"); err != nil || h != "a" {
			t.Fatalf("holder %q, %v during the lease; want a", h, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func TestOncePerPeriodAcrossNodes(t *testing.T) {
	srv := startServer(t)
	nodes := []*Node{startNode(t, srv, "a", nil), startNode(t, srv, "b", nil), startNode(t, srv, "c", nil)}
	now := time.Date(2026, 3, 1, 10, 0, 30, 0, time.UTC)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for _, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if n.Once(context.Background(), "sweep", time.Minute, now) {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d nodes ran the job in one period, want 1", wins)
	}
	if !nodes[1].Once(context.Background(), "sweep", time.Minute, now.Add(time.Minute)) {
		t.Fatal("the next period did not run")
	}
	if nodes[2].Once(context.Background(), "sweep", time.Minute, now.Add(time.Minute+15*time.Second)) {
		t.Fatal("the next period ran twice")
	}
}

// sharingGateway records the auth outcomes other nodes pass on.
type sharingGateway struct {
	*fakeGateway
	mu     sync.Mutex
	share  func(identity, remote string, ok bool)
	remote []string
}

func (g *sharingGateway) ShareAuth(f func(identity, remote string, ok bool)) { g.share = f }
func (g *sharingGateway) RemoteAuth(identity, remote string, ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.remote = append(g.remote, identity+"@"+remote+map[bool]string{true: " ok", false: " failed"}[ok])
}

func TestAuthFailuresAreShared(t *testing.T) {
	srv := startServer(t)
	gwA := &sharingGateway{fakeGateway: newFakeGateway()}
	gwB := &sharingGateway{fakeGateway: newFakeGateway()}
	startNode(t, srv, "a", gwA)
	startNode(t, srv, "b", gwB)
	gwA.share("CP9", "10.1.1.1", false)
	eventually(t, "b saw a's failure", func() bool {
		gwB.mu.Lock()
		defer gwB.mu.Unlock()
		return len(gwB.remote) == 1 && gwB.remote[0] == "CP9@10.1.1.1 failed"
	})
	gwA.mu.Lock()
	defer gwA.mu.Unlock()
	if len(gwA.remote) != 0 {
		t.Fatalf("a applied its own outcome again: %v", gwA.remote)
	}
}

func TestOutboxWaitsOutAnOutageAndCatchesUp(t *testing.T) {
	srv := startServer(t)
	a := startNode(t, srv, "a", nil)
	ctx := context.Background()
	ob := &fakeOutbox{}
	for i := range 3 {
		ob.add(int64(i+1), volt.Event{Type: volt.EventSessionStopped, CPID: "CP1", At: time.UnixMilli(int64(1000 + i))})
	}
	// JetStream cannot take events (the stream is gone, as while NATS is
	// away): the relay fails and the rows stay.
	if err := a.js.DeleteStream(ctx, EventStream); err != nil {
		t.Fatal(err)
	}
	r := &Relay{n: a, wake: make(chan struct{}, 1)}
	if _, err := ob.RelayOutbox(ctx, 0, 10, r.publish); err == nil {
		t.Fatal("relay without a stream reported success")
	}
	if ob.len() != 3 {
		t.Fatalf("%d rows left after a failed relay, want 3", ob.len())
	}
	// JetStream is back: the relay loop catches up, each event once.
	if err := a.setup(ctx); err != nil {
		t.Fatal(err)
	}
	a.StartRelay(ob, 50*time.Millisecond)
	eventually(t, "outbox relayed", func() bool { return ob.len() == 0 })
	s, err := a.js.Stream(ctx, EventStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 3 {
		t.Fatalf("stream holds %d events, want 3", info.State.Msgs)
	}
}

func TestTheGatewayAndTheRelayCopiesAreOneEvent(t *testing.T) {
	srv := startServer(t)
	nc, err := Connect("", srv, "a")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	a, err := Start(context.Background(), Config{Conn: nc, NodeID: "a"}) // Direct nil: every event published at once
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	sess := map[string]any{"id": "ses_1", "lastMeterWh": 1500, "lastMeterAt": at, "powerW": 7000}
	a.Publish(ctx, volt.Event{Type: volt.EventSessionUpdated, CPID: "CP1", At: at, Data: sess})
	raw, _ := json.Marshal(sess)
	ob := &fakeOutbox{}
	ob.add(7, volt.Event{Type: volt.EventSessionUpdated, CPID: "CP1", At: at, Data: json.RawMessage(raw)})
	// A later reading of the same session is another event.
	sess["lastMeterWh"] = 1600
	raw2, _ := json.Marshal(sess)
	ob.add(8, volt.Event{Type: volt.EventSessionUpdated, CPID: "CP1", At: at, Data: json.RawMessage(raw2)})
	a.StartRelay(ob, 20*time.Millisecond)
	eventually(t, "outbox relayed", func() bool { return ob.len() == 0 })
	s, err := a.js.Stream(ctx, EventStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 2 {
		t.Fatalf("stream holds %d events, want 2 (the reading at 1500 Wh once, the one at 1600 Wh)", info.State.Msgs)
	}
}

func TestCloseReleasesTheRegistryEntries(t *testing.T) {
	srv := startServer(t)
	nc, err := Connect("", srv, "a")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	a, err := Start(context.Background(), Config{Conn: nc, NodeID: "a", LeaseTTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Attach(newFakeGateway("CP1", "CP2")); err != nil {
		t.Fatal(err)
	}
	b := startNode(t, srv, "b", newFakeGateway())
	a.Publish(context.Background(), volt.Event{Type: volt.EventChargerConnected, CPID: "CP1"})
	a.Publish(context.Background(), volt.Event{Type: volt.EventChargerConnected, CPID: "CP2"})
	eventually(t, "registry names a", func() bool { h, _ := b.Holder(context.Background(), "CP2"); return h == "a" })
	// Shutting down: the gateway closes CP1 (a disconnect event), CP2 is
	// still held when the node closes.
	a.Publish(context.Background(), volt.Event{Type: volt.EventChargerDisconnected, CPID: "CP1"})
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	for _, cpid := range []string{"CP1", "CP2"} {
		if h, err := b.Holder(context.Background(), cpid); err != nil || h != "" {
			t.Fatalf("%s held by %q (%v) after a closed, want nobody: commands would wait for a node that is gone", cpid, h, err)
		}
	}
}

// TestOneLeaderPerName: of three nodes asking at once one leads a name,
// keeps it while it renews, and another takes over when it stops renewing
// (dies) or resigns; different names may have different leaders.
func TestOneLeaderPerName(t *testing.T) {
	srv := startServer(t)
	nodes := []*Node{startNode(t, srv, "a", nil), startNode(t, srv, "b", nil), startNode(t, srv, "c", nil)}
	ctx := context.Background()
	leaders := func(name string, ns []*Node) []*Node {
		var mu sync.Mutex
		var wg sync.WaitGroup
		var out []*Node
		for _, n := range ns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if n.Lead(ctx, name) {
					mu.Lock()
					out = append(out, n)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return out
	}
	first := leaders("lms.site-1", nodes)
	if len(first) != 1 {
		t.Fatalf("%d leaders of site-1, want 1", len(first))
	}
	leader := first[0]
	for range 3 { // renewed: the same node, alone
		if got := leaders("lms.site-1", nodes); len(got) != 1 || got[0] != leader {
			t.Fatalf("leaders after a renewal: %v, want only %s", got, leader.cfg.NodeID)
		}
	}
	var others []*Node
	for _, n := range nodes {
		if n != leader {
			others = append(others, n)
		}
	}
	// The leader stops renewing (as if dead): one of the others takes over
	// once the lease (3 s in tests) has expired, and the old one learns it.
	var next *Node
	eventually(t, "a new leader after the lease expired", func() bool {
		if got := leaders("lms.site-1", others); len(got) == 1 {
			next = got[0]
			return true
		} else if len(got) > 1 {
			t.Fatalf("%d leaders at once", len(got))
		}
		return false
	})
	if leader.Lead(ctx, "lms.site-1") {
		t.Fatal("the old leader still leads after another took over")
	}
	// Resigning hands over at once.
	next.Resign(ctx, "lms.site-1")
	if got := leaders("lms.site-1", []*Node{leader}); len(got) != 1 {
		t.Fatal("no takeover after the leader resigned")
	}
	if !nodes[0].Lead(ctx, "lms.site-2") && !nodes[1].Lead(ctx, "lms.site-2") && !nodes[2].Lead(ctx, "lms.site-2") {
		t.Fatal("nobody leads site-2")
	}
}
