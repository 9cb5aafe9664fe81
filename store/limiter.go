package store

import (
	"sync"
	"time"
)

// LoginLimiter counts failed logins per key (an email, a client address) and
// says when a key is locked out. The in-memory MemoryLimiter serves one node;
// a shared implementation (NATS KV) can replace it when scaling out.
type LoginLimiter interface {
	// Allowed reports whether key may try again at now.
	Allowed(key string, now time.Time) bool
	// Failed records a failed attempt of key at now.
	Failed(key string, now time.Time)
	// Succeeded forgets the failures of key.
	Succeeded(key string)
}

// MemoryLimiter locks a key out after Max failures within Window: a sliding
// window over the failure times.
type MemoryLimiter struct {
	Max    int
	Window time.Duration

	mu    sync.Mutex
	fails map[string][]time.Time
	sweep time.Time
}

// NewMemoryLimiter returns a limiter allowing max failures per window.
func NewMemoryLimiter(max int, window time.Duration) *MemoryLimiter {
	return &MemoryLimiter{Max: max, Window: window, fails: map[string][]time.Time{}}
}

// recent returns the failures of key still within the window at now.
func (l *MemoryLimiter) recent(key string, now time.Time) []time.Time {
	ts := l.fails[key]
	i := 0
	for i < len(ts) && !ts[i].After(now.Add(-l.Window)) {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, key)
		return nil
	}
	l.fails[key] = ts
	return ts
}

// Allowed implements LoginLimiter.
func (l *MemoryLimiter) Allowed(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(key, now)) < l.Max
}

// Failed implements LoginLimiter.
func (l *MemoryLimiter) Failed(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := append(l.recent(key, now), now)
	if len(ts) > l.Max {
		ts = ts[len(ts)-l.Max:]
	}
	l.fails[key] = ts
	if now.Sub(l.sweep) > l.Window {
		l.sweep = now
		for k := range l.fails {
			l.recent(k, now)
		}
	}
}

// Succeeded implements LoginLimiter.
func (l *MemoryLimiter) Succeeded(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}
