package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	volt "github.com/volt-ev/volt"
)

// The event journal (issue #17 item 6, issue #12 item 4): every domain event
// the store decides is written to event_log by the transaction that makes
// the change, on SQLite and PostgreSQL alike, with or without NATS. Named
// consumers (webhook fan-out, alerts, alert mail) read it in id order from a
// cursor persisted in event_consumers and advance the cursor in the same
// transaction as the work the events caused, so a crash or restart resumes at
// the last acknowledged event and nothing is lost or done twice. Several
// nodes share the cursor through the database: the consumer's transaction
// locks its cursor row, so one node at a time consumes a given name.
//
// The outbox (outbox.go) stays as it was: on a cluster it feeds JetStream for
// the live views of every node and is emptied by the relay; the journal is
// the durable copy for consumers that must see every event once. The
// in-process bus keeps serving live views on a single node.
//
// Ordering on PostgreSQL: identity values are handed out at insert but
// become visible at commit, so a reader could see id 6 before id 5 commits
// and move its cursor past 5. Every transaction that journals takes the
// shared advisory lock journalLock before its first insert. A consumer reads
// the high-water mark (the largest id then visible), then, from pg_locks,
// which transactions hold that lock: only they can still commit an id at or
// below the mark (a transaction that takes the lock later inserts later, so
// above it). It waits until those transactions have ended and then consumes
// up to the mark. The consumer never takes the lock itself: it used to take
// it exclusively, and while it waited for the holders, PostgreSQL queued
// every new shared request behind it, so every journaling transaction of
// the cluster stalled a few times a second (a 24,000-charger cluster
// benchmark found most PostgreSQL connections waiting there). SQLite has
// one writer at a time, so ids commit in order there.

// journalLock is the advisory lock ordering journal writers and consumers.
const journalLock = 0x766f6c74_6a726e // "volt" "jrn"

// LoggedEvent is an event of the journal with its position (ID). Data is
// the stored JSON (json.RawMessage).
type LoggedEvent struct {
	ID int64
	volt.Event
}

// updatesGate remembers whether any enabled webhook endpoint subscribes to
// session.updated, the one high-rate event (every meter reading): without
// such a subscriber it is not journaled (no consumer needs it; it cost a
// third of the per-message MeterValues rate on SQLite). The answer is read
// again at most every updatesRecheck, and at once on this node after an
// endpoint changes; another node's change is seen within updatesRecheck.
type updatesGate struct {
	wanted    atomic.Bool
	checkedAt atomic.Int64 // unix ms; 0: check again
}

// updatesRecheck is how long the gate's answer is trusted.
const updatesRecheck = 10 * time.Second

// invalidate makes the next transaction read the answer again.
func (g *updatesGate) invalidate() { g.checkedAt.Store(0) }

func (tx *Tx) wantsSessionUpdates(ctx context.Context) (bool, error) {
	g := &tx.db.updates
	now := time.Now().UnixMilli()
	if at := g.checkedAt.Load(); at != 0 && now-at < updatesRecheck.Milliseconds() {
		return g.wanted.Load(), nil
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM webhook_endpoints WHERE enabled = 1 AND events LIKE ?`,
		`%"`+volt.EventSessionUpdated+`"%`).Scan(&n); err != nil {
		return false, fmt.Errorf("session.updated subscribers: %w", err)
	}
	g.wanted.Store(n > 0)
	g.checkedAt.Store(now)
	return n > 0, nil
}

// journal writes e to event_log in tx.
func (tx *Tx) journal(ctx context.Context, e volt.Event) error {
	if e.Type == volt.EventSessionUpdated {
		if want, err := tx.wantsSessionUpdates(ctx); err != nil || !want {
			return err
		}
	}
	if tx.Dialect() == Postgres && !tx.journaled {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared(?)`, int64(journalLock)); err != nil {
			return fmt.Errorf("journal lock: %w", err)
		}
		tx.journaled = true
	}
	data, err := json.Marshal(e.Data)
	if err != nil {
		return fmt.Errorf("journal %s: %w", e.Type, err)
	}
	at := e.At
	if at.IsZero() {
		at = tx.Now()
	}
	if _, err := tx.db.stmts.exec(ctx, tx, `INSERT INTO event_log (type, cpid, cpo_id, at, data, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		e.Type, e.CPID, e.CPOID, toMS(at), string(data), tx.NowMS()); err != nil {
		return fmt.Errorf("journal %s: %w", e.Type, err)
	}
	return nil
}

// Emit writes e to the journal (and the outbox when enabled) in tx: for
// services outside this package that build on the store's transactions.
func (tx *Tx) Emit(ctx context.Context, e volt.Event) error { return tx.emit(ctx, e) }

// journalHighWater returns the largest event id below which every id is
// committed or never will be (see the comment above journalLock): the
// largest visible id, once every transaction that held journalLock when it
// was read has ended.
func (db *DB) journalHighWater(ctx context.Context) (int64, error) {
	var hw int64
	if err := db.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM event_log`).Scan(&hw); err != nil {
		return 0, fmt.Errorf("journal high-water mark: %w", err)
	}
	holders, err := db.journalWriters(ctx, nil)
	if err != nil {
		return 0, err
	}
	wait := time.Millisecond
	for len(holders) > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return 0, fmt.Errorf("journal high-water mark: %w", ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, 50*time.Millisecond)
		if holders, err = db.journalWriters(ctx, holders); err != nil {
			return 0, err
		}
	}
	return hw, nil
}

