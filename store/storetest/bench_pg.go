package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/volt-ev/volt/store"
)

// BenchEstatePostgres returns the benchmark estate of BenchEstate on
// PostgreSQL (VOLT_TEST_POSTGRES_URL; skipped when unset), kept in schema
// bench_web_b<builder version> and reused across runs. Migrations newer than
// the kept schema are applied on open (they are additive), followed by
// ANALYZE, so a new index does not force a rebuild of the estate. The schema
// is shared: do not write to it in ways later runs would notice.
func BenchEstatePostgres(tb testing.TB) (*store.DB, Estate) {
	tb.Helper()
	ctx := context.Background()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		tb.Skip(PostgresEnv + " unset: PostgreSQL benchmark skipped")
	}
	e := benchEstate()
	schema := fmt.Sprintf("bench_web_b%d", benchEstateVersion)
	dsn, err := withSearchPath(base, schema)
	if err != nil {
		tb.Fatal(err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA IF NOT EXISTS ` + schema); err != nil {
		tb.Fatalf("create schema %s: %v", schema, err)
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	before, err := db.SchemaVersion(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	if builtAt, ok := benchBuilt(ctx, db); ok {
		if before != store.KnownSchemaVersion() {
			if _, err := db.Exec(ctx, `ANALYZE`); err != nil {
				tb.Fatal(err)
			}
		}
		e.BuiltAt = builtAt
		return db, e
	}
	start := time.Now()
	if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE; CREATE SCHEMA ` + schema); err != nil {
		tb.Fatalf("reset schema %s: %v", schema, err)
	}
	if err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	if err := buildEstate(ctx, db, e, start.UTC()); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("built the PostgreSQL benchmark estate in schema %s in %v", schema, time.Since(start).Round(time.Second))
	builtAt, _ := benchBuilt(ctx, db)
	e.BuiltAt = builtAt
	return db, e
}

// withSearchPath returns the PostgreSQL URL base with search_path set.
func withSearchPath(base, schema string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("parse %s: %w", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
