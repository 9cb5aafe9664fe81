package natsbus

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The charger registry (cluster protocol 3). A charger's entry names the
// node holding its connection and that node's boot; it is written once on
// connect (or takeover) and deleted on close. It is valid only while the
// node's own lease in volt_nodes (TTL LeaseTTL) carries the same boot, so a
// node renews one key every LeaseTTL/3 however many chargers it holds, and
// a node that dies loses all of its chargers at once when its lease
// expires; the survivor sweeping the registry (the leader of
// "registry.sweep") then removes the dead node's entries.

// holder is a registry entry: the node that holds a charger's connection.
type holder struct {
	Node string    `json:"node"`
	At   time.Time `json:"at"`
	// Fence is the store's fence of the connection (gateway.FencedConnections):
	// a claim with a lower fence never overwrites or closes a higher one.
	Fence int64 `json:"fence,omitempty"`
	// Proto is the holder's cluster protocol (version.go); 0 from a
	// version-1 node.
	Proto int `json:"proto,omitempty"`
	// Boot is the holding node's run (Node.boot): the entry is valid while
	// the node's lease carries it. Empty in protocol 2's per-charger leases.
	Boot string `json:"boot,omitempty"`
}

// nodeLease is a node's entry in volt_nodes.
type nodeLease struct {
	Node  string    `json:"node"`
	Boot  string    `json:"boot"`
	Proto int       `json:"proto"`
	At    time.Time `json:"at"` // the renewal, on the node's clock
}

// lease is this node's registry entry of one connection: rev is the
// revision it last wrote, 0 while the claim waits in the queue.
type lease struct {
	rev     atomic.Uint64
	fence   int64       // the connection's fence; 0 when the store does not fence
	pending atomic.Bool // a claim is queued
}

func (l *lease) revision() uint64 { return l.rev.Load() }

// leaseOp is a claim or a release queued for the lease worker.
type leaseOp struct {
	cpid  string
	l     *lease
	claim bool
	done  chan struct{} // a marker: closed when the ops before it are applied
}

// leaseQueue bounds the queued claims and releases of a node. Past it an
// op is dropped: a claim is retried at the next lease renewal (its
// revision is 0), a release leaves an entry that the next claim overwrites
// (commands forwarded meanwhile are answered offline at once by this node).
const leaseQueue = 1 << 14

// leaseShards is the number of lease workers. Each write to the registry
// waits for its replicas' quorum; one worker applying them in turn
// registered a few dozen chargers a second on loaded nodes, and half the
// chargers of a 36,000 run were still unknown to the other nodes (their
// commands answered 409) minutes after they connected. A charger's ops
// always go to the same worker, so they stay in order.
const leaseShards = 16

func newLeaseQueues() []chan leaseOp {
	qs := make([]chan leaseOp, leaseShards)
	for i := range qs {
		qs[i] = make(chan leaseOp, leaseQueue/leaseShards)
	}
	return qs
}

// shardOf returns the lease worker of cpid (FNV-1a).
func shardOf(cpid string) int {
	h := uint32(2166136261)
	for i := 0; i < len(cpid); i++ {
		h ^= uint32(cpid[i])
		h *= 16777619
	}
	return int(h % leaseShards)
}

