package store

import (
	"database/sql"
	"sync"
	"time"
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
type handshakePool struct {
	mu     sync.Mutex
	db     *DB
	tried  bool
	closed bool
}

// handshakeDB returns the database a charger's handshake reads through: on
// PostgreSQL the handshake pool, opened on first use; on SQLite (reads
// never wait for a pooled connection there), or when it cannot be opened,
// db itself.
func (db *DB) handshakeDB() *DB {
	if db.Dialect != Postgres {
		return db
	}
	p := &db.handshakes
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.tried && !p.closed {
		p.tried = true
		if s, err := sql.Open("pgx", db.dsn); err == nil {
			s.SetMaxOpenConns(handshakeConns)
			s.SetMaxIdleConns(handshakeConns)
			s.SetConnMaxIdleTime(time.Minute)
			h := &DB{Now: db.Now, Dialect: db.Dialect, sql: s, dsn: db.dsn}
			h.maxIdle.Store(handshakeConns)
			h.maxOpen.Store(handshakeConns)
			p.db = h
		}
	}
	if p.db == nil {
		return db
	}
	return p.db
}

// closeHandshakes closes the handshake pool, if it was opened.
func (db *DB) closeHandshakes() {
	p := &db.handshakes
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.db != nil {
		_ = p.db.sql.Close()
		p.db = nil
	}
}
