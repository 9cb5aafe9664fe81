package store

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// lostConnection reports whether err says the database connection went away
// (PostgreSQL restarted or terminated the backend: SQLSTATE class 08,
// 57P01-57P03; a closed or broken socket). Such a transaction never reached
// COMMIT, so running it again on a fresh connection is safe; WithTx does,
// so that a node rides out a database restart without failing the
// chargers' messages in flight (issue 12, faults).
func lostConnection(err error) bool {
	if err == nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, net.ErrClosed) || pgconn.SafeToRetry(err) || strings.Contains(err.Error(), "conn closed")
}

// retryLost marks an error of a transaction that did not commit as worth
// retrying when the connection was lost (PostgreSQL only: SQLite has no
// connection to lose).
func (db *DB) retryLost(err error) error {
	if db.Dialect != Postgres || !lostConnection(err) || isRetryable(err) {
		return err
	}
	return fmt.Errorf("%w (%w)", err, errRetry)
}
