package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache holds prepared statements of the hot OCPP paths (meter values) on
// SQLite, prepared once per connection instead of parsed per call: parsing
// was a quarter of the CPU of a MeterValues message. PostgreSQL needs none:
// pgx prepares and caches statements per connection by itself.
//
// A statement is prepared in the background the first time it is seen, never
// inside the caller's transaction: preparing on the pool while holding a
// transaction could wait for a connection that every other transaction holds
// while it waits for this one's locks. Until it is ready, calls run the SQL
// unprepared.
type stmtCache struct {
	m sync.Map // rebound query → *sql.Stmt, or nil while being prepared
}

// stmt returns query prepared for tx, or nil to run it unprepared.
func (c *stmtCache) stmt(ctx context.Context, tx *Tx, query string) *sql.Stmt {
	if tx.Dialect() != SQLite {
		return nil
	}
	if st := c.prepared(tx.db, query); st != nil {
		return tx.Tx.StmtContext(ctx, st)
	}
	return nil
}

// prepared returns query prepared on db's pool, or nil while it is being
// prepared (the first call starts that in the background).
func (c *stmtCache) prepared(db *DB, query string) *sql.Stmt {
	v, loaded := c.m.LoadOrStore(query, (*sql.Stmt)(nil))
	if !loaded {
		go func() {
			st, err := db.sql.PrepareContext(context.Background(), query)
			if err != nil {
				c.m.Delete(query) // try again another time
				return
			}
			c.m.Store(query, st)
		}()
		return nil
	}
	st, _ := v.(*sql.Stmt)
	return st
}

// exec runs a statement in tx, prepared when it can be.
func (c *stmtCache) exec(ctx context.Context, tx *Tx, query string, args ...any) (sql.Result, error) {
	st := c.stmt(ctx, tx, query)
	if st == nil {
		return tx.Exec(ctx, query, args...)
	}
	res, err := st.ExecContext(ctx, args...)
	return res, mapError(err)
}

// queryRow runs a single-row query in tx, prepared when it can be.
func (c *stmtCache) queryRow(ctx context.Context, tx *Tx, query string, args ...any) rowScanner {
	st := c.stmt(ctx, tx, query)
	if st == nil {
		return tx.QueryRow(ctx, query, args...)
	}
	return &Row{row: st.QueryRowContext(ctx, args...)}
}

// queryRowDB runs a single-row query outside any transaction, prepared when
// it can be (SQLite).
func (c *stmtCache) queryRowDB(ctx context.Context, db *DB, query string, args ...any) rowScanner {
	if db.Dialect == SQLite {
		if st := c.prepared(db, query); st != nil {
			return &Row{row: st.QueryRowContext(ctx, args...)}
		}
	}
	return db.QueryRow(ctx, query, args...)
}

// maxCachedRows is the largest multi-row statement kept prepared: one
// statement per row count, so the cache stays small.
const maxCachedRows = 8

// execRows runs a multi-row statement of rows rows in tx, prepared when it
// is small enough to keep (and c is not nil).
func (c *stmtCache) execRows(ctx context.Context, tx *Tx, rows int, query string, args ...any) (sql.Result, error) {
	if c != nil && rows <= maxCachedRows {
		return c.exec(ctx, tx, query, args...)
	}
	return tx.Exec(ctx, query, args...)
}
