package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one embedded file migrations/NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations returns the embedded migrations in version order, refusing
// duplicate or malformed numbers.
func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %q: name must be NNNN_name.sql", e.Name())
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %q and %q share version %d", prev, e.Name(), v)
		}
		seen[v] = e.Name()
		b, err := migrationFS.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %q: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// goSteps are the parts of migrations written in Go, run after the
// migration's SQL in the same transaction: conversions SQL cannot do
// exactly on both engines.
var goSteps = map[int]func(context.Context, *Tx) error{
	8: convertMeterSamples,
}

// KnownSchemaVersion returns the newest schema version this binary carries.
func KnownSchemaVersion() int {
	ms, err := loadMigrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version BIGINT PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`

// SchemaVersion returns the highest applied migration, 0 for an empty database.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var exists bool
	var err error
	if db.Dialect == Postgres {
		err = db.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists)
	} else {
		var n int
		err = db.QueryRow(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n)
		exists = n > 0
	}
	if err != nil {
		return 0, fmt.Errorf("look for schema_migrations: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := db.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// ErrSchemaTooNew is wrapped by Open's error when the database was migrated
// by a newer binary.
var ErrSchemaTooNew = errors.New("database schema is newer than this binary")

func (db *DB) checkSchemaVersion(ctx context.Context) error {
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if known := KnownSchemaVersion(); v > known {
		return fmt.Errorf("%w: database is at version %d, this binary knows up to %d; upgrade Volt", ErrSchemaTooNew, v, known)
	}
	return nil
}

// Migrate applies every embedded migration not yet applied, each in its own
// transaction recorded in schema_migrations. On PostgreSQL an advisory lock
// keeps two nodes from migrating at once.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	if db.Dialect == Postgres {
		conn, err := db.sql.Conn(ctx)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		defer conn.Close()
		const lockID = 0x766f6c74 // "volt"
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, lockID); err != nil {
			return fmt.Errorf("migrate: take lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, lockID)
	}
	if _, err := db.Exec(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	if err := db.checkSchemaVersion(ctx); err != nil {
		return err
	}
	for _, m := range ms {
		if err := db.applyMigration(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) applyMigration(ctx context.Context, m migration) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if n > 0 {
			return nil
		}
		for _, stmt := range splitStatements(m.sql) {
			if stmt.only != "" && stmt.only != SQLite && stmt.only != Postgres {
				return fmt.Errorf("migration %s: unknown engine %q after %q", m.name, stmt.only, onlyMarker)
			}
			if stmt.only != "" && stmt.only != db.Dialect {
				continue
			}
			if _, err := tx.Exec(ctx, stmt.text); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		if step := goSteps[m.version]; step != nil {
			if err := step(ctx, tx); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.version, m.name, time.Now().UnixMilli())
		if err != nil {
			return fmt.Errorf("record migration %s: %w", m.name, err)
		}
		return nil
	})
}

// statement is one statement of a migration; only, when set, names the one
// engine it runs on.
type statement struct {
	text string
	only Dialect
}

// onlyMarker, as a comment line "-- only: postgres" (or sqlite) before a
// statement, restricts that statement to one engine: for what has no portable
// spelling, such as PostgreSQL's COLLATE "C" indexes.
const onlyMarker = "-- only:"

// splitStatements splits a migration on semicolons that end a line, dropping
// comment-only lines except the onlyMarker. Statements must not contain ";\n"
// inside literals.
func splitStatements(text string) []statement {
	var out []statement
	var cur strings.Builder
	var only Dialect
	for line := range strings.SplitSeq(text, "\n") {
		trim := strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(trim, onlyMarker); ok {
			only = Dialect(strings.TrimSpace(rest))
			continue
		}
		if trim == "" || strings.HasPrefix(trim, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(trim, ";") {
			if s := strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"); s != "" {
				out = append(out, statement{text: s, only: only})
			}
			cur.Reset()
			only = ""
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, statement{text: s, only: only})
	}
	return out
}