func randomBoot() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Attach gives the node its gateway: commands for chargers connected here
// run on it, and connections taken over by another node are released on it.
// It writes the node's lease and starts the command inbox, the registry
// watches (the local cache commands are routed from), the lease worker and
// the renewal of the node's lease.
func (n *Node) Attach(gw Gateway) error {
	n.mu.Lock()
	n.gw = gw
	n.mu.Unlock()
	sub, err := n.nc.Subscribe(callSubject(n.cfg.NodeID), n.serveCall)
	if err != nil {
		return err
	}
	n.subs = append(n.subs, sub)
	if s, ok := gw.(AuthSharer); ok {
		if err := n.shareAuth(s); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(n.ctx, 5*time.Second)
	err = n.renewLease(ctx)
	cancel()
	if err != nil {
		return fmt.Errorf("natsbus: node lease: %w", err)
	}
	watches := []struct {
		kv   jetstream.KeyValue
		opts []jetstream.WatchOpt
		on   func(jetstream.KeyValueEntry)
	}{
		{n.chargers, nil, n.onRegistryEntry},
		{n.nodes, nil, n.onNodeLease},
		{n.legacy, []jetstream.WatchOpt{jetstream.UpdatesOnly()}, n.onLegacyEntry},
	}
	for _, wt := range watches {
		w, err := wt.kv.WatchAll(n.ctx, wt.opts...)
		if err != nil {
			return err
		}
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			defer func() { _ = w.Stop() }()
			for {
				select {
				case <-n.ctx.Done():
					return
				case e, ok := <-w.Updates():
					if !ok {
						return
					}
					if e != nil {
						wt.on(e)
					}
				}
			}
		}()
	}
	for _, q := range n.ops {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			n.leaseWorker(q)
		}()
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		t := time.NewTicker(n.cfg.LeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-n.ctx.Done():
				return
			case <-t.C:
				n.tick()
			}
		}
	}()
	return nil
}

// tick renews the node's lease, retries claims that failed, and on one
// node of the cluster sweeps the entries of dead nodes.
func (n *Node) tick() {
	ctx, cancel := context.WithTimeout(n.ctx, 5*time.Second)
	err := n.renewLease(ctx)
	cancel()
	if err != nil {
		if n.ctx.Err() == nil {
			n.log.Warn("natsbus: node lease renewal failed", "err", err)
		}
		return
	}
	n.mu.Lock()
	var retry []leaseOp
	for cpid, l := range n.held {
		if l.revision() == 0 && !l.pending.Load() {
			retry = append(retry, leaseOp{cpid: cpid, l: l, claim: true})
		}
	}
	n.mu.Unlock()
	for _, op := range retry {
		n.enqueue(op)
	}
	// The sweep runs beside the renewals: removing a dead node's 16,000
	// entries must not let this node's own lease lapse.
	if !n.sweeping.Load() && n.Lead(n.ctx, "registry.sweep") {
		n.sweeping.Store(true)
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			defer n.sweeping.Store(false)
			n.sweep()
		}()
	}
}

// renewLease writes this node's lease by revision. A lease that lapsed (it
// expired while NATS was away, so a survivor may have swept this node's
// entries) is written again and every connection here claimed again.
func (n *Node) renewLease(ctx context.Context) error {
	b, _ := json.Marshal(nodeLease{Node: n.cfg.NodeID, Boot: n.boot, Proto: ClusterProtocol, At: time.Now().UTC()})
	rev := n.leaseRev.Load()
	if rev != 0 {
		next, err := n.nodes.Update(ctx, n.cfg.NodeID, b, rev)
		if err == nil {
			n.leaseRev.Store(next)
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return err
		}
		n.log.Warn("natsbus: this node's lease lapsed; claiming its chargers again")
	}
	next, err := n.nodes.Put(ctx, n.cfg.NodeID, b)
	if err != nil {
		return err
	}
	n.leaseRev.Store(next)
	if rev != 0 {
		n.reclaimAll()
	}
	return nil
}

// reclaimAll queues a claim of every connection held here.
func (n *Node) reclaimAll() {
	n.mu.Lock()
	ops := make([]leaseOp, 0, len(n.held))
	for cpid, l := range n.held {
		ops = append(ops, leaseOp{cpid: cpid, l: l, claim: true})
	}
	n.mu.Unlock()
	for _, op := range ops {
		n.enqueue(op)
	}
}

// claim records, without blocking, that the charger connected here: a
// newer connection wins, so the worker overwrites whatever another node
// holds, and that node's watch releases its connection.
func (n *Node) claim(cpid string, fence int64) {
	l := &lease{fence: fence}
	n.mu.Lock()
	n.held[cpid] = l
	n.mu.Unlock()
	n.enqueue(leaseOp{cpid: cpid, l: l, claim: true})
}

// unclaim records, without blocking, that the charger's connection here
// ended; the worker removes the entry if this node still holds it there.
func (n *Node) unclaim(cpid string) {
	n.mu.Lock()
	l, ok := n.held[cpid]
	delete(n.held, cpid)
	n.mu.Unlock()
	if ok {
		n.enqueue(leaseOp{cpid: cpid, l: l})
	}
}

