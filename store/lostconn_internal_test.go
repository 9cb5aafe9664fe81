package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestLostConnectionIsRetriedOnPostgres(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "57P01"}, true}, // admin_shutdown: the backend was terminated
		{fmt.Errorf("record status: %w", &pgconn.PgError{Code: "08006"}), true},
		{driver.ErrBadConn, true},
		{&pgconn.PgError{Code: "23505"}, false}, // a unique violation is an answer, not a lost connection
		{errors.New("charger not found"), false},
		{nil, false},
	} {
		if got := lostConnection(c.err); got != c.want {
			t.Errorf("lostConnection(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	// sql.Open connects to nothing: retryLost only empties its idle pool.
	pool, err := sql.Open("pgx", "postgres://127.0.0.1:1/none")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	pg, lite := &DB{Dialect: Postgres, sql: pool}, &DB{Dialect: SQLite}
	if !isRetryable(pg.retryLost(&pgconn.PgError{Code: "57P01"})) {
		t.Error("a terminated backend on PostgreSQL: want retried")
	}
	if isRetryable(lite.retryLost(driver.ErrBadConn)) {
		t.Error("SQLite: nothing to retry")
	}
}
