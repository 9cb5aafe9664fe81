package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
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
		{fmt.Errorf("authenticate: %w", context.Canceled), false},
		{fmt.Errorf("query: %w", context.DeadlineExceeded), false},
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

// TestEndedContextIsNotALostConnection (PostgreSQL): the error pgx gives a
// statement whose context had ended is "safe to retry" (it was never
// sent), yet the connection is fine: it must not count as lost, which
// would empty the idle pool for a caller that left.
func TestEndedContextIsNotALostConnection(t *testing.T) {
	url := os.Getenv("VOLT_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("VOLT_TEST_POSTGRES_URL unset: PostgreSQL only")
	}
	conn, err := pgconn.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = conn.Exec(ended, "SELECT 1").ReadAll()
	if err == nil || !pgconn.SafeToRetry(err) {
		t.Fatalf("pgx's error for an ended context: %v (safe to retry %v), want one safe to retry", err, pgconn.SafeToRetry(err))
	}
	if lostConnection(err) || notExecuted(err) {
		t.Fatalf("%v counted as a lost connection", err)
	}
}
