package natsbus

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	volt "github.com/volt-ev/volt"
)

// Outbox is the store's event outbox (store.DB.RelayOutbox,
// RelayStaleOutbox and DeleteOutbox).
type Outbox interface {
	// RelayOutbox relays this node's rows written at least age ago.
	RelayOutbox(ctx context.Context, age time.Duration, limit int, publish func(ctx context.Context, ids []int64, events []volt.Event) error) (int, error)
	// RelayStaleOutbox relays any node's rows older than age.
	RelayStaleOutbox(ctx context.Context, age time.Duration, limit int, publish func(ctx context.Context, ids []int64, events []volt.Event) error) (int, error)
	// DeleteOutbox deletes rows the stream acknowledged.
	DeleteOutbox(ctx context.Context, ids []int64) error
}

// relayBatch is the most events one relay round publishes.
const relayBatch = 256

// staleAge is how old an outbox row gets before any node relays it, not
// only the node that wrote it; staleEvery how often each node looks for
// such rows. A node that dies has its last events relayed within about
// staleAge + staleEvery.
const (
	staleAge   = 10 * time.Second
	staleEvery = 2 * time.Second
)

// missedAge is how old a node's own row gets before its poll reads it from
// the table: one whose hand-over never came (a commit that reported an
// error yet committed) or was dropped (maxHanded).
const missedAge = 5 * time.Second

// maxHanded bounds the events handed over and not yet published; beyond it
// they wait in the table, and the relay reads it until it caught up.
const maxHanded = 20000

// deleteAfter is how long the rows of published hand-overs wait to be
// deleted together, and deleteBatch how many make the relay delete at once.
// One DELETE per commit had been the most expensive statement on PostgreSQL
// at 9,000 chargers (14-16 % of its execution time): deleting a few dozen
// rows costs about what deleting one does. A row published and not yet deleted
// when the node dies is published again by the stale sweep, and the stream
// drops the copy by its message id.
const (
	deleteAfter = 250 * time.Millisecond
	deleteBatch = 500
)

// Relay publishes the outbox to the stream until Close. Each node relays the
// rows it wrote, with no lock between the nodes. In steady state the store
// hands each commit's rows over (Committed) and the relay publishes them
// from memory, then deletes them in one statement: no transaction and no
// read of the table per commit. The table stays the record: the relay reads
// it (oldest first) at start, after a failure and after a hand-over was
// dropped, until it caught up; every poll for this node's rows the
// hand-over missed; and every staleEvery for any node's rows older than
// staleAge (a dead node's, or one cut off from NATS). A row is deleted only
// after JetStream acknowledged it, together with the others published within
// deleteAfter, and before the relay reads the table; its message id lets
// JetStream drop the copy a retried batch or a second relay sends again.
// While NATS is down rows pile up in the table and leave in order when it
// returns.
type Relay struct {
	n    *Node
	wake chan struct{}

	mu      sync.Mutex
	ids     []int64 // handed over, not yet published
	events  []volt.Event
	dropped bool // a hand-over did not fit: read the table

	// published holds the ids of published hand-overs whose rows wait to
	// be deleted (deleteAfter); only the relay's goroutine touches it.
	published []int64

	failures   atomic.Int64 // relay rounds that failed
	fromMemory atomic.Int64 // hand-overs published from memory
}

// StartRelay starts relaying outbox to the stream.
func (n *Node) StartRelay(outbox Outbox, poll time.Duration) *Relay {
	return n.startRelay(outbox, poll, deleteAfter)
}

