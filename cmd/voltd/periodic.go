package main

import (
	"context"
	"time"
)

// periodic runs job at start and then every period until Volt closes, on
// one node of a cluster per period (m.once: the first node to claim
// name for the period runs it; a single node always does). The context
// job gets outlives the request that started Volt and is canceled at
// close, which waits for a run in progress to return.
func (m *Main) periodic(ctx context.Context, name string, every time.Duration, job func(context.Context)) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	m.onClose(func(context.Context) error { cancel(); <-done; return nil })
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if m.once(ctx, name, every) {
				job(ctx)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}