func (n *Node) enqueue(op leaseOp) {
	if op.claim {
		op.l.pending.Store(true)
	}
	select {
	case n.ops[shardOf(op.cpid)] <- op:
	default:
		if op.claim {
			op.l.pending.Store(false)
		}
		n.log.Warn("natsbus: registry queue full; left to the next renewal", "cpid", op.cpid, "claim", op.claim)
	}
}

// settled waits until the claims and releases queued before it are applied
// (tests).
func (n *Node) settled() { n.drainLeases(time.Hour) }

// drainLeases waits, at most wait, until every lease worker has applied
// the claims and releases queued before the call.
func (n *Node) drainLeases(wait time.Duration) {
	timeout := time.After(wait)
	var dones []chan struct{}
	for _, q := range n.ops {
		done := make(chan struct{})
		select {
		case q <- leaseOp{done: done}:
			dones = append(dones, done)
		case <-timeout:
			return
		}
	}
	for _, done := range dones {
		select {
		case <-done:
		case <-timeout:
			return
		}
	}
}

// leaseWorker applies the claims and releases of its shard in the order
// connections came and went, so the OCPP path never waits on NATS.
func (n *Node) leaseWorker(ops <-chan leaseOp) {
	for {
		select {
		case <-n.ctx.Done():
			return
		case op := <-ops:
			if op.done != nil {
				close(op.done)
				continue
			}
			ctx, cancel := context.WithTimeout(n.ctx, 5*time.Second)
			if op.claim {
				n.mu.Lock()
				current := n.held[op.cpid] == op.l
				n.mu.Unlock()
				if !current { // released or taken over meanwhile
					op.l.pending.Store(false)
					cancel()
					continue
				}
				rev, stale, err := n.put(ctx, op.cpid, op.l)
				switch {
				case err != nil:
					// Commands from other nodes cannot reach this charger
					// until the next renewal tick claims it again.
					n.log.Warn("natsbus: registry claim failed", "cpid", op.cpid, "err", err)
				case stale:
					n.takenOver(op.cpid, op.l)
				default:
					op.l.rev.Store(rev)
					n.markLegacy(ctx, op.cpid, op.l)
				}
				// Not pending any more once the outcome is recorded, so the
				// renewal tick does not queue the claim a second time.
				op.l.pending.Store(false)
			} else if rev := op.l.revision(); rev != 0 {
				// Only the revision this node wrote: a newer claim by
				// another node stays.
				_ = n.chargers.Delete(ctx, op.cpid, jetstream.LastRevision(rev))
			}
			cancel()
		}
	}
}

// value is this node's registry entry for l.
func (n *Node) value(l *lease) []byte {
	b, _ := json.Marshal(holder{Node: n.cfg.NodeID, At: time.Now().UTC(), Fence: l.fence, Proto: ClusterProtocol, Boot: n.boot})
	return b
}

// put writes l's claim by compare-and-set unless the entry holds a newer
// connection (stale: the caller closes its own). It retries
// when another write came in between.
func (n *Node) put(ctx context.Context, cpid string, l *lease) (rev uint64, stale bool, err error) {
	value := n.value(l)
	for try := 0; try < 4; try++ {
		e, err := n.chargers.Get(ctx, cpid)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			rev, err = n.chargers.Create(ctx, cpid, value)
		case err != nil:
			return 0, false, err
		default:
			var h holder
			if json.Unmarshal(e.Value(), &h) == nil && h.Node != n.cfg.NodeID && h.Fence != 0 && l.fence != 0 && h.Fence > l.fence {
				// The charger connected elsewhere after it connected here
				// (even if that node has died since): ours is the stale one.
				return 0, true, nil
			}
			rev, err = n.chargers.Update(ctx, cpid, value, e.Revision())
		}
		if err == nil {
			return rev, false, nil
		}
		if ctx.Err() != nil {
			return 0, false, err
		}
	}
	return 0, false, fmt.Errorf("natsbus: claim %s: the entry kept changing", cpid)
}

