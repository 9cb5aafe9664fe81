package gateway

import (
	"context"
	"time"

	volt "github.com/volt-ev/volt"
)

// frameLogger passes every frame in and out to Charging.LogFrames in batches,
// from one background goroutine. add never blocks: when the buffer is full
// the frame is dropped and counted (Stats.FrameLogDrops).
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
		ctx, cancel := context.WithTimeout(context.WithoutCancel(l.g.ctx), 10*time.Second)
		if err := l.g.cfg.Charging.LogFrames(ctx, batch); err != nil {
			l.g.stats.frameLogDrops.Add(uint64(len(batch)))
			l.g.log.Warn("gateway: message log write failed, frames dropped", "frames", len(batch), "err", err)
		}
		cancel()
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
