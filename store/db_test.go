package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func TestMigrateIsIdempotentAndVersioned(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v, err := db.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v != store.KnownSchemaVersion() || v < 1 {
			t.Fatalf("schema version %d, binary knows %d", v, store.KnownSchemaVersion())
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		// One row per migration file; numbers may have gaps (each branch
		// takes its assigned numbers), so count the files, not the version.
		files, err := filepath.Glob(filepath.Join("migrations", "*.sql"))
		if err != nil {
			t.Fatal(err)
		}
		if n != len(files) {
			t.Fatalf("schema_migrations has %d rows after two migrations, want %d", n, len(files))
		}
	})
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			dsn := e.DSN(t)
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			future := store.KnownSchemaVersion() + 1
			if _, err := db.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, future, "9999_future.sql", 0); err != nil {
				t.Fatal(err)
			}
			db.Close()
			db, err = store.Open(ctx, dsn)
			if err == nil {
				db.Close()
				t.Fatal("Open accepted a database from a newer binary")
			}
			if !errors.Is(err, store.ErrSchemaTooNew) {
				t.Fatalf("Open error %v, want ErrSchemaTooNew", err)
			}
		})
	}
}

func TestOpenCreatesParentDirectory(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a", "b", "volt.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := db.QueryRow(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Fatalf("journal_mode %q, want wal", mode)
	}
	var fk int
	if err := db.QueryRow(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if fk != 1 {
		t.Fatal("foreign_keys off")
	}
}

func TestMemoryDatabaseIsSharedByConnections(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// Hold one connection in a transaction; a read on another connection
	// must still see the migrated schema.
	tx, err := db.BeginTx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := db.SchemaVersion(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestDriverErrorsMapToVoltCodes(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ins := `INSERT INTO users (id, email, name, created_at, updated_at) VALUES (?, ?, ?, 0, 0)`
		if _, err := db.Exec(ctx, ins, "usr_1", "a@example.com", "A"); err != nil {
			t.Fatal(err)
		}
		_, err := db.Exec(ctx, ins, "usr_2", "a@example.com", "B")
		var ve *volt.Error
		if !errors.As(err, &ve) || ve.Code != volt.ECONFLICT || ve.Field != "email" {
			t.Fatalf("duplicate email: %v, want ECONFLICT on email", err)
		}
		_, err = db.Exec(ctx, `INSERT INTO memberships (usergroup_id, user_id, created_at) VALUES (?, ?, 0)`, "ugr_missing", "usr_1")
		if volt.ErrorCode(err) != volt.ECONFLICT {
			t.Fatalf("foreign key: %v, want ECONFLICT", err)
		}
		_, err = db.Exec(ctx, `INSERT INTO users (id, email, name, created_at, updated_at) VALUES (?, NULL, ?, 0, 0)`, "usr_3", "C")
		if !errors.As(err, &ve) || ve.Code != volt.EINVALID || ve.Field != "email" {
			t.Fatalf("not null: %v, want EINVALID on email", err)
		}
	})
}

func TestWithTxConcurrentWritersNeverSurfaceBusy(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const workers, each = 8, 50
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					err := db.WithTx(ctx, func(tx *store.Tx) error {
						var n int64
						if err := tx.QueryRow(ctx, `UPDATE counters SET value = value + 1 WHERE name = 'cpid' RETURNING value`).Scan(&n); err != nil {
							return err
						}
						_, err := tx.Exec(ctx, `INSERT INTO users (id, email, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
							volt.NewID("usr"), volt.NewID("e")+"@example.com", "w", tx.NowMS(), n)
						return err
					})
					if err != nil {
						errs <- err
					}
					_ = w
					_ = i
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent write: %v", err)
		}
		var users, counter int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&users); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(ctx, `SELECT value FROM counters WHERE name = 'cpid'`).Scan(&counter); err != nil {
			t.Fatal(err)
		}
		if users != workers*each || counter != workers*each {
			t.Fatalf("users %d counter %d, want %d", users, counter, workers*each)
		}
	})
}
