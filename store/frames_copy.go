package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/volt-ev/volt"
)

// frameWriter is the message log's own PostgreSQL connection (issue 12,
// item 6). Taken from the pool once and kept, it never waits for a pooled
// connection: under a flood, when every pooled connection was busy, the
// gateway's batch timed out waiting for one and its frames were dropped.
// Batches go in with COPY, one lazy commit each (the log is a record of
// traffic, not of money: a crash may lose its last moment, never a
// charger's answer).
type frameWriter struct {
	mu   sync.Mutex
	conn *sql.Conn
}

// frameConnMinPool is the smallest pool the message log keeps a connection
// of: in a smaller one it takes a pooled connection per batch, as other
// writes do, so that it never holds a share the node cannot spare.
const frameConnMinPool = 4

// frameColumns are frame_log's columns in the order copyFrames sends them.
var frameColumns = []string{"id", "cpid", "identity", "direction", "action", "unique_id", "frame", "at", "flags"}

// copyFrames stores frames (ids set, text clean) through the message log's
// connection, opening it when it has none or PostgreSQL closed it.
func (db *DB) copyFrames(ctx context.Context, frames []volt.FrameLog) error {
	w := &db.frames
	w.mu.Lock()
	defer w.mu.Unlock()
	for attempt := 1; ; attempt++ {
		if w.conn == nil {
			c, err := db.sql.Conn(ctx)
			if err != nil {
				return fmt.Errorf("message log connection: %w", err)
			}
			w.conn = c
		}
		err := w.conn.Raw(func(dc any) error {
			sc, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("message log connection: %T is not pgx's", dc)
			}
			return copyFramesTx(ctx, sc.Conn(), frames)
		})
		if err == nil {
			if n := db.maxOpen.Load(); n > 0 && n < frameConnMinPool {
				_ = w.conn.Close()
				w.conn = nil
			}
			return nil
		}
		if lostConnection(err) || ctx.Err() != nil {
			// Dead, or left mid-statement by the deadline: the next
			// batch gets a fresh connection (pgx discards a closed one).
			_ = w.conn.Close()
			w.conn = nil
			if attempt < lostConnAttempts && ctx.Err() == nil {
				db.dropIdle() // after a restart the idle ones are dead too
				continue
			}
		}
		return err
	}
}

func copyFramesTx(ctx context.Context, c *pgx.Conn, frames []volt.FrameLog) error {
	tx, err := c.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
		return fmt.Errorf("lazy commit: %w", err)
	}
	rows := pgx.CopyFromSlice(len(frames), func(i int) ([]any, error) {
		f := &frames[i]
		return []any{f.ID, f.CPID, f.Identity, f.Direction, f.Action, f.UniqueID, f.Frame, toMS(f.At), f.Flags}, nil
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"frame_log"}, frameColumns, rows); err != nil {
		return fmt.Errorf("copy frames: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// closeFrames returns the message log's connection to the pool.
func (db *DB) closeFrames() {
	db.frames.mu.Lock()
	defer db.frames.mu.Unlock()
	if db.frames.conn != nil {
		_ = db.frames.conn.Close()
		db.frames.conn = nil
	}
}
