package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

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
}

// lease is this node's registry entry of one connection: rev is the
// revision it last wrote, 0 while the claim waits in the queue.
type lease struct {
	rev   atomic.Uint64
	fence int64 // the connection's fence; 0 when the store does not fence
}

func (l *lease) revision() uint64 { return l.rev.Load() }

// leaseOp is a claim or a release queued for the lease worker.
type leaseOp struct {
	cpid  string
	l     *lease
	claim bool
	done  chan struct{} // a marker: closed when the ops before it are applied
}

// leaseQueue bounds the queued claims and releases. Past it an op is
// dropped: a claim is retried by the next renewal (its revision is 0), a
// release leaves an entry that expires with its TTL (commands forwarded
// meanwhile are answered offline at once).
const leaseQueue = 1 << 14

// Attach gives the node its gateway: commands for chargers connected here
// run on it, and connections taken over by another node are released on it.
// It starts the command inbox, the registry watch, the lease worker and
// lease renewal.
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
	w, err := n.chargers.WatchAll(n.ctx, jetstream.UpdatesOnly())
	if err != nil {
		return err
	}
	n.wg.Add(3)
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
					n.onRegistryEntry(e)
				}
			}
		}
	}()
	go func() {
		defer n.wg.Done()
		n.leaseWorker()
	}()
	go func() {
		defer n.wg.Done()
		t := time.NewTicker(n.cfg.LeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-n.ctx.Done():
				return
			case <-t.C:
				n.renew()
			}
		}
	}()
	return nil
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
	select {
	case n.ops <- op:
	default:
		n.log.Warn("natsbus: registry queue full; left to renewal and expiry", "cpid", op.cpid, "claim", op.claim)
	}
}

// settled waits until the claims and releases queued before it are applied
// (tests).
func (n *Node) settled() {
	done := make(chan struct{})
	n.ops <- leaseOp{done: done}
	<-done
}

// leaseWorker applies claims and releases in the order connections came
// and went, so the OCPP path never waits on NATS.
func (n *Node) leaseWorker() {
	for {
		select {
		case <-n.ctx.Done():
			return
		case op := <-n.ops:
			if op.done != nil {
				close(op.done)
				continue
			}
			ctx, cancel := context.WithTimeout(n.ctx, 5*time.Second)
			if op.claim {
				rev, stale, err := n.put(ctx, op.cpid, op.l)
				switch {
				case err != nil:
					// Commands from other nodes cannot reach this charger
					// until the next renewal puts it.
					n.log.Warn("natsbus: registry claim failed", "cpid", op.cpid, "err", err)
				case stale:
					n.takenOver(op.cpid, op.l)
				default:
					op.l.rev.Store(rev)
				}
			} else if rev := op.l.revision(); rev != 0 {
				// Only the revision this node wrote: a newer claim by
				// another node stays.
				_ = n.chargers.Delete(ctx, op.cpid, jetstream.LastRevision(rev))
			}
			cancel()
		}
	}
}

// renew refreshes the lease of every charger connected here, by revision.
// A claim that failed is put again; a revision that moved is settled by
// reclaim.
func (n *Node) renew() {
	n.mu.Lock()
	held := make(map[string]*lease, len(n.held))
	for k, v := range n.held {
		held[k] = v
	}
	n.mu.Unlock()
	for cpid, l := range held {
		b := n.value(l)
		rev := l.revision()
		ctx, cancel := context.WithTimeout(n.ctx, 5*time.Second)
		var next uint64
		var err error
		if rev == 0 {
			next, err = n.chargers.Put(ctx, cpid, b)
		} else {
			next, err = n.chargers.Update(ctx, cpid, b, rev)
		}
		cancel()
		switch {
		case err == nil:
			l.rev.CompareAndSwap(rev, next)
		case errors.Is(err, jetstream.ErrKeyRevisionMismatch):
			// Someone else wrote the key, or it expired (a lease not
			// renewed in time: NATS was away): put it back unless another
			// node holds it now.
			n.reclaim(cpid, l, rev)
		default:
			if n.ctx.Err() == nil {
				n.log.Warn("natsbus: registry renewal failed", "cpid", cpid, "err", err)
			}
		}
	}
}

// reclaim settles a renewal whose revision moved: a newer connection on
// another node wins; an expired or missing entry, or an older connection's,
// is claimed again.
func (n *Node) reclaim(cpid string, l *lease, rev uint64) {
	ctx, cancel := context.WithTimeout(n.ctx, 5*time.Second)
	defer cancel()
	next, stale, err := n.put(ctx, cpid, l)
	switch {
	case err != nil:
		// try again at the next renewal
	case stale:
		n.takenOver(cpid, l)
	default:
		l.rev.CompareAndSwap(rev, next)
	}
}

// value is this node's registry entry for l.
func (n *Node) value(l *lease) []byte {
	b, _ := json.Marshal(holder{Node: n.cfg.NodeID, At: time.Now().UTC(), Fence: l.fence, Proto: ClusterProtocol})
	return b
}

// put writes l's claim by compare-and-set unless the entry holds a newer
// connection (stale: the caller closes its own). It retries when another
// write came in between.
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

// onRegistryEntry releases the connection here when another node claimed
// the charger after this node did.
func (n *Node) onRegistryEntry(e jetstream.KeyValueEntry) {
	if e.Operation() != jetstream.KeyValuePut {
		return
	}
	var h holder
	if json.Unmarshal(e.Value(), &h) != nil || h.Node == n.cfg.NodeID {
		return
	}
	n.mu.Lock()
	l, ok := n.held[e.Key()]
	n.mu.Unlock()
	if !ok {
		return
	}
	if h.Fence != 0 && l.fence != 0 {
		// Fenced: whichever connection the store recorded last wins, in
		// whatever order the claims reached the bucket. An older claim
		// that overwrote this node's is overwritten again at once.
		if h.Fence > l.fence {
			n.takenOver(e.Key(), l)
		} else if h.Fence < l.fence {
			n.enqueue(leaseOp{cpid: e.Key(), l: l, claim: true}) // put ours back now
		}
		return
	}
	// A claim still queued here (revision 0) is newer than what the watch
	// shows: it will overwrite it.
	if l.revision() != 0 && e.Revision() > l.revision() {
		n.takenOver(e.Key(), l)
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

// Holder returns the node holding cpid's connection, "" when none.
func (n *Node) Holder(ctx context.Context, cpid string) (string, error) {
	h, err := n.holderEntry(ctx, cpid)
	return h.Node, err
}
