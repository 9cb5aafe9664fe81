package natsbus

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Lead reports whether this node leads name (e.g. one site's load
// management loop), taking the lead when no node holds it and renewing it
// when this node does. The lead is a key of the leaders bucket holding the
// node's ID, which expires LeaseTTL after its last renewal: a leader must
// call Lead more often than that, and when it dies another node takes over
// within LeaseTTL. Two nodes never both hear true for one name at the same
// time, except that a leader cut off from NATS for longer than LeaseTTL
// only learns it lost the lead on its next call (a NATS error is false).
func (n *Node) Lead(ctx context.Context, name string) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	key := "lead." + name
	me := []byte(n.cfg.NodeID)
	e, err := n.leaders.Get(ctx, key)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		_, err = n.leaders.Create(ctx, key, me)
		if err != nil && !errors.Is(err, jetstream.ErrKeyExists) && ctx.Err() == nil {
			n.log.Warn("natsbus: take the lead", "name", name, "err", err)
		}
		return err == nil
	case err != nil:
		if ctx.Err() == nil {
			n.log.Warn("natsbus: read the lead", "name", name, "err", err)
		}
		return false
	case string(e.Value()) != n.cfg.NodeID:
		return false
	}
	// Renew by compare-and-set: a node that took over in between wins.
	_, err = n.leaders.Update(ctx, key, me, e.Revision())
	return err == nil
}

// Resign gives up the lead of name if this node holds it, so that another
// node takes over at once (a node closing).
func (n *Node) Resign(ctx context.Context, name string) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	key := "lead." + name
	if e, err := n.leaders.Get(ctx, key); err == nil && string(e.Value()) == n.cfg.NodeID {
		_ = n.leaders.Delete(ctx, key, jetstream.LastRevision(e.Revision()))
	}
}
