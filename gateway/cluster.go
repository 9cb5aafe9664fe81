package gateway

// Release closes the charger's connection on this node because a newer one
// is held by another node (many nodes, natsbus): the charger is not recorded
// offline and no charger.disconnected event is published, since the other
// node recorded it online. Calls waiting on the connection fail with
// ErrConnectionReplaced. It reports whether there was a connection to close.
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