// journalWriters returns the transactions (pg_locks' virtualtransaction)
// holding journalLock now; among those of among when it is not nil.
func (db *DB) journalWriters(ctx context.Context, among []string) ([]string, error) {
	q := `SELECT virtualtransaction FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND objsubid = 1 AND (classid::bigint << 32 | objid::bigint) = ?`
	args := []any{int64(journalLock)}
	if among != nil {
		q += ` AND virtualtransaction IN (` + inList(len(among)) + `)`
		for _, v := range among {
			args = append(args, v)
		}
	}
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("journal writers: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("journal writers: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("journal writers: %w", err)
	}
	return out, nil
}

// ConsumeEvents hands the next events (at most limit) after consumer name's
// cursor to handle, in id order, inside one transaction, and moves the
// cursor past them when handle returns nil; an error leaves the cursor (and
// every write handle made in tx) as it was. A new name starts at the
// beginning of the journal. handle may be called again with the same events
// if the transaction is retried, so what it does outside tx must be
// idempotent. It returns the number of events consumed.
func (db *DB) ConsumeEvents(ctx context.Context, name string, limit int, handle func(ctx context.Context, tx *Tx, events []LoggedEvent) error) (int, error) {
	hw := int64(math.MaxInt64) // SQLite: ids commit in order
	if db.Dialect == Postgres {
		var err error
		if hw, err = db.journalHighWater(ctx); err != nil {
			return 0, err
		}
	}
	n := 0
	err := db.WithTx(ctx, func(tx *Tx) error {
		n = 0
		pos, err := lockCursorUnlessBusy(ctx, tx, name)
		if errors.Is(err, errCursorBusy) {
			return nil // another node is consuming name: its turn
		}
		if err != nil {
			return err
		}
		if pos >= hw {
			return nil
		}
		events, err := readJournal(ctx, tx, pos, hw, limit)
		if err != nil || len(events) == 0 {
			return err
		}
		if err := handle(ctx, tx, events); err != nil {
			return fmt.Errorf("consumer %s: %w", name, err)
		}
		last := events[len(events)-1].ID
		if _, err := tx.Exec(ctx, `UPDATE event_consumers SET position = ?, updated_at = ? WHERE name = ?`, last, tx.NowMS(), name); err != nil {
			return fmt.Errorf("advance consumer %s: %w", name, err)
		}
		n = len(events)
		return nil
	})
	return n, err
}

// errCursorBusy says another transaction holds the consumer's cursor.
var errCursorBusy = errors.New("consumer cursor held by another node")

