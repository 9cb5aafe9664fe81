package natsbus

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Once reports whether this node runs the job name for the period that
// holds now (periods are aligned on the Unix epoch, at most 24 h): the
// first node to create the key job.<name>.<period start> in the jobs bucket
// wins, and the key lives longer than the period, so every other node is
// told false. A node that wins and then dies skips that period: scheduled
// jobs are idempotent sweeps that the next period catches up. A NATS error
// is false too (better a period skipped than run twice).
func (n *Node) Once(ctx context.Context, name string, period time.Duration, now time.Time) bool {
	start := now.UTC().Truncate(period)
	key := "job." + name + "." + strconv.FormatInt(start.Unix(), 10)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := n.jobs.Create(ctx, key, []byte(n.cfg.NodeID))
	if err == nil {
		return true
	}
	if !errors.Is(err, jetstream.ErrKeyExists) && ctx.Err() == nil {
		n.log.Warn("natsbus: job lease", "job", name, "err", err)
	}
	return false
}