// onRegistryEntry keeps the local cache of the registry, releases the
// connection here when another node claimed the charger after this node
// did, and puts back an entry of a charger still connected here that a
// survivor swept (this node's lease had lapsed).
func (n *Node) onRegistryEntry(e jetstream.KeyValueEntry) {
	cpid := e.Key()
	if e.Operation() != jetstream.KeyValuePut {
		n.cache.del(cpid)
		n.mu.Lock()
		l, ok := n.held[cpid]
		n.mu.Unlock()
		if ok && l.revision() != 0 && !l.pending.Load() {
			n.enqueue(leaseOp{cpid: cpid, l: l, claim: true})
		}
		return
	}
	var h holder
	if json.Unmarshal(e.Value(), &h) != nil {
		return
	}
	n.cache.put(cpid, h, e.Revision())
	if h.Node == n.cfg.NodeID {
		return
	}
	n.contested(cpid, h, e.Revision() > 0, e.Revision())
}

// contested settles another node's claim h of a charger that may be
// connected here. ordered tells whether rev is comparable with this node's
// lease revision (the same bucket).
func (n *Node) contested(cpid string, h holder, ordered bool, rev uint64) {
	n.mu.Lock()
	l, ok := n.held[cpid]
	n.mu.Unlock()
	if !ok {
		return
	}
	if h.Fence != 0 && l.fence != 0 {
		// Fenced: whichever connection the store recorded last wins, in
		// whatever order the claims reached the bucket. An older claim
		// that overwrote this node's is overwritten again at once.
		if h.Fence > l.fence {
			n.takenOver(cpid, l)
		} else if h.Fence < l.fence && !l.pending.Load() {
			n.enqueue(leaseOp{cpid: cpid, l: l, claim: true}) // put ours back now
		}
		return
	}
	// A claim still queued here (revision 0) is newer than what the watch
	// shows: it will overwrite it.
	if l.revision() != 0 && (!ordered || rev > l.revision()) {
		n.takenOver(cpid, l)
	}
}

// onNodeLease keeps the local cache of the nodes' leases.
func (n *Node) onNodeLease(e jetstream.KeyValueEntry) {
	if e.Operation() != jetstream.KeyValuePut {
		n.cache.delLease(e.Key())
		return
	}
	var l nodeLease
	if json.Unmarshal(e.Value(), &l) != nil {
		return
	}
	// Seen when the server stored it, at the latest now: a lease met in
	// the initial values of the watch is as old as its last renewal.
	seen := time.Now()
	if c := e.Created(); !c.IsZero() && c.Before(seen) {
		seen = c
	}
	n.cache.putLease(e.Key(), l, seen)
}

// leaseAlive reports whether node's lease is alive with boot: from the
// local cache when it says so, else from the bucket (a node just started,
// or the watch lags). An error means unknown.
func (n *Node) leaseAlive(ctx context.Context, node, boot string) (bool, error) {
	if boot == "" {
		return true, nil // a protocol-2 entry: a lease of its own
	}
	if node == n.cfg.NodeID {
		return boot == n.boot, nil
	}
	if sl, ok := n.cache.lease(node); ok && sl.l.Boot == boot && time.Since(sl.seen) < n.cfg.LeaseTTL {
		return true, nil
	}
	e, err := n.nodes.Get(ctx, node)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var l nodeLease
	if err := json.Unmarshal(e.Value(), &l); err != nil {
		return false, fmt.Errorf("lease of node %s: %w", node, err)
	}
	return l.Boot == boot, nil
}

// sweep removes the registry entries of node runs whose lease expired
// (nodes that died, and earlier runs of nodes restarted under the same
// name), after telling OnNodeDead. Run by one node at a time (the leader of
// "registry.sweep"); a live run costs a map lookup, and deletes are by
// revision, so a charger claimed again meanwhile keeps its new entry.
func (n *Node) sweep() {
	for _, r := range n.cache.runsHolding() {
		if n.ctx.Err() != nil {
			return
		}
		ctx, cancel := context.WithTimeout(n.ctx, 30*time.Second)
		n.sweepRun(ctx, r)
		cancel()
	}
}

