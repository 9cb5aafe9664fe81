package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// DownsampleMeterValues thins the stored meter values of up to limit
// sessions that ended before endedBefore and were not thinned yet: of each
// session it keeps the readings at its first and last sampled time and at
// the first sampled time of each period of every (e.g. 15 minutes, aligned
// to the epoch), and deletes the rest (every row of a kept time stays, so
// a reading's measurands stay together). An open session is never
// touched. It returns the sessions thinned and the rows deleted; run it
// until it thins fewer than limit. The retention job runs it once per
// period across the cluster (VOLT_METER_DOWNSAMPLE_AFTER).
func (s *ChargingService) DownsampleMeterValues(ctx context.Context, endedBefore time.Time, every time.Duration, limit int) (int, int64, error) {
	if every <= 0 {
		return 0, 0, volt.Errorf(volt.EINVALID, "downsampling period must be positive")
	}
	type sess struct {
		id, cpid string
		tx       int64
	}
	rows, err := s.db.Query(ctx, `SELECT id, cpid, transaction_id FROM sessions
		WHERE status = 'completed' AND meter_thinned = FALSE AND stopped_at IS NOT NULL AND stopped_at < ?
		ORDER BY stopped_at LIMIT ?`, toMS(endedBefore), limit)
	if err != nil {
		return 0, 0, fmt.Errorf("sessions to thin: %w", err)
	}
	var todo []sess
	for rows.Next() {
		var x sess
		if err := rows.Scan(&x.id, &x.cpid, &x.tx); err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("sessions to thin: %w", err)
		}
		todo = append(todo, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("sessions to thin: %w", err)
	}
	var deleted int64
	for i, x := range todo {
		n, err := s.thinSession(ctx, x.id, x.cpid, x.tx, every)
		if err != nil {
			return i, deleted, err
		}
		deleted += n
	}
	return len(todo), deleted, nil
}

// thinSession thins one ended session's meter values in one transaction
// and marks it thinned.
func (s *ChargingService) thinSession(ctx context.Context, id, cpid string, txID int64, every time.Duration) (int64, error) {
	var deleted int64
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		deleted = 0
		var status string
		if err := tx.QueryRow(ctx, `SELECT status FROM sessions WHERE id = ?`, id).Scan(&status); err != nil {
			return fmt.Errorf("session %s: %w", id, mapError(err))
		}
		if status != string(volt.SessionCompleted) {
			return nil // never an open session
		}
		rows, err := tx.Query(ctx, `SELECT DISTINCT sampled_at FROM meter_values
			WHERE cpid = ? AND transaction_id = ? AND session_id = ? ORDER BY sampled_at`, cpid, txID, id)
		if err != nil {
			return fmt.Errorf("meter values of %s: %w", id, err)
		}
		var times []int64
		for rows.Next() {
			var at int64
			if err := rows.Scan(&at); err != nil {
				rows.Close()
				return fmt.Errorf("meter values of %s: %w", id, err)
			}
			times = append(times, at)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("meter values of %s: %w", id, err)
		}
		drop := thinned(times, every.Milliseconds())
		for len(drop) > 0 {
			k := min(200, len(drop))
			args := []any{cpid, txID, id}
			for _, at := range drop[:k] {
				args = append(args, at)
			}
			res, err := tx.Exec(ctx, `DELETE FROM meter_values WHERE cpid = ? AND transaction_id = ? AND session_id = ?
				AND sampled_at IN (?`+strings.Repeat(", ?", k-1)+`)`, args...)
			if err != nil {
				return fmt.Errorf("thin meter values of %s: %w", id, err)
			}
			n, _ := res.RowsAffected()
			deleted += n
			drop = drop[k:]
		}
		if _, err := tx.Exec(ctx, `UPDATE sessions SET meter_thinned = ? WHERE id = ?`, true, id); err != nil {
			return fmt.Errorf("mark %s thinned: %w", id, err)
		}
		return nil
	})
	return deleted, err
}

// thinned returns the sampled times (ascending, distinct) to drop: all
// but the first, the last and the first of each period of everyMS.
func thinned(times []int64, everyMS int64) []int64 {
	var drop []int64
	for i, at := range times {
		if i == 0 || i == len(times)-1 {
			continue
		}
		if floorDiv(at, everyMS) != floorDiv(times[i-1], everyMS) {
			continue // the first of its period
		}
		drop = append(drop, at)
	}
	return drop
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
