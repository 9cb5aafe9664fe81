package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/volt-ev/volt"
)

// Issue 12: connections whose node died without recording their end. A
// node that dies alone (one process, or a whole cluster down together)
// leaves its chargers recorded online until they reconnect: reliability
// counts that time as online and nothing says they dropped. The node that
// starts next closes those intervals at the last time the dead process
// heard from each charger (RecordConnectionsLost); a survivor sweeping a
// dead node's registry entries does so at its last lease renewal
// (RecordNodeLost). Either way the charger.disconnected event is written
// in the same transaction (journal, and the outbox on a cluster), as the
// live views, alerts and webhooks of a normal disconnection expect.

// LostConnection is a connection recorded open in the database that no
// live process holds: the charger, the fence of that connection and when
// it ends (the last time it was heard from).
type LostConnection struct {
	CPID  string
	Fence int64
	At    time.Time
}

// ConnectionLostReason is the reason charger.disconnected events of lost
// connections carry.
const ConnectionLostReason = "node lost"

// lostConnectionEvent is the Data of charger.disconnected events the store
// writes, in the shape of gateway.ConnectionState.
type lostConnectionEvent struct {
	CPID   string `json:"cpid"`
	Online bool   `json:"online"`
	Reason string `json:"reason"`
	Fence  int64  `json:"fence,omitempty"`
}

// OpenConnections lists the chargers recorded online whose connection was
// last heard from before seenBefore (or never), oldest first, at most
// limit: each with its connection's fence and the last time it was heard
// from (its last_seen_at, else its last recorded connection).
func (s *ChargingService) OpenConnections(ctx context.Context, seenBefore time.Time, limit int) ([]LostConnection, error) {
	rows, err := s.db.Query(ctx, `SELECT c.cpid, c.conn_fence, COALESCE(c.last_seen_at,
			(SELECT MAX(h.at) FROM connection_history h WHERE h.cpid = c.cpid), c.updated_at)
		FROM chargers c WHERE c.online = ? AND (c.last_seen_at IS NULL OR c.last_seen_at < ?)
		ORDER BY c.last_seen_at, c.cpid LIMIT ?`, true, toMS(seenBefore), limit)
	if err != nil {
		return nil, fmt.Errorf("open connections: %w", err)
	}
	defer rows.Close()
	var out []LostConnection
	for rows.Next() {
		var c LostConnection
		var at int64
		if err := rows.Scan(&c.CPID, &c.Fence, &at); err != nil {
			return nil, mapError(err)
		}
		c.At = fromMS(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// RecordConnectionsLost records offline, each at its At, connections no
// live process holds (a node that died, found by the next node to start or
// by a cluster's sweep): connection history, the charger's state and a
// charger.disconnected event in one transaction per batch. A connection
// whose fence is no longer the charger's newest (it connected again, on
// any node) or already recorded offline is left alone, so the call is
// idempotent. It returns the CPIDs recorded offline.
func (s *ChargingService) RecordConnectionsLost(ctx context.Context, conns []LostConnection) ([]string, error) {
	conns = slices.Clone(conns)
	sort.Slice(conns, func(i, j int) bool { return conns[i].CPID < conns[j].CPID }) // one lock order across callers
	var lost []string
	const batch = 500
	for len(conns) > 0 {
		k := min(batch, len(conns))
		chunk := conns[:k]
		conns = conns[k:]
		var done []string
		err := s.db.WithTx(ctx, func(tx *Tx) error {
			done = done[:0]
			for _, c := range chunk {
				ok, err := recordLost(ctx, tx, c)
				if err != nil {
					return err
				}
				if ok {
					done = append(done, c.CPID)
				}
			}
			return nil
		})
		if err != nil {
			return lost, err
		}
		lost = append(lost, done...)
	}
	return lost, nil
}

// recordLost records one lost connection offline in tx if it is still the
// charger's open connection, and reports whether it did.
func recordLost(ctx context.Context, tx *Tx, c LostConnection) (bool, error) {
	var cpoID string
	err := tx.QueryRow(ctx, `UPDATE chargers SET online = ?, updated_at = ? WHERE cpid = ? AND conn_fence = ? AND online = ? RETURNING cpo_id`,
		false, tx.NowMS(), c.CPID, c.Fence, true).Scan(&cpoID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // reconnected since, or already offline
	}
	if err != nil {
		return false, fmt.Errorf("record %s offline: %w", c.CPID, err)
	}
	if err := connectionHistory(ctx, tx, c.CPID, false, c.At); err != nil {
		return false, err
	}
	err = tx.emit(ctx, volt.Event{Type: volt.EventChargerDisconnected, CPID: c.CPID, CPOID: cpoID, At: c.At,
		Data: lostConnectionEvent{CPID: c.CPID, Online: false, Reason: ConnectionLostReason, Fence: c.Fence}})
	return err == nil, err
}