func (n *Node) sweepRun(ctx context.Context, r nodeRun) {
	if r.boot == "" {
		return // not a protocol-3 entry
	}
	last := time.Time{}
	if r.node == n.cfg.NodeID {
		if r.boot == n.boot {
			return
		}
	} else {
		sl, cached := n.cache.lease(r.node)
		if cached && sl.l.Boot == r.boot && time.Since(sl.seen) < n.cfg.LeaseTTL {
			return
		}
		e, err := n.nodes.Get(ctx, r.node)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
		case err != nil:
			return // unknown: leave it to the next sweep
		default:
			var l nodeLease
			if json.Unmarshal(e.Value(), &l) != nil {
				return
			}
			if l.Boot == r.boot {
				return // alive; this node's watch lags
			}
		}
		if cached && sl.l.Boot == r.boot {
			last = sl.l.At
		}
	}
	entries := n.cache.entriesOf(r)
	if last.IsZero() { // never saw its lease: its newest claim
		for _, ce := range entries {
			if ce.h.At.After(last) {
				last = ce.h.At
			}
		}
	}
	if n.OnNodeDead != nil {
		conns := make(map[string]int64, len(entries))
		for cpid, ce := range entries {
			conns[cpid] = ce.h.Fence
		}
		if err := n.OnNodeDead(ctx, r.node, last, conns); err != nil {
			n.log.Warn("natsbus: recording a dead node's chargers offline failed; retried at the next sweep", "node", r.node, "err", err)
			return
		}
	}
	n.log.Info("natsbus: node's lease expired; removing its registry entries", "node", r.node, "boot", r.boot, "chargers", len(entries), "last_renewal", last)
	for cpid, ce := range entries {
		// The watch removes it from the cache; a revision that moved (the
		// charger connected again) keeps its entry.
		_ = n.chargers.Delete(ctx, cpid, jetstream.LastRevision(ce.rev))
	}
}

// takenOver forgets cpid (if still this lease) and closes its connection here.
func (n *Node) takenOver(cpid string, l *lease) {
	n.mu.Lock()
	if n.held[cpid] != l {
		n.mu.Unlock()
		return
	}
	delete(n.held, cpid)
	gw := n.gw
	n.mu.Unlock()
	if gw != nil && gw.Release(cpid, "connected to another node") {
		n.log.Info("natsbus: charger connected to another node; closed its connection here", "cpid", cpid)
	}
}

// Holder returns the node holding cpid's connection, "" when none (no
// entry, or its node's lease expired). It reads the bucket, not the cache.
func (n *Node) Holder(ctx context.Context, cpid string) (string, error) {
	h, err := n.holderEntry(ctx, cpid)
	return h.Node, err
}

// holderEntry reads cpid's valid registry entry from the bucket ("" node
// when none). A charger no protocol-3 node holds may be held by a
// protocol-2 node during a rolling upgrade: its per-charger lease is read
// from the legacy bucket.
func (n *Node) holderEntry(ctx context.Context, cpid string) (holder, error) {
	e, err := n.chargers.Get(ctx, cpid)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return n.legacyHolder(ctx, cpid)
	case err != nil:
		return holder{}, err
	}
	var h holder
	if err := json.Unmarshal(e.Value(), &h); err != nil {
		return holder{}, fmt.Errorf("registry entry of %s: %w", cpid, err)
	}
	alive, err := n.leaseAlive(ctx, h.Node, h.Boot)
	if err != nil {
		return holder{}, err
	}
	if !alive {
		return n.legacyHolder(ctx, cpid)
	}
	return h, nil
}

// lookup is holderEntry served from the local cache when it names a live
// node other than this one; anything else (a miss, this node, a dead node)
// reads the bucket.
func (n *Node) lookup(ctx context.Context, cpid string) (holder, error) {
	if ce, ok := n.cache.get(cpid); ok && ce.h.Node != n.cfg.NodeID {
		if sl, ok := n.cache.lease(ce.h.Node); ok && sl.l.Boot == ce.h.Boot && time.Since(sl.seen) < n.cfg.LeaseTTL {
			return ce.h, nil
		}
	}
	return n.holderEntry(ctx, cpid)
}