// lockCursorUnlessBusy is lockCursor for a consumer poll: on PostgreSQL,
// when another node holds the cursor it answers errCursorBusy at once
// instead of waiting (a waiting poll holds one of the node's pooled
// connections for nothing: a quarter of the busy backends in a 3-node
// benchmark were such waits).
func lockCursorUnlessBusy(ctx context.Context, tx *Tx, name string) (int64, error) {
	if tx.Dialect() != Postgres {
		return lockCursor(ctx, tx, name)
	}
	const q = `SELECT position FROM event_consumers WHERE name = ? FOR UPDATE SKIP LOCKED`
	var pos int64
	err := tx.QueryRow(ctx, q, name).Scan(&pos)
	if !errors.Is(err, sql.ErrNoRows) {
		if err != nil {
			return 0, fmt.Errorf("consumer %s: %w", name, err)
		}
		return pos, nil
	}
	// Missing, or locked: a missing row is created (a locked one is left
	// alone; DO NOTHING does not wait for a row lock) and read again.
	if _, err := tx.Exec(ctx, `INSERT INTO event_consumers (name, position, updated_at) VALUES (?, 0, ?) ON CONFLICT (name) DO NOTHING`, name, tx.NowMS()); err != nil {
		return 0, fmt.Errorf("create consumer %s: %w", name, err)
	}
	switch err := tx.QueryRow(ctx, q, name).Scan(&pos); {
	case errors.Is(err, sql.ErrNoRows):
		return 0, errCursorBusy
	case err != nil:
		return 0, fmt.Errorf("consumer %s: %w", name, err)
	}
	return pos, nil
}

// lockCursor returns consumer name's position, creating it at 0, with its
// row locked for the transaction on PostgreSQL.
func lockCursor(ctx context.Context, tx *Tx, name string) (int64, error) {
	q := `SELECT position FROM event_consumers WHERE name = ?`
	if tx.Dialect() == Postgres {
		q += ` FOR UPDATE`
	}
	var pos int64
	err := tx.QueryRow(ctx, q, name).Scan(&pos)
	if err == nil {
		return pos, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("consumer %s: %w", name, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO event_consumers (name, position, updated_at) VALUES (?, 0, ?) ON CONFLICT (name) DO NOTHING`, name, tx.NowMS()); err != nil {
		return 0, fmt.Errorf("create consumer %s: %w", name, err)
	}
	if err := tx.QueryRow(ctx, q, name).Scan(&pos); err != nil {
		return 0, fmt.Errorf("consumer %s: %w", name, err)
	}
	return pos, nil
}

func readJournal(ctx context.Context, tx *Tx, after, upTo int64, limit int) ([]LoggedEvent, error) {
	rows, err := tx.Query(ctx, `SELECT id, type, cpid, cpo_id, at, data FROM event_log WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`, after, upTo, limit)
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	defer rows.Close()
	var out []LoggedEvent
	for rows.Next() {
		var e LoggedEvent
		var at int64
		var data string
		if err := rows.Scan(&e.ID, &e.Type, &e.CPID, &e.CPOID, &at, &data); err != nil {
			return nil, fmt.Errorf("read journal: %w", err)
		}
		e.At = fromMS(at)
		e.Data = json.RawMessage(data)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	return out, nil
}

// ConsumerPosition returns the last event id consumer name acknowledged (0
// for a consumer that never ran).
func (db *DB) ConsumerPosition(ctx context.Context, name string) (int64, error) {
	var pos int64
	err := db.QueryRow(ctx, `SELECT position FROM event_consumers WHERE name = ?`, name).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("consumer %s: %w", name, err)
	}
	return pos, nil
}

// PruneEventLog deletes the journal's events that every consumer has
// acknowledged and that were written before cutoff (kept a while for
// inspection). With no consumer yet, only the cutoff applies.
func (db *DB) PruneEventLog(ctx context.Context, cutoff time.Time) (int64, error) {
	var low sql.NullInt64
	if err := db.QueryRow(ctx, `SELECT MIN(position) FROM event_consumers`).Scan(&low); err != nil {
		return 0, fmt.Errorf("prune journal: %w", err)
	}
	q, args := `DELETE FROM event_log WHERE created_at < ?`, []any{toMS(cutoff)}
	if low.Valid {
		q += ` AND id <= ?`
		args = append(args, low.Int64)
	}
	res, err := db.Exec(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("prune journal: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
