package gateway

import "time"

// Release closes the charger's connection on this node because a newer one
// is held by another node (many nodes, natsbus): the charger is not recorded
// offline and no charger.disconnected event is published, since the other
// node recorded it online. Calls waiting on the connection fail with
// ErrConnectionReplaced. It reports whether there was a connection to close.
//
// TODO(issue 12): a connection that drops on its own on the old node just
// after the charger connected to a new one still records it offline there
// (after the new node recorded it online); a fencing value checked by the
// store on RecordConnection would settle it (LESSONS 38, 43).
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
