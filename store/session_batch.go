package store

import (
	"cmp"
	"context"
	"fmt"
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
	reports := make([]volt.MeterReport, len(batch))
	for i, c := range batch {
		reports[i] = c.r
	}
	err := b.svc.db.WithTx(ctx, func(tx *Tx) error {
		mb, err := b.svc.readAhead(ctx, tx, reports)
		if err != nil {
			return err
		}
		for _, c := range batch {
			sess, err := b.svc.recordMeter(ctx, tx, c.r, mb)
			if err != nil {
				return err
			}
			c.sess = sess
		}
		return b.svc.writeSessions(ctx, tx, mb)
	})
	for _, c := range batch {
		if err != nil {
			c.sess, c.err = b.svc.recordMeterAlone(ctx, c.r)
		}
		close(c.reply)
	}
}

// meterBatch is what one transaction of several MeterValues messages shares:
// the sessions of their transactions, read ahead in one statement, and the
// sessions they changed, written once at the end. A session the batch
// touches twice is the same in-memory row both times.
type meterBatch struct {
	byTx    map[sessionTxKey]*sessionRow // read ahead; nil value: no such session
	byID    map[string]*sessionRow
	changed []*sessionRow // in first-change order
	isDirty map[string]bool
}

type sessionTxKey struct {
	cpid string
	tx   int64
}

func (mb *meterBatch) has(cpid string, tx int64) bool {
	_, ok := mb.byTx[sessionTxKey{cpid, tx}]
	return ok
}

// keep returns the batch's copy of r (the first one read), so that every
// message of the batch sees the changes of the ones before it.
func (mb *meterBatch) keep(r *sessionRow) *sessionRow {
	if r == nil {
		return nil
	}
	if have := mb.byID[r.ID]; have != nil {
		return have
	}
	mb.byID[r.ID] = r
	return r
}

func (mb *meterBatch) dirty(r *sessionRow) {
	if !mb.isDirty[r.ID] {
		mb.isDirty[r.ID] = true
		mb.changed = append(mb.changed, r)
	}
}

// maxReadAhead bounds the pairs in one read-ahead statement.
const maxReadAhead = 200

// readAhead reads, locked for update, the sessions of every transaction the
// reports name: one statement for the batch instead of one per message.
func (s *ChargingService) readAhead(ctx context.Context, tx *Tx, reports []volt.MeterReport) (*meterBatch, error) {
	mb := &meterBatch{byTx: map[sessionTxKey]*sessionRow{}, byID: map[string]*sessionRow{}, isDirty: map[string]bool{}}
	var keys []sessionTxKey
	for _, r := range reports {
		if r.TransactionID == nil {
			continue
		}
		k := sessionTxKey{r.CPID, *r.TransactionID}
		if _, ok := mb.byTx[k]; !ok {
			mb.byTx[k] = nil
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b sessionTxKey) int { // one lock order for every batch
		return cmp.Or(cmp.Compare(a.cpid, b.cpid), cmp.Compare(a.tx, b.tx))
	})
	for len(keys) > 0 {
		n := min(len(keys), maxReadAhead)
		args := make([]any, 0, 2*n)
		for _, k := range keys[:n] {
			args = append(args, k.cpid, k.tx)
		}
		q := `SELECT ` + sessionCols + ` FROM sessions WHERE origin = 'start' AND (cpid, transaction_id) IN (VALUES ` +
			valuesRows(n, "(?, CAST(? AS BIGINT))") + `) ORDER BY cpid, transaction_id` + forUpdate(tx)
		if err := s.readAheadRows(ctx, tx, mb, q, args); err != nil {
			return nil, err
		}
		keys = keys[n:]
	}
	return mb, nil
}

func (s *ChargingService) readAheadRows(ctx context.Context, tx *Tx, mb *meterBatch, query string, args []any) error {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("read sessions of the batch: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanSession(rows)
		if err != nil {
			return fmt.Errorf("read sessions of the batch: %w", err)
		}
		mb.byTx[sessionTxKey{r.CPID, r.TransactionID}] = mb.keep(r)
	}
	return mapError(rows.Err())
}

// writeSessions writes the sessions the batch changed, many per statement.
func (s *ChargingService) writeSessions(ctx context.Context, tx *Tx, mb *meterBatch) error {
	if len(mb.changed) == 0 {
		return nil
	}
	return s.updateSessions(ctx, tx, mb.changed)
}
