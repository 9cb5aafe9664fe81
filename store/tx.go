package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/volt-ev/volt"
)

// Tx is a write transaction with its time fixed at the start, so every row it
// touches carries the same timestamp and tests control time through DB.Now.
type Tx struct {
	*sql.Tx
	db  *DB
	now time.Time
	// outboxIDs and outboxEvents are the outbox rows the transaction
	// wrote: its commit hands them to the relay.
	outboxIDs    []int64
	outboxEvents []volt.Event
	// journaled is set once the transaction took the journal's shared
	// lock (PostgreSQL, eventlog.go).
	journaled bool
	// lazy is set by Lazy: the commit does not wait for the WAL flush.
	lazy bool
}

// BeginTx starts a write transaction. On SQLite it takes the write lock at
// once (BEGIN IMMEDIATE), so it never fails later with a lock upgrade.
func (db *DB) BeginTx(ctx context.Context) (*Tx, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin transaction: %w", mapError(err))
	}
	return &Tx{Tx: tx, db: db, now: db.Now().UTC().Truncate(time.Millisecond)}, nil
}

// Now returns the transaction's fixed time (UTC, millisecond precision).
func (tx *Tx) Now() time.Time { return tx.now }

// NowMS returns the transaction's fixed time as unix milliseconds.
func (tx *Tx) NowMS() int64 { return tx.now.UnixMilli() }

// Dialect returns the engine of the transaction.
func (tx *Tx) Dialect() Dialect { return tx.db.Dialect }

// Lazy lets the transaction commit without waiting for its WAL to reach the
// disk (PostgreSQL: synchronous_commit off for this transaction only; SQLite
// in WAL mode with synchronous=NORMAL never waits at commit). A crash of the
// database within a fraction of a second may lose the transaction, never
// corrupt anything. For state a charger repeats on its own (connection,
// boot, status, configuration, the message log), never for transactions or
// money: a reconnect storm of 10,000 chargers is then not bound by fsyncs.
func (tx *Tx) Lazy(ctx context.Context) error {
	tx.lazy = true
	if tx.db.Dialect != Postgres {
		return nil
	}
	if _, err := tx.Tx.ExecContext(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
		return fmt.Errorf("lazy commit: %w", mapError(err))
	}
	return nil
}

// Exec runs a statement. Placeholders are ?.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := tx.Tx.ExecContext(ctx, tx.db.rebind(query), args...)
	return res, mapError(err)
}

// Query runs a read. Placeholders are ?.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := tx.Tx.QueryContext(ctx, tx.db.rebind(query), args...)
	return rows, mapError(err)
}

// QueryRow runs a single-row read. Placeholders are ?.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *Row {
	return &Row{row: tx.Tx.QueryRowContext(ctx, tx.db.rebind(query), args...)}
}

// Commit commits the transaction, mapping driver errors.
func (tx *Tx) Commit() error {
	err := mapError(tx.Tx.Commit())
	if err == nil && len(tx.outboxIDs) > 0 {
		tx.db.outbox.handOver(tx.outboxIDs, tx.outboxEvents)
	}
	return err
}

// writerWait is how long a write transaction waits for SQLite's writer, as
// busy_timeout does for the database lock.
const writerWait = 10 * time.Second

// takeWriter admits one write transaction at a time into SQLite, in arrival
// order, and returns its release. SQLite has one writer: left to its busy
// handler, waiting transactions poll the lock with sleeps of up to 100 ms,
// so under load the lock sat idle while they slept and throughput swung
// with who happened to win it (the message log or the meter batch). Here a
// waiter starts the moment the previous transaction ends. PostgreSQL runs
// write transactions side by side: no wait.
func (db *DB) takeWriter(ctx context.Context) (release func(), err error) {
	if db.writer == nil {
		return func() {}, nil
	}
	select {
	case db.writer <- struct{}{}:
		return func() { <-db.writer }, nil
	default:
	}
	t := time.NewTimer(writerWait)
	defer t.Stop()
	select {
	case db.writer <- struct{}{}:
		return func() { <-db.writer }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for the database writer: %w", ctx.Err())
	case <-t.C:
		return nil, fmt.Errorf("wait for the database writer: %w", busyError())
	}
}

// maxTxAttempts bounds WithTx retries of busy or serialization failures.
const maxTxAttempts = 8

// WithTx runs fn in a write transaction and commits it, or rolls it back if fn
// fails. A transaction that fails because the database was busy (SQLite) or
// because of a serialization failure or deadlock (PostgreSQL) is retried with
// jittered backoff; fn must therefore have no effect outside the transaction.
func (db *DB) WithTx(ctx context.Context, fn func(*Tx) error) error {
	var err error
	counter, site := db.commitCounter(), ""
	if counter != nil {
		site = callSite(1)
	}
	for attempt := 0; attempt < maxTxAttempts; attempt++ {
		if attempt > 0 {
			d := time.Duration(1<<min(attempt, 6)) * time.Millisecond
			d += time.Duration(rand.Int64N(int64(d)))
			select {
			case <-ctx.Done():
				return fmt.Errorf("transaction retry: %w", ctx.Err())
			case <-time.After(d):
			}
		}
		err = db.runTx(ctx, fn, counter, site)
		if !isRetryable(err) {
			return err
		}
	}
	return fmt.Errorf("transaction failed after %d attempts: %w", maxTxAttempts, err)
}

func (db *DB) runTx(ctx context.Context, fn func(*Tx) error, counter *CommitCounter, site string) (err error) {
	release, err := db.takeWriter(ctx)
	if err != nil {
		return err
	}
	defer release()
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return db.retryLost(err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return db.retryLost(err) // not committed: safe to run again
	}
	if err := tx.Commit(); err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("commit: %w", err)
	}
	if counter != nil {
		counter.add(site, tx.lazy)
	}
	return nil
}

// errRetry marks a mapped error as worth retrying (busy, serialization).
var errRetry = errors.New("store: retryable")

func isRetryable(err error) bool { return err != nil && errors.Is(err, errRetry) }

// BeginReadTx starts a read-only transaction, so that a list and its total
// count see the same snapshot. It never takes SQLite's write lock.
func (db *DB) BeginReadTx(ctx context.Context) (*Tx, error) {
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("begin read transaction: %w", mapError(err))
	}
	return &Tx{Tx: tx, db: db, now: db.Now().UTC().Truncate(time.Millisecond)}, nil
}