// startRelay is StartRelay with the wait before published rows are deleted.
func (n *Node) startRelay(outbox Outbox, poll, deleteWait time.Duration) *Relay {
	if poll <= 0 {
		poll = time.Second
	}
	r := &Relay{n: n, wake: make(chan struct{}, 1)}
	r.Wake() // what an earlier run left, at once
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		t := time.NewTicker(poll)
		defer t.Stop()
		staleT := time.NewTicker(staleEvery)
		defer staleT.Stop()
		// deleteT runs while published rows wait to be deleted.
		deleteT := time.NewTimer(deleteWait)
		deleteT.Stop()
		deleteArmed := false
		failing := false
		behind := true // rows of an earlier run of this node may wait
		for {
			stale, tick, flush := false, false, false
			select {
			case <-n.ctx.Done():
				// The node stops: delete what was published, or the
				// next start publishes it again (and the stream drops
				// the copies).
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				_ = r.deletePublished(ctx, outbox)
				cancel()
				return
			case <-r.wake:
			case <-t.C:
				tick = true
			case <-staleT.C:
				stale = true
			case <-deleteT.C:
				deleteArmed, flush = false, true
			}
			if r.takeDropped() {
				behind = true
			}
			var err error
			switch {
			case flush:
				err = r.deletePublished(n.ctx, outbox)
			case stale: // any node's old rows
				err = r.drain(outbox.RelayStaleOutbox, staleAge)
			case behind: // the table first, then the hand-overs
				handed := r.handedLen()
				if err = r.deletePublished(n.ctx, outbox); err == nil {
					err = r.drain(outbox.RelayOutbox, 0)
				}
				if err == nil {
					behind = false
					// Those handed over before the table was read were
					// in it, and relayed with it.
					r.forget(handed)
					err = r.publishHanded(outbox)
				}
			default:
				err = r.publishHanded(outbox)
				if err == nil && tick && r.handedLen() == 0 {
					if err = r.deletePublished(n.ctx, outbox); err == nil {
						err = r.drain(outbox.RelayOutbox, missedAge)
					}
				}
			}
			if len(r.published) > 0 && !deleteArmed {
				deleteT.Reset(deleteWait)
				deleteArmed = true
			}
			if err != nil {
				r.failures.Add(1)
				if !failing && n.ctx.Err() == nil {
					n.log.Warn("natsbus: outbox relay failing; events wait in the outbox", "err", err)
				}
				failing, behind = true, true
				continue
			}
			if failing && !stale && !flush { // a sweep or a delete proves nothing
				n.log.Info("natsbus: outbox relay caught up again")
				failing = false
			}
		}
	}()
	return r
}

// Committed takes the outbox rows of a commit (store.DB.EnableOutbox). It
// never blocks.
func (r *Relay) Committed(ids []int64, events []volt.Event) {
	r.mu.Lock()
	if len(r.ids)+len(ids) > maxHanded {
		r.dropped = true
	} else {
		r.ids = append(r.ids, ids...)
		r.events = append(r.events, events...)
	}
	r.mu.Unlock()
	r.Wake()
}

func (r *Relay) handedLen() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ids)
}

func (r *Relay) takeDropped() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.dropped
	r.dropped = false
	return d
}

// forget drops the first k handed-over events.
func (r *Relay) forget(k int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k = min(k, len(r.ids))
	r.ids = append(r.ids[:0:0], r.ids[k:]...)
	r.events = append(r.events[:0:0], r.events[k:]...)
}

// publishHanded publishes the handed-over events, relayBatch at a time; their
// rows are deleted later (deletePublished). On a failure the rest are
// dropped from memory: they wait in the table, which the relay reads next
// (behind).
func (r *Relay) publishHanded(outbox Outbox) error {
	for r.n.ctx.Err() == nil {
		r.mu.Lock()
		k := min(len(r.ids), relayBatch)
		ids, events := r.ids[:k:k], r.events[:k:k]
		r.ids, r.events = r.ids[k:], r.events[k:]
		r.mu.Unlock()
		if k == 0 {
			return nil
		}
		if err := r.publish(r.n.ctx, ids, events); err != nil {
			r.forget(maxHanded)
			return err
		}
		r.published = append(r.published, ids...)
		r.fromMemory.Add(int64(k))
		if len(r.published) >= deleteBatch {
			if err := r.deletePublished(r.n.ctx, outbox); err != nil {
				r.forget(maxHanded)
				return err
			}
		}
	}
	return nil
}

// deletePublished deletes the rows of the published hand-overs. On a
// failure they stay in the table and are published again from it; the
// stream drops the copies by their message ids.
func (r *Relay) deletePublished(ctx context.Context, outbox Outbox) error {
	if len(r.published) == 0 {
		return nil
	}
	ids := r.published
	r.published = nil
	return outbox.DeleteOutbox(ctx, ids)
}

// drain relays rows through relay (the table) until a round finds fewer
// than relayBatch.
func (r *Relay) drain(relay func(context.Context, time.Duration, int, func(context.Context, []int64, []volt.Event) error) (int, error), age time.Duration) error {
	for r.n.ctx.Err() == nil {
		k, err := relay(r.n.ctx, age, relayBatch, r.publish)
		if err != nil {
			return err
		}
		if k < relayBatch {
			return nil
		}
	}
	return nil
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
