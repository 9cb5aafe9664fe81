package gateway

import (
	"context"
	"time"
)

// Release closes the charger's connection on this node because a newer one
// is held by another node (many nodes, natsbus): the charger is not recorded
// offline and no charger.disconnected event is published, since the other
// node recorded it online. Calls waiting on the connection fail with
// ErrConnectionReplaced. It reports whether there was a connection to close.
//
// A connection that drops on its own on the old node just after the charger
// connected to a new one does not record it offline there: the store fences
// connection records (FencedConnections).
func (g *Gateway) Release(cpid, reason string) bool {
	g.mu.Lock()
	s := g.slots[cpid]
	var c *conn
	if s != nil && s.conn != nil {
		c = s.conn
		s.conn = nil // unregister sees it is no longer current
	}
	g.mu.Unlock()
	if c == nil {
		return false
	}
	g.stats.replaced.Add(1)
	c.closeWith(closeReplaced, reason, ErrConnectionReplaced)
	return true
}

// ShareAuth has every charger authentication outcome on this node passed to
// f (many nodes: f publishes it to the other nodes, which apply it with
// RemoteAuth), so the auth failure limiter counts across the cluster. f must
// not block.
func (g *Gateway) ShareAuth(f func(identity, remote string, ok bool)) { g.shared.Store(&f) }

func (g *Gateway) shareAuth(identity, remote string, ok bool) {
	if f := g.shared.Load(); f != nil {
		(*f)(identity, remote, ok)
	}
}

// RemoteAuth applies an authentication outcome seen by another node to this
// node's failure limiter.
func (g *Gateway) RemoteAuth(identity, remote string, ok bool) {
	if ok {
		g.limiter.succeeded(identity, remote)
		return
	}
	g.limiter.failed(identity, remote, time.Now())
}

// FencedConnections is a ChargingService that fences connection records
// (store.ChargingService is one): every recorded connection gets a fence
// that grows across nodes, and a disconnection is recorded only with the
// fence of the newest connection. Without it the gateway records
// connections with RecordConnection, unfenced (one node).
type FencedConnections interface {
	RecordConnected(ctx context.Context, cpid, ocppVersion string, at time.Time) (int64, error)
	RecordDisconnected(ctx context.Context, cpid string, fence int64, at time.Time) (bool, error)
}

// recordConnected records c online and keeps its fence.
func (g *Gateway) recordConnected(c *conn, at time.Time) error {
	f, ok := g.cfg.Charging.(FencedConnections)
	if !ok {
		return g.cfg.Charging.RecordConnection(g.ctx, c.cpid, true, string(c.proto.version), at)
	}
	fence, err := f.RecordConnected(g.ctx, c.cpid, string(c.proto.version), at)
	if err != nil {
		return err
	}
	c.fence = fence
	return nil
}

// recordDisconnected records c offline unless a newer connection of the
// charger was recorded since (on any node): false then, and nothing is
// published.
func (g *Gateway) recordDisconnected(ctx context.Context, c *conn, at time.Time) (bool, error) {
	f, ok := g.cfg.Charging.(FencedConnections)
	if !ok || c.fence == 0 {
		return true, g.cfg.Charging.RecordConnection(ctx, c.cpid, false, string(c.proto.version), at)
	}
	recorded, err := f.RecordDisconnected(ctx, c.cpid, c.fence, at)
	if err == nil && !recorded {
		g.log.Info("gateway: disconnection of a superseded connection not recorded", "cpid", c.cpid, "fence", c.fence)
	}
	return recorded, err
}

// ConnectionFence returns the connection's fence, for the cluster registry
// (natsbus orders claims by it).
func (s ConnectionState) ConnectionFence() int64 { return s.Fence }
