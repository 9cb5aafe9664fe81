package gateway

// configFetches bounds the configuration writes that follow post-boot
// GetConfiguration calls in flight on a node.
//
// After a restart every charger boots within a minute, and each boot used to
// start its GetConfiguration at once: at 4,000-10,000 chargers thousands of
// configuration transactions then queued for SQLite's one writer
// (store.DB.takeWriter) in front of the chargers' own heartbeats, status
// and meter values, and the answers to those waited behind them (issue 12,
// item 8: p99 17-142 ms, p999 ~1 s after boot). With a few slots the
// configurations are read in the background at the pace the writer allows,
// and a live message waits behind at most configFetches of them.
const configFetches = 4

// takeConfigSlot waits for a post-boot configuration slot; false when the
// connection ended first.
func (c *conn) takeConfigSlot() bool {
	select {
	case c.g.configSlots <- struct{}{}:
		return true
	case <-c.ctx.Done():
		return false
	}
}

func (c *conn) releaseConfigSlot() { <-c.g.configSlots }
