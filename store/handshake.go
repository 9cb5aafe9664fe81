package store

import (
	"database/sql"
	"fmt"
	"sync/atomic"
)

// handshakeConns is the size of the pool chargers' handshake reads have to
// themselves on PostgreSQL, beside the node's pool (VOLT_DB_POOL).
const handshakeConns = 4

// handshakePool is the pool of its own that chargers' handshakes read
// through on PostgreSQL (issue 12). In a reconnect storm the node's pool is
// held by the transactions of the chargers already on line, and a
// handshake that queued behind them outlived its charger's patience (the
// 50,000 runs logged tens of thousands of such reads abandoned); four
// connections of their own serve the gateway's 32 places to authenticate.
//
// It is opened with the database (sql.Open connects on first use) and has
// no idle timeout, so it starts no goroutine after Open: at most four idle
// connections stay open until Close.
type handshakePool struct {
	db atomic.Pointer[DB]
}

// openHandshakes opens db's handshake pool (PostgreSQL).
func (db *DB) openHandshakes() error {
	s, err := sql.Open("pgx", db.dsn)
	if err != nil {
		return fmt.Errorf("open handshake pool: %w", err)
	}
	s.SetMaxOpenConns(handshakeConns)
	s.SetMaxIdleConns(handshakeConns)
	h := &DB{Now: db.Now, Dialect: db.Dialect, sql: s, dsn: db.dsn}
	h.maxIdle.Store(handshakeConns)
	h.maxOpen.Store(handshakeConns)
	db.handshakes.db.Store(h)
	return nil
}

// handshakeDB returns the database a charger's handshake reads through: the
// handshake pool on PostgreSQL, db itself on SQLite (reads never wait for a
// pooled connection there).
func (db *DB) handshakeDB() *DB {
	if h := db.handshakes.db.Load(); h != nil {
		return h
	}
	return db
}

// closeHandshakes closes the handshake pool, if any.
func (db *DB) closeHandshakes() {
	if h := db.handshakes.db.Swap(nil); h != nil {
		_ = h.sql.Close()
	}
}
