package natsbus

import (
	"sync"
	"time"
)

// registryCache is a node's copy of the registry and of the nodes' leases,
// kept by watching both buckets, so that a command is routed without a
// JetStream round trip (Node.lookup).
type registryCache struct {
	mu      sync.RWMutex
	entries map[string]cachedEntry          // CPID → entry
	byRun   map[nodeRun]map[string]struct{} // a node's run → its CPIDs
	leases  map[string]seenLease            // node → its lease
}

// nodeRun is one run of a node: its name and boot.
type nodeRun struct{ node, boot string }

type cachedEntry struct {
	h   holder
	rev uint64
}

type seenLease struct {
	l    nodeLease
	seen time.Time // when it was last renewed, as far as this node knows
}

func newRegistryCache() *registryCache {
	return &registryCache{entries: map[string]cachedEntry{}, byRun: map[nodeRun]map[string]struct{}{}, leases: map[string]seenLease{}}
}

func (c *registryCache) put(cpid string, h holder, rev uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unindex(cpid)
	c.entries[cpid] = cachedEntry{h: h, rev: rev}
	r := nodeRun{h.Node, h.Boot}
	m := c.byRun[r]
	if m == nil {
		m = map[string]struct{}{}
		c.byRun[r] = m
	}
	m[cpid] = struct{}{}
}

func (c *registryCache) del(cpid string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unindex(cpid)
	delete(c.entries, cpid)
}

func (c *registryCache) unindex(cpid string) {
	old, ok := c.entries[cpid]
	if !ok {
		return
	}
	r := nodeRun{old.h.Node, old.h.Boot}
	if m := c.byRun[r]; m != nil {
		delete(m, cpid)
		if len(m) == 0 {
			delete(c.byRun, r)
		}
	}
}

func (c *registryCache) get(cpid string) (cachedEntry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.entries[cpid]
	return e, ok
}

// runsHolding lists the node runs named by at least one entry.
func (c *registryCache) runsHolding() []nodeRun {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]nodeRun, 0, len(c.byRun))
	for r := range c.byRun {
		out = append(out, r)
	}
	return out
}

// entriesOf copies the entries naming the run r.
func (c *registryCache) entriesOf(r nodeRun) map[string]cachedEntry {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make(map[string]cachedEntry, len(c.byRun[r]))
	for cpid := range c.byRun[r] {
		out[cpid] = c.entries[cpid]
	}
	return out
}

func (c *registryCache) putLease(node string, l nodeLease, seen time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.leases[node] = seenLease{l: l, seen: seen}
}

func (c *registryCache) delLease(node string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sl, ok := c.leases[node]; ok {
		sl.seen = time.Time{} // gone: keep its last renewal for the sweep
		c.leases[node] = sl
	}
}

func (c *registryCache) lease(node string) (seenLease, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	sl, ok := c.leases[node]
	return sl, ok
}
