package store

import (
	"context"
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
	if notExecuted(err) {
		return true
	}
	var pe *pgconn.PgError
	if err == nil || errors.As(err, &pe) || ended(err) {
		return false
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "conn closed")
}

// retryLost marks an error of a transaction that did not commit as worth
// retrying when the connection was lost (PostgreSQL only: SQLite has no
// connection to lose).
func (db *DB) retryLost(err error) error {
	if db.Dialect != Postgres || !lostConnection(err) || isRetryable(err) {
		return err
	}
	db.dropIdle()
	return fmt.Errorf("%w (%w)", err, errRetry)
}

// notExecuted reports whether a statement outside a transaction certainly
// did not take effect, so that running it again cannot apply it twice: the
// server said the backend was ending (which aborts what it ran), or pgx
// knows the statement was never sent. A socket that broke after sending is
// not such a case: the statement may have committed.
func notExecuted(err error) bool {
	if err == nil || ended(err) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	return errors.Is(err, driver.ErrBadConn) || pgconn.SafeToRetry(err)
}

// ended reports whether err is the caller's context ending (a charger that
// gave up its handshake, a deadline). pgx calls a statement it refused for
// an ended context safe to retry, and it is, but it says nothing about the
// connection: taken for a lost one, it would empty the idle pool for a
// caller that left. database/sql filters most ended contexts out before
// pgx sees them; this is for the moment between its check and pgx's.
func ended(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
