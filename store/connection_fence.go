package store

import (
	"context"
	"fmt"
	"time"
)

// RecordConnected records the charger online, as RecordConnection does, and
// returns the connection's fence: a number that grows with every recorded
// connection of the charger, on whichever node. The database holds the
// newest (LESSONS 38: ownership needs a fencing value the database checks on
// every write, not a JetStream compare-and-set).
func (s *ChargingService) RecordConnected(ctx context.Context, cpid, ocppVersion string, at time.Time) (int64, error) {
	var fence int64
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		if err := tx.Lazy(ctx); err != nil {
			return err
		}
		q := `UPDATE chargers SET online = ?, last_seen_at = ?, updated_at = ?, conn_fence = conn_fence + 1
			WHERE cpid = ? RETURNING conn_fence`
		args := []any{true, toMS(at), tx.NowMS(), cpid}
		if ocppVersion != "" {
			q = `UPDATE chargers SET online = ?, last_seen_at = ?, updated_at = ?, ocpp_version = ?, conn_fence = conn_fence + 1
			WHERE cpid = ? RETURNING conn_fence`
			args = []any{true, toMS(at), tx.NowMS(), ocppVersion, cpid}
		}
		if err := tx.QueryRow(ctx, q, args...).Scan(&fence); err != nil {
			return fmt.Errorf("record connection of %s: %w", cpid, mapError(err))
		}
		return connectionHistory(ctx, tx, cpid, true, at)
	})
	return fence, err
}

// connectionHistory appends to the history reliability counts offline time
// from (issue 17 item 3), as RecordConnection does.
func connectionHistory(ctx context.Context, tx *Tx, cpid string, online bool, at time.Time) error {
	if _, err := tx.Exec(ctx, `INSERT INTO connection_history (cpid, online, at) VALUES (?, ?, ?)`, cpid, online, toMS(at)); err != nil {
		return fmt.Errorf("record connection history of %s: %w", cpid, err)
	}
	return nil
}

// RecordDisconnected records the charger offline if fence is still its
// newest connection's, and reports whether it did. false means a newer
// connection was recorded since (on this node or another): the charger stays
// online and the caller publishes no disconnection.
func (s *ChargingService) RecordDisconnected(ctx context.Context, cpid string, fence int64, at time.Time) (bool, error) {
	var current bool
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		if err := tx.Lazy(ctx); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE chargers SET online = ?, last_seen_at = ?, updated_at = ? WHERE cpid = ? AND conn_fence = ?`,
			false, toMS(at), tx.NowMS(), cpid, fence)
		if err != nil {
			return fmt.Errorf("record disconnection of %s: %w", cpid, err)
		}
		n, err := res.RowsAffected()
		current = err == nil && n == 1
		if err != nil || !current {
			return err
		}
		return connectionHistory(ctx, tx, cpid, false, at)
	})
	return current, err
}

// RecordNodeLost records offline, at the given time (the dead node's last
// lease renewal), the connections a node that died held: cpid → the fence
// of its connection there, with their charger.disconnected events
// (RecordConnectionsLost). A charger that connected again since (a newer
// fence, on any node) is left alone, so the call is idempotent and safe to
// run after the chargers came back. It returns the CPIDs recorded offline.
// Run by one node of the cluster (natsbus.Node.OnNodeDead).
func (s *ChargingService) RecordNodeLost(ctx context.Context, conns map[string]int64, at time.Time) ([]string, error) {
	lost := make([]LostConnection, 0, len(conns))
	for cpid, fence := range conns {
		lost = append(lost, LostConnection{CPID: cpid, Fence: fence, At: at})
	}
	return s.RecordConnectionsLost(ctx, lost)
}

// ConnectionFence returns the fence of the charger's newest recorded
// connection (0 before any).
func (s *ChargingService) ConnectionFence(ctx context.Context, cpid string) (int64, error) {
	var fence int64
	if err := s.db.QueryRow(ctx, `SELECT conn_fence FROM chargers WHERE cpid = ?`, cpid).Scan(&fence); err != nil {
		return 0, fmt.Errorf("connection fence of %s: %w", cpid, mapError(err))
	}
	return fence, nil
}
