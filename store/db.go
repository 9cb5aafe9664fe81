// Package store is Volt's one SQL storage package for SQLite and PostgreSQL.
//
// Open chooses the engine from the DSN: a postgres:// or postgresql:// URL opens
// PostgreSQL through pgx; anything else is an SQLite file path (or ":memory:",
// or a "file:" URI) opened with the pure-Go ncruces driver. SQL is written once
// with ? placeholders and portable types (TEXT, BIGINT, INTEGER, BOOLEAN,
// DOUBLE PRECISION); timestamps are BIGINT unix milliseconds UTC; ids are TEXT
// from volt.NewID. Driver errors are mapped to volt codes in errors.go only.
//
// Services: NewHierarchyService, NewChargerService, NewUserService and
// NewAuthService return one small type each, implementing the volt interface
// of the same name. Every method reads the actor from the context: reads are
// filtered by the actor's read scope (a resource outside it is ENOTFOUND),
// writes need write permission on the resource or, to create, on its parent
// (EFORBIDDEN when readable but not writable), and a missing actor is
// EUNAUTHORIZED. BootstrapSuperAdmin creates the first Super Admin.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "github.com/ncruces/go-sqlite3/driver"
	_ "github.com/ncruces/go-sqlite3/vfs/memdb"

	"github.com/volt-ev/volt/internal/seal"
)

// Dialect names the SQL engine behind a DB.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database. Now is the clock every transaction reads once at its
// start; tests replace it.
type DB struct {
	Now     func() time.Time
	Dialect Dialect

	sql *sql.DB
	dsn string
	// writer admits one write transaction at a time on SQLite (takeWriter);
	// nil on PostgreSQL.
	writer chan struct{}
	// ckptStop and ckptDone run the SQLite checkpointer (checkpoint.go).
	ckptStop, ckptDone chan struct{}
	// outbox, when enabled, makes transactions write their domain events
	// to the outbox table (outbox.go).
	outbox outboxState
	// updates decides whether session.updated goes to the journal
	// (eventlog.go: only while a webhook endpoint subscribes to it).
	updates updatesGate
	// secrets seals stored secrets (secrets.go; issue 19).
	secrets *seal.Sealer
	// maxIdle is the pool's idle connection limit (SetPool), restored
	// after dropIdle.
	maxIdle atomic.Int64
	// maxOpen is the pool's open connection limit (SetPool; 0: none).
	maxOpen atomic.Int64
	// frames is the message log's own connection (frames_copy.go).
	frames frameWriter
	// handshakes is chargers' handshake reads' own pool (handshake.go).
	handshakes handshakePool
	// stmts prepares what every service's transactions write (the event
	// journal), on SQLite.
	stmts stmtCache
	// commits counts committed transactions while attached (commitcount.go).
	commits atomic.Pointer[CommitCounter]
}

// Open opens the database named by dsn and refuses a schema newer than this
// binary knows. It does not migrate: call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{Now: time.Now, dsn: dsn}
	var err error
	checkpointer := false
	if isPostgresDSN(dsn) {
		db.Dialect = Postgres
		db.sql, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db.SetPool(50, 25)
		db.sql.SetConnMaxIdleTime(5 * time.Minute)
		if err := db.openHandshakes(); err != nil {
			db.sql.Close()
			return nil, err
		}
	} else {
		db.Dialect = SQLite
		name, err := sqliteDSN(dsn)
		if err != nil {
			return nil, err
		}
		db.sql, err = sql.Open("sqlite3", name)
		if err != nil {
			return nil, fmt.Errorf("open sqlite %q: %w", dsn, err)
		}
		db.sql.SetMaxOpenConns(8)
		db.sql.SetMaxIdleConns(8)
		db.writer = make(chan struct{}, 1)
		checkpointer = strings.Contains(name, "wal_autocheckpoint(0)")
	}
	if err := db.sql.PingContext(ctx); err != nil {
		db.closeHandshakes()
		db.sql.Close()
		return nil, fmt.Errorf("connect to %s database: %w", db.Dialect, err)
	}
	if err := db.checkSchemaVersion(ctx); err != nil {
		db.closeHandshakes()
		db.sql.Close()
		return nil, err
	}
	if checkpointer {
		db.startCheckpointer()
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	db.stopCheckpointer()
	db.closeFrames()
	db.closeHandshakes()
	err := db.sql.Close()
	db.awaitConnsClosed(closeWait)
	return err
}

// closeWait bounds how long Close waits for the connections database/sql
// still counts open when it was called: one a statement is still using
// (closed when the statement lets it go) or one its opener is still dialing
// (closed once dialed). Either may close after sql.DB.Close returned. On
// SQLite the last connection to close folds the WAL into the database file
// and removes it, so a caller that removes or copies the file next (a
// test's temporary folder, a backup) must wait.
const closeWait = 2 * time.Second

func (db *DB) awaitConnsClosed(max time.Duration) {
	deadline := time.Now().Add(max)
	for db.sql.Stats().OpenConnections > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}

// Ping checks that the database answers, for /healthz.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", db.Dialect, err)
	}
	return nil
}

// SetPool sets how many connections the database may open and keep idle
// (PostgreSQL; VOLT_DB_POOL).
// On PostgreSQL the message log keeps one of them for itself when there
// are at least frameConnMinPool.
func (db *DB) SetPool(open, idle int) {
	db.sql.SetMaxOpenConns(open)
	db.sql.SetMaxIdleConns(idle)
	db.maxIdle.Store(int64(idle))
	db.maxOpen.Store(int64(open))
}

