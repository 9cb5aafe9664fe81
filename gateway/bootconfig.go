package gateway

import "sync"

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

// configCallers is the number of workers that ask booted chargers for their
// configuration or device model (bootQueue). A boot used to start a goroutine of its own
// that asked at once and then held the answer while it waited for a
// configuration slot: in a storm thousands of them (7,220 on a node with
// ~6,200 chargers on line, BENCHMARKS.md session 8), each with its stack
// and the charger's whole configuration. Now a boot queues its connection,
// and at most configCallers answers wait for a slot.
const configCallers = 16

// bootRead is a queued post-boot read: the connection and what to ask it
// (1.6 GetConfiguration, 2.x GetBaseReport).
type bootRead struct {
	c    *conn
	read func(*conn)
}

// bootQueue is the first-in first-out queue of the reads that follow
// boots. A read whose connection ended while queued is skipped.
type bootQueue struct {
	mu     sync.Mutex
	q      []bootRead
	signal chan struct{} // a token while the queue may be non-empty
}

func newBootQueue() *bootQueue { return &bootQueue{signal: make(chan struct{}, 1)} }

func (b *bootQueue) push(c *conn, read func(*conn)) {
	b.mu.Lock()
	b.q = append(b.q, bootRead{c, read})
	b.mu.Unlock()
	select {
	case b.signal <- struct{}{}:
	default:
	}
}

// pop returns the oldest queued read, waiting for one; false once done is
// closed.
func (b *bootQueue) pop(done <-chan struct{}) (bootRead, bool) {
	for {
		b.mu.Lock()
		if len(b.q) > 0 {
			r := b.q[0]
			b.q[0] = bootRead{}
			b.q = b.q[1:]
			more := len(b.q) > 0
			if !more {
				b.q = nil // let the backing array go after a storm
			}
			b.mu.Unlock()
			if more { // pass the token on: another worker may be idle
				select {
				case b.signal <- struct{}{}:
				default:
				}
			}
			return r, true
		}
		b.mu.Unlock()
		select {
		case <-b.signal:
		case <-done:
			return bootRead{}, false
		}
	}
}

// len returns the number of reads queued (Stats.BootReads).
func (b *bootQueue) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.q)
}

// startConfigCallers starts the workers that make the post-boot reads until
// the gateway shuts down.
func (g *Gateway) startConfigCallers() {
	for range configCallers {
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			for {
				r, ok := g.bootQ.pop(g.ctx.Done())
				if !ok {
					return
				}
				if r.c.ctx.Err() == nil {
					r.read(r.c)
				}
			}
		}()
	}
}

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
