package natsbus

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	volt "github.com/volt-ev/volt"
)

// Outbox is the store's event outbox (store.DB.RelayOutbox and
// RelayStaleOutbox).
type Outbox interface {
	// RelayOutbox relays this node's rows.
	RelayOutbox(ctx context.Context, limit int, publish func(ctx context.Context, ids []int64, events []volt.Event) error) (int, error)
	// RelayStaleOutbox relays any node's rows older than age.
	RelayStaleOutbox(ctx context.Context, age time.Duration, limit int, publish func(ctx context.Context, ids []int64, events []volt.Event) error) (int, error)
}

// relayBatch is the most events one relay transaction publishes.
const relayBatch = 256

// staleAge is how old an outbox row gets before any node relays it, not
// only the node that wrote it; staleEvery how often each node looks for
// such rows. A node that dies has its last events relayed within about
// staleAge + staleEvery.
const (
	staleAge   = 10 * time.Second
	staleEvery = 2 * time.Second
)

// Relay publishes the outbox to the stream until Close. Each node relays the
// rows it wrote: at once when Wake is called (a commit wrote events), and
// every poll in case a wake was missed; every staleEvery it also relays any
// node's rows older than staleAge (a dead node's, or one cut off from NATS).
// So the nodes relay side by side, with no lock between them. A row is
// deleted only after JetStream acknowledged it; a message id per row lets
// JetStream drop the copy a retried batch or a second relay sends again.
// While NATS is down rows pile up and leave in order when it returns.
type Relay struct {
	n    *Node
	wake chan struct{}
}

// StartRelay starts relaying outbox to the stream.
func (n *Node) StartRelay(outbox Outbox, poll time.Duration) *Relay {
	if poll <= 0 {
		poll = time.Second
	}
	r := &Relay{n: n, wake: make(chan struct{}, 1)}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		t := time.NewTicker(poll)
		defer t.Stop()
		staleT := time.NewTicker(staleEvery)
		defer staleT.Stop()
		failing := false
		for {
			stale := false // this round relays any node's old rows, not this node's
			select {
			case <-n.ctx.Done():
				return
			case <-r.wake:
			case <-t.C:
			case <-staleT.C:
				stale = true
			}
			for n.ctx.Err() == nil {
				var k int
				var err error
				if stale {
					k, err = outbox.RelayStaleOutbox(n.ctx, staleAge, relayBatch, r.publish)
				} else {
					k, err = outbox.RelayOutbox(n.ctx, relayBatch, r.publish)
				}
				if err != nil {
					if !failing && n.ctx.Err() == nil {
						n.log.Warn("natsbus: outbox relay failing; events wait in the outbox", "err", err)
					}
					failing = true
					break
				}
				if failing {
					n.log.Info("natsbus: outbox relay caught up again")
					failing = false
				}
				if k < relayBatch {
					break
				}
			}
		}
	}()
	return r
}

// errDuplicateInProcess is JetStream's "duplicate message id is in
// process": another message with the same id is being stored.
const errDuplicateInProcess jetstream.ErrorCode = 10158

func inProcess(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == errDuplicateInProcess
}

// publishAgain publishes msg synchronously until the stream stored it or
// knows it as a duplicate.
func (r *Relay) publishAgain(ctx context.Context, msg *nats.Msg) error {
	var err error
	for range 20 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
		if _, err = r.n.js.PublishMsg(ctx, &nats.Msg{Subject: msg.Subject, Data: msg.Data, Header: msg.Header}); err == nil || !inProcess(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("publish %s: %w", msg.Subject, err)
	}
	return nil
}

// Wake asks the relay to run now. It never blocks.
func (r *Relay) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *Relay) publish(ctx context.Context, ids []int64, events []volt.Event) error {
	acks := make([]jetstream.PubAckFuture, 0, len(events))
	for i, e := range events {
		b, id, err := encodeEvent(e)
		if err != nil {
			return err
		}
		if id == "" {
			// The row id and its time: unique per row, the same when a
			// batch is sent again after a failed commit.
			id = "outbox-" + strconv.FormatInt(ids[i], 10) + "-" + strconv.FormatInt(e.At.UnixMilli(), 10)
		}
		msg := &nats.Msg{Subject: subject(e.Type), Data: b, Header: nats.Header{}}
		msg.Header.Set(jetstream.MsgIDHeader, id)
		f, err := r.n.js.PublishMsgAsync(msg)
		if err != nil {
			return fmt.Errorf("publish %s: %w", e.Type, err)
		}
		acks = append(acks, f)
	}
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for _, f := range acks {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			if !inProcess(err) {
				return fmt.Errorf("publish %s: %w", f.Msg().Subject, err)
			}
			// Another copy of this event (a second relay's, or the
			// gateway's where Config.Direct lets it through) is being
			// stored right now: ask again until the stream answers (a
			// duplicate is a success).
			if err := r.publishAgain(ctx, f.Msg()); err != nil {
				return err
			}
		case <-timeout.C:
			return fmt.Errorf("publish: no acknowledgement within 10s")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