// dropIdle closes the pool's idle connections once a statement met one that
// PostgreSQL had closed: after a restart or pg_terminate_backend every idle
// connection is dead, and database/sql hands out one used in the last
// second without a ping, so without this each would fail a statement in
// turn. The healthy ones it closes are reopened on demand.
func (db *DB) dropIdle() {
	idle := int(db.maxIdle.Load())
	db.sql.SetMaxIdleConns(0)
	db.sql.SetMaxIdleConns(idle)
}

// SQL returns the underlying *sql.DB for tools (bulk loaders, benchmarks).
// Application code uses BeginTx, WithTx and the query helpers instead.
func (db *DB) SQL() *sql.DB { return db.sql }

func isPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// sqliteDSN turns a path, ":memory:" or "file:" URI into a "file:" URI with
// the pragmas Volt needs. busy_timeout comes before journal_mode so that the
// switch to WAL itself waits for a lock instead of failing.
func sqliteDSN(dsn string) (string, error) {
	q := url.Values{}
	var base string
	memory := false
	switch {
	case dsn == ":memory:" || dsn == "":
		// Each connection of the pool must see the same database: memdb
		// shares one in-memory database by name.
		var b [8]byte
		_, _ = rand.Read(b[:])
		base = "file:/volt-" + hex.EncodeToString(b[:])
		q.Set("vfs", "memdb")
		memory = true
	case strings.HasPrefix(dsn, "file:"):
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse sqlite uri %q: %w", dsn, err)
		}
		q = u.Query()
		u.RawQuery = ""
		base = u.String()
		memory = q.Get("vfs") == "memdb" || q.Get("mode") == "memory"
		if p := u.Opaque; p == "" && u.Path != "" && !memory {
			if err := os.MkdirAll(filepath.Dir(u.Path), 0o750); err != nil {
				return "", fmt.Errorf("create database directory: %w", err)
			}
		}
	default:
		abs, err := filepath.Abs(dsn)
		if err != nil {
			return "", fmt.Errorf("sqlite path %q: %w", dsn, err)
		}
		if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
			return "", fmt.Errorf("create database directory: %w", err)
		}
		base = (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
	}
	// Order matters and url.Values sorts keys, so the query is built by hand.
	var b strings.Builder
	b.WriteString(base)
	b.WriteString("?")
	if enc := q.Encode(); enc != "" {
		b.WriteString(enc)
		b.WriteString("&")
	}
	b.WriteString("_pragma=busy_timeout(10000)")
	if !memory {
		b.WriteString("&_pragma=journal_mode(wal)&_pragma=synchronous(normal)&_pragma=wal_autocheckpoint(0)")
	}
	b.WriteString("&_pragma=foreign_keys(on)")
	if !q.Has("_txlock") {
		b.WriteString("&_txlock=immediate")
	}
	return b.String(), nil
}

// Exec runs a statement outside a transaction. Placeholders are ?.
//
// On SQLite it waits for the writer slot like a write transaction
// (takeWriter): left to the busy handler, a lone UPDATE (a heartbeat's
// last_seen_at) polled the lock with sleeps of up to 100 ms while the
// ordered writers held it, and those sleeps were the answer tail once
// heartbeats began (issue 12, item 8).
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	release, err := db.takeWriter(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	q := db.rebind(query)
	return runAgain(db, notExecuted, func() (sql.Result, error) { return db.sql.ExecContext(ctx, q, args...) })
}

// Query runs a read outside a transaction. Placeholders are ?.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q := db.rebind(query)
	return runAgain(db, lostConnection, func() (*sql.Rows, error) { return db.sql.QueryContext(ctx, q, args...) })
}

// QueryRow runs a single-row read outside a transaction. Placeholders are ?.
// The query runs when Scan is called, so that a read that met a pooled
// connection PostgreSQL had closed can run again on another.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *Row {
	return &Row{db: db, ctx: ctx, query: db.rebind(query), args: args}
}

// Row is a single-row result whose Scan maps driver errors to volt codes.
// sql.ErrNoRows is returned as is, for the caller to phrase as ENOTFOUND.
type Row struct {
	// row is a prepared statement's row (charging_stmt.go), scanned as is.
	row *sql.Row
	// db, ctx, query and args describe a read run by Scan (DB.QueryRow).
	db    *DB
	ctx   context.Context
	query string
	args  []any
}

// Scan copies the row's columns into dest.
func (r *Row) Scan(dest ...any) error {
	if r.db == nil {
		return mapError(r.row.Scan(dest...))
	}
	_, err := runAgain(r.db, lostConnection, func() (struct{}, error) {
		return struct{}{}, r.db.sql.QueryRowContext(r.ctx, r.query, r.args...).Scan(dest...)
	})
	return err
}

// lostConnAttempts bounds how often a statement outside a transaction is
// run when it keeps meeting connections PostgreSQL closed (a restart or
// pg_terminate_backend). Each retry follows dropIdle, so a second dead
// connection comes only from one that was busy meanwhile.
const lostConnAttempts = 4

// runAgain runs a statement outside a transaction, and on PostgreSQL again
// (up to lostConnAttempts) while its error says again(err): the
// connection was lost and running it once more is safe. Errors are mapped.
func runAgain[T any](db *DB, again func(error) bool, run func() (T, error)) (T, error) {
	for attempt := 1; ; attempt++ {
		v, err := run()
		if attempt < lostConnAttempts && db.Dialect == Postgres && again(err) {
			db.dropIdle()
			continue
		}
		return v, mapError(err)
	}
}

func (db *DB) rebind(query string) string {
	if db.Dialect != Postgres {
		return query
	}
	return rebindDollar(query)
}

// rebindDollar replaces ? placeholders with $1, $2... outside quoted strings
// and identifiers.
func rebindDollar(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteString("$")
			b.WriteString(fmt.Sprint(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
