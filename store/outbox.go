package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	volt "github.com/volt-ev/volt"
)

// The outbox of many nodes (issue #12): with NATS, every domain event is
// written to the outbox table by the transaction that makes the change, so a
// committed change always has its event and a rolled-back one never does; a
// relay (natsbus.Relay) publishes the rows to JetStream and deletes them. A
// single node on SQLite keeps the in-process bus and writes no outbox rows:
// its events are published after commit by the gateway, exactly as before.
//
// The events written here are the ones the store itself decides:
// session.started, session.updated (a meter reading that moved the session),
// session.stopped with cdr.created, and connector.status. Charger presence
// (connected, disconnected, booted) is published directly by the node that
// holds the connection: the next connection or heartbeat repeats it. The
// gateway still publishes every event after commit; a bus that also relays
// the outbox keeps one of the two copies (natsbus: by message id).

type outboxState struct {
	on     atomic.Bool
	notify atomic.Pointer[func()]
}

func (o *outboxState) wake() {
	if f := o.notify.Load(); f != nil {
		(*f)()
	}
}

// EnableOutbox makes every following transaction write its domain events to
// the outbox table; wake (may be nil) is called after each commit that wrote
// some, so the relay need not poll hard. Call it before serving.
func (db *DB) EnableOutbox(wake func()) {
	if wake != nil {
		db.outbox.notify.Store(&wake)
	}
	db.outbox.on.Store(true)
}

// OutboxEnabled reports whether transactions write events to the outbox.
func (db *DB) OutboxEnabled() bool { return db.outbox.on.Load() }

// emit writes e to the event journal in tx (always: eventlog.go) and to the
// outbox when the outbox is enabled. Data is stored as JSON.
func (tx *Tx) emit(ctx context.Context, e volt.Event) error {
	if err := tx.journal(ctx, e); err != nil { // every engine: durable consumers (eventlog.go)
		return err
	}
	if !tx.db.outbox.on.Load() {
		return nil
	}
	data, err := json.Marshal(e.Data)
	if err != nil {
		return fmt.Errorf("outbox %s: %w", e.Type, err)
	}
	at := e.At
	if at.IsZero() {
		at = tx.Now()
	}
	_, err = tx.Exec(ctx, `INSERT INTO outbox (type, cpid, cpo_id, at, data, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		e.Type, e.CPID, e.CPOID, toMS(at), string(data), tx.NowMS())
	if err != nil {
		return fmt.Errorf("outbox %s: %w", e.Type, err)
	}
	tx.emitted = true
	return nil
}

// outboxRelayLock is the advisory lock that lets one node at a time relay
// the outbox, so events leave in the order of their rows.
const outboxRelayLock = 0x766f6c74_6f7574 // "volt" "out"

// RelayOutbox hands up to limit of the oldest outbox rows, in order, to
// publish as events whose Data is the stored JSON (json.RawMessage) with the
// row ids, and deletes them in the same transaction once publish returned
// nil. A publish error leaves every row for the next call. On PostgreSQL
// one node relays at a time: the others get 0 at once. It returns the number
// of events relayed.
func (db *DB) RelayOutbox(ctx context.Context, limit int, publish func(ctx context.Context, ids []int64, events []volt.Event) error) (int, error) {
	n := 0
	err := db.WithTx(ctx, func(tx *Tx) error {
		n = 0
		if tx.Dialect() == Postgres {
			var got bool
			if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(?)`, int64(outboxRelayLock)).Scan(&got); err != nil {
				return fmt.Errorf("outbox lock: %w", err)
			}
			if !got {
				return nil
			}
		}
		ids, events, err := readOutbox(ctx, tx, limit)
		if err != nil || len(ids) == 0 {
			return err
		}
		if err := publish(ctx, ids, events); err != nil {
			return fmt.Errorf("publish outbox: %w", err)
		}
		ph := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		if _, err := tx.Exec(ctx, `DELETE FROM outbox WHERE id IN (`+ph+`)`, args...); err != nil {
			return fmt.Errorf("delete relayed outbox rows: %w", err)
		}
		n = len(ids)
		return nil
	})
	return n, err
}

func readOutbox(ctx context.Context, tx *Tx, limit int) ([]int64, []volt.Event, error) {
	rows, err := tx.Query(ctx, `SELECT id, type, cpid, cpo_id, at, data FROM outbox ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("read outbox: %w", err)
	}
	defer rows.Close()
	var ids []int64
	var events []volt.Event
	for rows.Next() {
		var id, at int64
		var e volt.Event
		var data string
		if err := rows.Scan(&id, &e.Type, &e.CPID, &e.CPOID, &at, &data); err != nil {
			return nil, nil, fmt.Errorf("read outbox: %w", err)
		}
		e.At = time.UnixMilli(at).UTC()
		e.Data = json.RawMessage(data)
		ids = append(ids, id)
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read outbox: %w", err)
	}
	return ids, events, nil
}

// OutboxLen returns the number of events waiting in the outbox (metrics,
// tests).
func (db *DB) OutboxLen(ctx context.Context) (int, error) {
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM outbox`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count outbox: %w", err)
	}
	return n, nil
}
