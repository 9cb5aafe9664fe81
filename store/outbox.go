package store

import (
	"context"
	"encoding/json"
	"fmt"
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
	on        atomic.Bool
	committed atomic.Pointer[func(ids []int64, events []volt.Event)]
	node      atomic.Pointer[string]
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

// handOver gives the rows a transaction just committed to the relay.
func (o *outboxState) handOver(ids []int64, events []volt.Event) {
	if f := o.committed.Load(); f != nil {
		(*f)(ids, events)
	}
}

// EnableOutbox makes every following transaction write its domain events to
// the outbox table as rows of node (the node's cluster name). After each
// commit that wrote some, committed (may be nil) gets the rows' ids and
// events exactly as RelayOutbox would read them back, so the relay can
// publish them without reading the table and then DeleteOutbox them; the
// table stays the record, and RelayOutbox relays what a relay never got or
// failed to publish. committed must not block. Call it before serving.
func (db *DB) EnableOutbox(node string, committed func(ids []int64, events []volt.Event)) {
	db.outbox.node.Store(&node)
	if committed != nil {
		db.outbox.committed.Store(&committed)
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
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO outbox (type, cpid, cpo_id, at, data, created_at, node) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.Type, e.CPID, e.CPOID, toMS(at), string(data), tx.NowMS(), tx.db.outbox.nodeName()).Scan(&id)
	if err != nil {
		return fmt.Errorf("outbox %s: %w", e.Type, err)
	}
	// The event as readOutbox reads the row back: same data, same time to
	// the millisecond, so both give it the same message id.
	tx.outboxIDs = append(tx.outboxIDs, id)
	tx.outboxEvents = append(tx.outboxEvents, volt.Event{Type: e.Type, CPID: e.CPID, CPOID: e.CPOID,
		At: time.UnixMilli(toMS(at)).UTC(), Data: json.RawMessage(data)})
	return nil
}

// RelayOutbox hands up to limit of the oldest outbox rows this node wrote
// (EnableOutbox) at least age ago (0: all), in order, to publish as events
// whose Data is the stored JSON (json.RawMessage) with the row ids, and
// deletes them in the same transaction once publish returned nil. A publish
// error leaves every row for the next call. Each node relays its own rows,
// so the nodes relay in parallel and a charger's events, which one node
// writes at a time, leave in the order they were written; rows another node
// holds (PostgreSQL: FOR UPDATE SKIP LOCKED) are left to it. It returns the
// number relayed.
//
// In steady state a relay publishes the rows handed to it at commit
// (EnableOutbox) and reads the table only for what it missed: rows older
// than the hand-over normally takes, or all of them after NATS or the
// database failed.
func (db *DB) RelayOutbox(ctx context.Context, age time.Duration, limit int, publish func(ctx context.Context, ids []int64, events []volt.Event) error) (int, error) {
	return db.relayOutbox(ctx, `node = ? AND created_at <= ?`, []any{db.outbox.nodeName(), db.Now().Add(-age).UnixMilli()}, limit, publish)
}

// DeleteOutbox deletes relayed rows (the stream acknowledged them), in one
// statement per 500 ids and no transaction: a row a failure leaves behind is
// relayed again, and the stream drops the copy by its message id.
func (db *DB) DeleteOutbox(ctx context.Context, ids []int64) error {
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		if _, err := db.Exec(ctx, `DELETE FROM outbox WHERE id IN (`+inList(len(chunk))+`)`, int64Args(chunk)...); err != nil {
			return fmt.Errorf("delete relayed outbox rows: %w", err)
		}
	}
	return nil
}

func int64Args(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// RelayStaleOutbox relays, as RelayOutbox, up to limit rows of any node
// written more than age ago: the rows of a node that died or lost NATS
// before relaying them, or whose relay fell that far behind (then a
// charger's events may leave out of order; every consumer is idempotent).
func (db *DB) RelayStaleOutbox(ctx context.Context, age time.Duration, limit int, publish func(ctx context.Context, ids []int64, events []volt.Event) error) (int, error) {
	return db.relayOutbox(ctx, `created_at < ?`, []any{db.Now().Add(-age).UnixMilli()}, limit, publish)
}

func (db *DB) relayOutbox(ctx context.Context, where string, args []any, limit int, publish func(ctx context.Context, ids []int64, events []volt.Event) error) (int, error) {
	n := 0
	err := db.WithTx(ctx, func(tx *Tx) error {
		n = 0
		ids, events, err := readOutbox(ctx, tx, where, args, limit)
		if err != nil || len(ids) == 0 {
			return err
		}
		if err := publish(ctx, ids, events); err != nil {
			return fmt.Errorf("publish outbox: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM outbox WHERE id IN (`+inList(len(ids))+`)`, int64Args(ids)...); err != nil {
			return fmt.Errorf("delete relayed outbox rows: %w", err)
		}
		n = len(ids)
		return nil
	})
	return n, err
}

func readOutbox(ctx context.Context, tx *Tx, where string, args []any, limit int) ([]int64, []volt.Event, error) {
	lock := "" // SQLite: one writer at a time already
	if tx.Dialect() == Postgres {
		lock = ` FOR UPDATE SKIP LOCKED`
	}
	rows, err := tx.Query(ctx, `SELECT id, type, cpid, cpo_id, at, data FROM outbox WHERE `+where+` ORDER BY id LIMIT ?`+lock, append(args, limit)...)
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
