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
	m.periodic(ctx, "socket-fees", time.Hour, func(ctx context.Context) {
		n, err := fees.RunSocketFees(volt.NewContextWithActor(ctx, volt.SystemActor), time.Now())
		if err != nil && ctx.Err() == nil {
			m.Logger.Error("socket fee job", "statements", n, "err", err)
		} else if n > 0 {
			m.Logger.Info("socket fee statements written", "count", n)
		}
	})
}
