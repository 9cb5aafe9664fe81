package storetest_test

import (
	"context"
	"testing"

	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestEnginesMigrated checks every configured engine hands out a migrated,
// empty database at the binary's schema version. CI runs it verbosely and
// fails when the postgres subtest is skipped, so a green CI proves the
// PostgreSQL half of the conformance suite ran.
func TestEnginesMigrated(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v, err := db.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v != store.KnownSchemaVersion() {
			t.Fatalf("schema version %d, binary knows %d", v, store.KnownSchemaVersion())
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM chargers`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("fresh database has %d chargers", n)
		}
		t.Logf("%s: migrated to schema %d", db.Dialect, v)
	})
}
