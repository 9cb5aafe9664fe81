// Package storetest runs tests against every configured database engine:
// SQLite always, PostgreSQL when VOLT_TEST_POSTGRES_URL is set, each PostgreSQL
// test in a fresh schema dropped at cleanup. Other packages (api, gateway, web)
// use it to get a migrated *store.DB.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver for schema setup

	"github.com/volt-ev/volt/store"
)

// PostgresEnv names the environment variable holding the PostgreSQL URL.
const PostgresEnv = "VOLT_TEST_POSTGRES_URL"

// Engine is one database engine tests can run against.
type Engine struct {
	// Name is "sqlite" or "postgres".
	Name string
	// Open returns a fresh, migrated, empty database closed at t's cleanup.
	Open func(t testing.TB) *store.DB
	// DSN returns a fresh, empty, unmigrated database's DSN (a new SQLite
	// file, or a PostgreSQL URL with its own schema), dropped at cleanup.
	DSN func(t testing.TB) string
}

var logOnce sync.Once

// Engines returns the engines configured for this run: SQLite always,
// PostgreSQL when VOLT_TEST_POSTGRES_URL is set. It logs which ran, and says
// once on stderr whether the PostgreSQL suite is part of the run.
func Engines(t testing.TB) []Engine {
	t.Helper()
	engines := []Engine{{Name: "sqlite", Open: openWith(sqliteDSN), DSN: sqliteDSN}}
	pg := os.Getenv(PostgresEnv)
	if pg != "" {
		engines = append(engines, Engine{Name: "postgres", Open: openWith(postgresDSN), DSN: postgresDSN})
	}
	logOnce.Do(func() {
		if pg != "" {
			fmt.Fprintln(os.Stderr, "storetest: engines sqlite + postgres")
		} else {
			fmt.Fprintln(os.Stderr, "storetest: engines sqlite only ("+PostgresEnv+" unset, postgres skipped)")
		}
	})
	return engines
}

// ForEachEngine runs fn as a subtest per engine ("sqlite", "postgres") with a
// fresh migrated database. When PostgreSQL is not configured, a "postgres"
// subtest is reported as skipped so the output says so.
func ForEachEngine(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	engines := Engines(t)
	for _, e := range engines {
		t.Run(e.Name, func(t *testing.T) {
			fn(t, e.Open(t))
		})
	}
	if len(engines) == 1 {
		t.Run("postgres", func(t *testing.T) {
			t.Skip(PostgresEnv + " unset: PostgreSQL suite skipped")
		})
	}
}

// PostgresDSN returns a fresh, empty, unmigrated PostgreSQL database's DSN
// (a schema of its own, dropped at cleanup), for tests that need
// PostgreSQL only; it skips t when VOLT_TEST_POSTGRES_URL is unset.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	return postgresDSN(t)
}

// SQLite returns a fresh migrated SQLite database, for tests that need one
// engine only.
func SQLite(t testing.TB) *store.DB { return openWith(sqliteDSN)(t) }

func openWith(dsn func(testing.TB) string) func(testing.TB) *store.DB {
	return func(t testing.TB) *store.DB {
		t.Helper()
		ctx := context.Background()
		db, err := store.Open(ctx, dsn(t))
		if err != nil {
			t.Fatalf("open test database: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("migrate test database: %v", err)
		}
		return db
	}
}

func sqliteDSN(t testing.TB) string {
	return filepath.Join(t.TempDir(), "volt.db")
}

// postgresDSN creates schema t_<random> and returns the configured URL with
// search_path set to it; the schema is dropped at cleanup (registered before
// the database's own Close, so it runs after it).
func postgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skip(PostgresEnv + " unset")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
