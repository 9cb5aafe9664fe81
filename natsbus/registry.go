package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// holder is a registry entry: the node that holds a charger's connection.
type holder struct {
	Node string    `json:"node"`
	At   time.Time `json:"at"`
}

// Attach gives the node its gateway: commands for chargers connected here
// run on it, and connections taken over by another node are released on it.
// It starts the command inbox, the registry watch and lease renewal.
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
	n.wg.Add(2)
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

// claim records this node as the holder of cpid: a newer connection wins,
// so it overwrites whatever another node holds; that node's watch releases
// its connection.
func (n *Node) claim(cpid string) {
	b, _ := json.Marshal(holder{Node: n.cfg.NodeID, At: time.Now().UTC()})
	ctx, cancel := context.WithTimeout(n.ctx, 5*time.Second)
	defer cancel()
	rev, err := n.chargers.Put(ctx, cpid, b)
	if err != nil {
		// Commands from other nodes cannot reach this charger until the
		// next renewal puts it (renew retries claims that failed).
		n.log.Warn("natsbus: registry claim failed", "cpid", cpid, "err", err)
	}
	n.mu.Lock()
	n.held[cpid] = rev
	n.mu.Unlock()
}

// unclaim removes cpid from the registry if this node still holds it there.
func (n *Node) unclaim(cpid string) {
	n.mu.Lock()
	rev, ok := n.held[cpid]
	delete(n.held, cpid)
	n.mu.Unlock()
	if !ok || rev == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(n.ctx, 5*time.Second)
	defer cancel()
	// Only the revision this node wrote: a newer claim by another node stays.
	_ = n.chargers.Delete(ctx, cpid, jetstream.LastRevision(rev))
}

// renew refreshes the lease of every charger connected here, by revision: a
// revision that moved means another node claimed it since, and the
// connection here is released.
func (n *Node) renew() {
	n.mu.Lock()
	held := make(map[string]uint64, len(n.held))
	for k, v := range n.held {
		held[k] = v
	}
	n.mu.Unlock()
	b, _ := json.Marshal(holder{Node: n.cfg.NodeID, At: time.Now().UTC()})
	for cpid, rev := range held {
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
			n.mu.Lock()
			if cur, ok := n.held[cpid]; ok && cur == rev {
				n.held[cpid] = next
			}
			n.mu.Unlock()
		case errors.Is(err, jetstream.ErrKeyRevisionMismatch):
			// Someone else wrote the key, or it expired (a lease not
			// renewed in time: NATS was away): put it back unless another
			// node holds it now.
			n.reclaim(cpid, rev, b)
		default:
			if n.ctx.Err() == nil {
				n.log.Warn("natsbus: registry renewal failed", "cpid", cpid, "err", err)
			}
		}
	}
}

// reclaim settles a renewal whose revision moved: another node's claim
// wins; an expired or missing entry is claimed again.
func (n *Node) reclaim(cpid string, rev uint64, value []byte) {
	ctx, cancel := context.WithTimeout(n.ctx, 5*time.Second)
	defer cancel()
	holder, err := n.Holder(ctx, cpid)
	if err != nil {
		return // try again at the next renewal
	}
	if holder != "" && holder != n.cfg.NodeID {
		n.takenOver(cpid, rev)
		return
	}
	next, err := n.chargers.Put(ctx, cpid, value)
	if err != nil {
		return
	}
	n.mu.Lock()
	if cur, ok := n.held[cpid]; ok && cur == rev {
		n.held[cpid] = next
	}
	n.mu.Unlock()
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
	rev, ok := n.held[e.Key()]
	n.mu.Unlock()
	if ok && e.Revision() > rev {
		n.takenOver(e.Key(), rev)
	}
}

// takenOver forgets cpid (if still at rev) and closes its connection here.
func (n *Node) takenOver(cpid string, rev uint64) {
	n.mu.Lock()
	cur, ok := n.held[cpid]
	if !ok || cur != rev {
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
	e, err := n.chargers.Get(ctx, cpid)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var h holder
	if err := json.Unmarshal(e.Value(), &h); err != nil {
		return "", err
	}
	return h.Node, nil
}
