package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Month partitions of meter_values (by sampled_at) and frame_log (by its
// time-ordered id) on PostgreSQL: migration 0015 and EnsurePartitions. On
// SQLite nothing is partitioned and these do nothing.

func init() { goSteps[15] = partitionByMonth }

// partitionedTables are the tables partitioned by month, with the bounds of
// a month in their partition key.
var partitionedTables = []struct {
	name  string
	bound func(t time.Time) int64
}{
	{"meter_values", func(t time.Time) int64 { return t.UnixMilli() }},
	{"frame_log", frameIDAt},
}

// frameIDAt is the smallest frame_log id issued at t (frameIDs.next).
func frameIDAt(t time.Time) int64 {
	ms := max(t.UnixMilli()-frameEpochMS, 0)
	return ms << 22
}

// partitionMonthsBack bounds how far back the migration creates month
// partitions for old rows; older rows go to the DEFAULT partition.
const partitionMonthsBack = 36

// partitionByMonth is the Go step of migration 0015: month partitions from
// the oldest row (at most partitionMonthsBack) to two months ahead, then
// the rows of the old tables moved in.
func partitionByMonth(ctx context.Context, tx *Tx) error {
	if tx.Dialect() != Postgres {
		return nil
	}
	now := tx.Now()
	oldest := now
	var minMS *int64
	if err := tx.QueryRow(ctx, `SELECT min(sampled_at) FROM meter_values_unpartitioned`).Scan(&minMS); err != nil {
		return fmt.Errorf("oldest meter value: %w", err)
	}
	if minMS != nil && time.UnixMilli(*minMS).Before(oldest) {
		oldest = time.UnixMilli(*minMS)
	}
	var minAt *int64
	if err := tx.QueryRow(ctx, `SELECT min(at) FROM frame_log_unpartitioned`).Scan(&minAt); err != nil {
		return fmt.Errorf("oldest frame: %w", err)
	}
	if minAt != nil && time.UnixMilli(*minAt).Before(oldest) {
		oldest = time.UnixMilli(*minAt)
	}
	if limit := monthStart(now).AddDate(0, -partitionMonthsBack, 0); oldest.Before(limit) {
		oldest = limit
	}
	for m := monthStart(oldest); !m.After(monthStart(now).AddDate(0, 2, 0)); m = m.AddDate(0, 1, 0) {
		if err := createMonthPartitions(ctx, tx, m); err != nil {
			return err
		}
	}
	for _, t := range []string{"meter_values", "frame_log"} {
		if _, err := tx.Exec(ctx, `INSERT INTO `+t+` SELECT * FROM `+t+`_unpartitioned`); err != nil {
			return fmt.Errorf("move %s into its partitions: %w", t, err)
		}
		if _, err := tx.Exec(ctx, `DROP TABLE `+t+`_unpartitioned`); err != nil {
			return fmt.Errorf("drop the old %s: %w", t, err)
		}
	}
	return nil
}

func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// partitionName is the partition of table for the month starting at m.
func partitionName(table string, m time.Time) string {
	return fmt.Sprintf("%s_y%04dm%02d", table, m.Year(), int(m.Month()))
}

func createMonthPartitions(ctx context.Context, tx *Tx, m time.Time) error {
	for _, t := range partitionedTables {
		q := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s PARTITION OF %s FOR VALUES FROM (%d) TO (%d)`,
			partitionName(t.name, m), t.name, t.bound(m), t.bound(m.AddDate(0, 1, 0)))
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("partition %s: %w", partitionName(t.name, m), err)
		}
	}
	return nil
}

// EnsurePartitions creates the month partitions of this month and the next
// two on PostgreSQL (run at start and daily: a month must exist before its
// first row, else the row lands in the DEFAULT partition and the month's
// partition can no longer be created). Nothing on SQLite.
func (db *DB) EnsurePartitions(ctx context.Context, now time.Time) error {
	if db.Dialect != Postgres {
		return nil
	}
	for i := range 3 {
		m := monthStart(now).AddDate(0, i, 0)
		err := db.WithTx(ctx, func(tx *Tx) error { return createMonthPartitions(ctx, tx, m) })
		if err != nil && !strings.Contains(err.Error(), "already exists") {
			return err
		}
	}
	return nil
}

// DropFramePartitions drops the message log's month partitions that end
// before olderThan (PostgreSQL; the retention job, before it deletes the
// rest row by row). It returns the partitions dropped.
func (db *DB) DropFramePartitions(ctx context.Context, olderThan time.Time) ([]string, error) {
	if db.Dialect != Postgres {
		return nil, nil
	}
	rows, err := db.Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'frame_log' AND p.relnamespace = c.relnamespace
		AND p.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())`)
	if err != nil {
		return nil, fmt.Errorf("list frame_log partitions: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list frame_log partitions: %w", err)
		}
		names = append(names, n)
	}
	rows.Close()
	var dropped []string
	for _, n := range names {
		var y, mo int
		if _, err := fmt.Sscanf(n, "frame_log_y%04dm%02d", &y, &mo); err != nil {
			continue // the DEFAULT partition
		}
		end := time.Date(y, time.Month(mo)+1, 1, 0, 0, 0, 0, time.UTC)
		if !end.After(olderThan) {
			if _, err := db.Exec(ctx, `DROP TABLE `+n); err != nil {
				return dropped, fmt.Errorf("drop partition %s: %w", n, err)
			}
			dropped = append(dropped, n)
		}
	}
	return dropped, nil
}
