package main

import (
	"context"
	"time"

	volt "github.com/volt-ev/volt"
)

// startSocketFees runs the socket fee job at start and then every hour
// (issue 17 item 1): for every CPO with a socket fee, the last whole period
// (month or year, as set) is billed if it has no statement yet. On a
// cluster one node runs each hour (Node.Once); the store claims the
// statement row before billing, so even two runs at once bill a period
// once. A super admin re-runs a period with POST /api/v1/socket-fee-statements.
func (m *Main) startSocketFees(ctx context.Context, fees volt.SocketFeeService) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	m.onClose(func(context.Context) error { cancel(); <-done; return nil })
	sys := volt.NewContextWithActor(ctx, volt.SystemActor)
	go func() {
		defer close(done)
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			if m.once(ctx, "socket-fees", time.Hour) {
				n, err := fees.RunSocketFees(sys, time.Now())
				if err != nil && ctx.Err() == nil {
					m.Logger.Error("socket fee job", "statements", n, "err", err)
				} else if n > 0 {
					m.Logger.Info("socket fee statements written", "count", n)
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}
