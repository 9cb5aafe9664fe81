package gateway

import (
	"sync"
	"time"
)

// limiter counts failed Basic-auth attempts in fixed windows per (identity,
// address) pair, per address and per identity; the package doc explains why
// the identity count only ever blocks pairs that failed themselves.
type limiter struct {
	window                  time.Duration
	pairMax, addrMax, idMax int

	mu    sync.Mutex
	pairs map[pairKey]*counter
	addrs map[string]*counter
	ids   map[string]*counter
}

type pairKey struct{ identity, addr string }

type counter struct {
	n     int
	start time.Time
}

// maxEntries bounds each map; past it expired entries are swept, and if that
// is not enough, arbitrary ones are evicted (the limiter then forgets, it
// never grows without bound).
const maxEntries = 100_000

func newLimiter(window time.Duration, pairMax, addrMax, idMax int) *limiter {
	return &limiter{window: window, pairMax: pairMax, addrMax: addrMax, idMax: idMax,
		pairs: map[pairKey]*counter{}, addrs: map[string]*counter{}, ids: map[string]*counter{}}
}

// blocked returns how long the attempt must wait, 0 if it may go on.
func (l *limiter) blocked(identity, addr string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	pair := l.pairs[pairKey{identity, addr}]
	if w := l.over(pair, l.pairMax, now); w > 0 {
		return w
	}
	if w := l.over(l.addrs[addr], l.addrMax, now); w > 0 {
		return w
	}
	if l.live(pair, now) && pair.n > 0 {
		if w := l.over(l.ids[identity], l.idMax, now); w > 0 {
			return w
		}
	}
	return 0
}

func (l *limiter) live(c *counter, now time.Time) bool {
	return c != nil && now.Sub(c.start) < l.window
}

func (l *limiter) over(c *counter, limit int, now time.Time) time.Duration {
	if !l.live(c, now) || c.n < limit {
		return 0
	}
	return l.window - now.Sub(c.start)
}

// failed counts a failed attempt.
func (l *limiter) failed(identity, addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	incr(l, l.pairs, pairKey{identity, addr}, now)
	incr(l, l.addrs, addr, now)
	incr(l, l.ids, identity, now)
}

// succeeded forgets the pair's failures: the charger knows its password.
func (l *limiter) succeeded(identity, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.pairs, pairKey{identity, addr})
}

func incr[K comparable](l *limiter, m map[K]*counter, k K, now time.Time) {
	c := m[k]
	if !l.live(c, now) {
		if len(m) >= maxEntries {
			sweep(l, m, now)
		}
		c = &counter{start: now}
		m[k] = c
	}
	c.n++
}

func sweep[K comparable](l *limiter, m map[K]*counter, now time.Time) {
	for k, c := range m {
		if !l.live(c, now) {
			delete(m, k)
		}
	}
	for k := range m {
		if len(m) < maxEntries*9/10 {
			return
		}
		delete(m, k)
	}
}
