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
// gateway announces its events after commit as on one node; a cluster's bus
// lets through only those the outbox does not carry (OutboxCarries).

type outboxState struct {
	on     atomic.Bool
	notify atomic.Pointer[func()]
	node   atomic.Pointer[string]
}

// OutboxCarries reports whether every change the gateway announces as an
// event of eventType has that event in the outbox: the store writes it in
// the change's own transaction (session started, updated and stopped, CDR
// created, connector status). A cluster's bus need not publish the gateway's
// copy of these; the relay's reaches every node. Charger presence and the
// gateway's other announcements are not written by the store.
func OutboxCarries(eventType string) bool {
	switch eventType {
	case volt.EventSessionStarted, volt.EventSessionUpdated, volt.EventSessionStopped,
		volt.EventCDRCreated, volt.EventConnectorStatus:
		return true
	}
	return false
}

// nodeName is the node that writes this database's outbox rows ("" before
// EnableOutbox named one).
func (o *outboxState) nodeName() string {
	if n := o.node.Load(); n != nil {
		return *n
	}
	return ""
}

func (o *outboxState) wake() {
	if f := o.notify.Load(); f != nil {
		(*f)()
	}
}

// EnableOutbox makes every following transaction write its domain events to
// the outbox table as rows of node (the node's cluster name), which that
// node's RelayOutbox relays; wake (may be nil) is called after each commit
// that wrote some, so the relay need not poll hard. Call it before serving.
func (db *DB) EnableOutbox(node string, wake func()) {
	db.outbox.node.Store(&node)
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
	_, err = tx.Exec(ctx, `INSERT INTO outbox (type, cpid, cpo_id, at, data, created_at, node) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		e.Type, e.CPID, e.CPOID, toMS(at), string(data), tx.NowMS(), tx.db.outbox.nodeName())
	if err != nil {
		return fmt.Errorf("outbox %s: %w", e.Type, err)
	}
	tx.emitted = true
	return nil
}

// RelayOutbox hands up to limit of the oldest outbox rows this node wrote
// (EnableOutbox), in order, to publish as events whose Data is the stored
// JSON (json.RawMessage) with the row ids, and deletes them in the same
// transaction once publish returned nil. A publish error leaves every row
// for the next call. Each node relays its own rows, so the nodes relay in
// parallel and a charger's events, which one node writes at a time, leave in
// the order they were written; rows another node holds (PostgreSQL: FOR
// UPDATE SKIP LOCKED) are left to it. It returns the number relayed.
func (db *DB) RelayOutbox(ctx context.Context, limit int, publish func(ctx context.Context, ids []int64, events []volt.Event) error) (int, error) {
	return db.relayOutbox(ctx, `node = ?`, db.outbox.nodeName(), limit, publish)
}

// RelayStaleOutbox relays, as RelayOutbox, up to limit rows of any node
// written more than age ago: the rows of a node that died or lost NATS
// before relaying them, or whose relay fell that far behind (then a
// charger's events may leave out of order; every consumer is idempotent).
func (db *DB) RelayStaleOutbox(ctx context.Context, age time.Duration, limit int, publish func(ctx context.Context, ids []int64, events []volt.Event) error) (int, error) {
	return db.relayOutbox(ctx, `created_at < ?`, db.Now().Add(-age).UnixMilli(), limit, publish)
}

func (db *DB) relayOutbox(ctx context.Context, where string, arg any, limit int, publish func(ctx context.Context, ids []int64, events []volt.Event) error) (int, error) {
	n := 0
	err := db.WithTx(ctx, func(tx *Tx) error {
		n = 0
		ids, events, err := readOutbox(ctx, tx, where, arg, limit)
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

func readOutbox(ctx context.Context, tx *Tx, where string, arg any, limit int) ([]int64, []volt.Event, error) {
	lock := "" // SQLite: one writer at a time already
	if tx.Dialect() == Postgres {
		lock = ` FOR UPDATE SKIP LOCKED`
	}
	rows, err := tx.Query(ctx, `SELECT id, type, cpid, cpo_id, at, data FROM outbox WHERE `+where+` ORDER BY id LIMIT ?`+lock, arg, limit)
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
