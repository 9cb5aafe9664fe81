package store

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/volt-ev/volt"
)

// meterBatcher groups concurrent RecordMeterValues calls into shared
// transactions (group commit): one commit, one fsync, for many messages,
// which is what lets a node persist thousands of MeterValues a second. Each
// caller still waits for the commit of its own message, so an answer to a
// charger always means the samples are stored.
type meterBatcher struct {
	svc      *ChargingService
	in       chan *meterCall
	maxBatch int
	wg       sync.WaitGroup
	stopOnce sync.Once
	done     chan struct{}
}

type meterCall struct {
	ctx   context.Context
	r     volt.MeterReport
	sess  *volt.Session
	err   error
	reply chan struct{}
}

// StartMeterBatching makes RecordMeterValues share transactions between
// concurrent calls: workers goroutines each commit up to maxBatch messages at
// a time. The returned function stops batching, after the messages already
// queued are written.
func (s *ChargingService) StartMeterBatching(workers, maxBatch int) (stop func()) {
	b := &meterBatcher{svc: s, in: make(chan *meterCall, workers*maxBatch), maxBatch: max(maxBatch, 1), done: make(chan struct{})}
	for range max(workers, 1) {
		b.wg.Add(1)
		go b.run()
	}
	s.batcher.Store(b)
	return func() {
		b.stopOnce.Do(func() {
			s.batcher.CompareAndSwap(b, nil)
			close(b.done)
			b.wg.Wait()
		})
	}
}

// record queues r and waits for its transaction to commit.
func (b *meterBatcher) record(ctx context.Context, r volt.MeterReport) (*volt.Session, error) {
	c := &meterCall{ctx: ctx, r: r, reply: make(chan struct{})}
	select {
	case b.in <- c:
	case <-b.done:
		return b.svc.recordMeterAlone(ctx, r)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case <-c.reply:
		return c.sess, c.err
	case <-ctx.Done():
		// The message may still be written: a charger resending it is
		// harmless (readings not newer than the last change nothing).
		return nil, ctx.Err()
	}
}

func (b *meterBatcher) run() {
	defer b.wg.Done()
	for {
		var first *meterCall
		select {
		case first = <-b.in:
		case <-b.done:
			for { // write what is queued, then stop
				select {
				case c := <-b.in:
					b.flush([]*meterCall{c})
				default:
					return
				}
			}
		}
		batch := []*meterCall{first}
	fill:
		for len(batch) < b.maxBatch {
			select {
			case c := <-b.in:
				batch = append(batch, c)
			default:
				break fill
			}
		}
		b.flush(batch)
	}
}

// flush writes a batch in one transaction, its messages in charger order (a
// fixed lock order across workers; messages of one charger keep their
// order). If the batch fails, each message is retried alone so that one bad
// message cannot fail the others.
func (b *meterBatcher) flush(batch []*meterCall) {
	slices.SortStableFunc(batch, func(x, y *meterCall) int { return cmp.Compare(x.r.CPID, y.r.CPID) })
	ctx := context.Background() // the batch outlives any one caller's context
	err := b.svc.db.WithTx(ctx, func(tx *Tx) error {
		for _, c := range batch {
			sess, err := b.svc.recordMeter(ctx, tx, c.r)
			if err != nil {
				return err
			}
			c.sess = sess
		}
		return nil
	})
	for _, c := range batch {
		if err != nil {
			c.sess, c.err = b.svc.recordMeterAlone(ctx, c.r)
		}
		close(c.reply)
	}
}
