package gateway

import (
	"context"
	"time"

	volt "github.com/volt-ev/volt"
)

// frameLogger passes every frame in and out to Charging.LogFrames in batches,
// from one background goroutine. add never blocks: when the buffer is full
// the frame is dropped and counted (Stats.FrameLogDrops), and so is a batch
// the store still refuses after frameLogAttempts.
type frameLogger struct {
	g  *Gateway
	ch chan volt.FrameLog
}

func newFrameLogger(g *Gateway) *frameLogger {
	return &frameLogger{g: g, ch: make(chan volt.FrameLog, g.cfg.FrameLogBuffer)}
}

func (l *frameLogger) add(c *conn, direction, action, id string, data []byte) {
	f := volt.FrameLog{CPID: c.cpid, Identity: c.identity, Direction: direction, Action: action, UniqueID: id,
		Frame: string(data), At: l.g.cfg.Now()}
	if direction == "in" {
		f.Flags = frameFlags(data)
	}
	select {
	case l.ch <- f:
	default:
		l.g.stats.frameLogDrops.Add(1)
	}
}

// frameLogAttempts is how often a batch is written before its frames are
// dropped: a database that failed a batch (a pool that gave no connection
// in time, a restart) usually takes it a moment later, and meanwhile new
// frames wait in the buffer. Once the gateway is shutting down, once.
const frameLogAttempts = 4

// write stores batch, trying again after a failure with growing pauses
// (0.25, 0.5, 1 s); what still fails is dropped and counted.
func (l *frameLogger) write(batch []volt.FrameLog) {
	var err error
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(l.g.ctx), 10*time.Second)
		err = l.g.cfg.Charging.LogFrames(ctx, batch)
		cancel()
		if err == nil || (attempt > 1 && volt.ErrorCode(err) == volt.ECONFLICT) {
			// A conflict on a later attempt: the earlier one committed
			// though its answer was lost (the frames' ids are fixed).
			return
		}
		if attempt == frameLogAttempts || l.g.ctx.Err() != nil {
			break
		}
		l.g.log.Warn("gateway: message log write failed, trying again", "frames", len(batch), "attempt", attempt, "err", err)
		t := time.NewTimer(time.Duration(1<<(attempt-1)) * 250 * time.Millisecond)
		select {
		case <-t.C:
		case <-l.g.ctx.Done():
			t.Stop()
		}
	}
	l.g.stats.frameLogDrops.Add(uint64(len(batch)))
	l.g.log.Warn("gateway: message log write failed, frames dropped", "frames", len(batch), "err", err)
}

// run batches frames until the gateway is shut down, then flushes what is
// buffered.
func (l *frameLogger) run() {
	defer l.g.wg.Done()
	max := l.g.cfg.FrameLogBatch
	batch := make([]volt.FrameLog, 0, max)
	tick := time.NewTicker(l.g.cfg.FrameLogFlush)
	defer tick.Stop()
	flush := func() {
		if len(batch) == 0 {
			return
		}
		l.write(batch)
		batch = make([]volt.FrameLog, 0, max) // LogFrames may keep the slice
	}
	for {
		select {
		case f := <-l.ch:
			batch = append(batch, f)
			if len(batch) >= max {
				flush()
			}
		case <-tick.C:
			flush()
		case <-l.g.ctx.Done():
			for {
				select {
				case f := <-l.ch:
					batch = append(batch, f)
					if len(batch) >= max {
						flush()
					}
				default:
					flush()
					return
				}
			}
		}
	}
}
