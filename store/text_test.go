package store_test

import (
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestPostgresRefusesNULAsInvalid: text the edges should have refused that
// reaches PostgreSQL anyway is a client's bad input (invalid, 400), never an
// internal error (500). SQLite stores it; the edges keep the engines alike.
func TestPostgresRefusesNULAsInvalid(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		if db.Dialect != store.Postgres {
			t.Skip("SQLite stores a NUL")
		}
		err := store.NewHierarchyService(db).CreateCPO(sysCtx(), &volt.CPO{Name: "Bad\x00Name"})
		wantCode(t, "NUL in a CPO name", err, volt.EINVALID)
	})
}
