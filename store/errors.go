package store

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/ncruces/go-sqlite3"

	"github.com/volt-ev/volt"
)

// This file is the ONE place where driver errors of both engines become volt
// error codes. Everything else in the package calls mapError (the query
// helpers of DB and Tx already do).

// mappedError carries the volt error found for a driver error, the driver
// error itself (for logs) and, for busy or serialization failures, errRetry.
type mappedError struct {
	verr  *volt.Error
	cause error
	retry bool
}

func (e *mappedError) Error() string { return e.verr.Message + ": " + e.cause.Error() }

func (e *mappedError) Unwrap() []error {
	errs := []error{e.verr, e.cause}
	if e.retry {
		errs = append(errs, errRetry)
	}
	return errs
}

// mapError turns a driver error into a volt error (wrapped with the cause). A
// nil error, sql.ErrNoRows, an already mapped error and unknown errors are
// returned as they are; unknown errors read as EINTERNAL through volt.ErrorCode.
func mapError(err error) error {
	if err == nil || errors.Is(err, sql.ErrNoRows) {
		return err
	}
	var m *mappedError
	if errors.As(err, &m) {
		return err
	}
	var se *sqlite3.Error
	if errors.As(err, &se) {
		return mapSQLite(se, err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return mapPostgres(pe, err)
	}
	return err
}

func mapSQLite(se *sqlite3.Error, err error) error {
	switch se.ExtendedCode() {
	case sqlite3.CONSTRAINT_UNIQUE, sqlite3.CONSTRAINT_PRIMARYKEY:
		return conflict(sqliteColumns(se.Error()), err)
	case sqlite3.CONSTRAINT_FOREIGNKEY:
		return &mappedError{verr: fkError(), cause: err}
	case sqlite3.CONSTRAINT_NOTNULL:
		return &mappedError{verr: notNull(sqliteColumns(se.Error())), cause: err}
	}
	switch se.Code() {
	case sqlite3.BUSY, sqlite3.LOCKED:
		return &mappedError{verr: busyError(), cause: err, retry: true}
	}
	return err
}

func mapPostgres(pe *pgconn.PgError, err error) error {
	switch pe.Code {
	case "23505": // unique_violation
		return conflict(postgresColumns(pe.Detail), err)
	case "23503": // foreign_key_violation
		return &mappedError{verr: fkError(), cause: err}
	case "23502": // not_null_violation
		return &mappedError{verr: notNull(pe.ColumnName), cause: err}
	case "40001", "40P01": // serialization_failure, deadlock_detected
		return &mappedError{verr: busyError(), cause: err, retry: true}
	case "55P03": // lock_not_available
		return &mappedError{verr: busyError(), cause: err, retry: true}
	case "22021", "22P05": // character_not_in_repertoire (NUL, invalid UTF-8), untranslatable_character
		// The edges refuse or sanitize such text first (api/text.go,
		// httperr.FormText, gateway/sanitize.go); a path that slipped past
		// them is a client's bad input, not a server failure.
		return &mappedError{verr: volt.Errorf(volt.EINVALID, "Text with a NUL or invalid UTF-8 cannot be stored."), cause: err}
	}
	return err
}

// sqliteColumns extracts "email" from "UNIQUE constraint failed: users.email"
// (the first column when there are several).
func sqliteColumns(msg string) string {
	i := strings.LastIndex(msg, "failed: ")
	if i < 0 {
		return ""
	}
	cols := msg[i+len("failed: "):]
	if j := strings.IndexAny(cols, ", ("); j >= 0 {
		cols = cols[:j]
	}
	if j := strings.LastIndexByte(cols, '.'); j >= 0 {
		cols = cols[j+1:]
	}
	return strings.TrimSpace(cols)
}

// postgresColumns extracts "email" from "Key (email)=(a@b.c) already exists."
// (the last column when there are several: the first is often a scope column).
func postgresColumns(detail string) string {
	i := strings.Index(detail, "Key (")
	if i < 0 {
		return ""
	}
	rest := detail[i+len("Key ("):]
	j := strings.Index(rest, ")=")
	if j < 0 {
		return ""
	}
	cols := strings.Split(rest[:j], ",")
	return strings.TrimSpace(cols[len(cols)-1])
}

// fieldNames maps column names whose API field differs from the camel case of
// the column.
var fieldNames = map[string]string{
	"uid_norm":   "uid",
	"host_name":  "theme.hostNames",
	"token_hash": "token",
	"cpid":       "cpid",
}

// fieldOf returns the API field name of a column: "ocpp_identity" →
// "ocppIdentity".
func fieldOf(col string) string {
	if f, ok := fieldNames[col]; ok {
		return f
	}
	parts := strings.Split(col, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

func conflict(col string, err error) error {
	if col == "" {
		return &mappedError{verr: volt.Errorf(volt.ECONFLICT, "A record with the same key already exists."), cause: err}
	}
	f := fieldOf(col)
	return &mappedError{verr: &volt.Error{
		Code:    volt.ECONFLICT,
		Field:   f,
		Message: "This " + f + " is already in use.",
	}, cause: err}
}

func fkError() *volt.Error {
	return volt.Errorf(volt.ECONFLICT, "The record refers to one that does not exist, or is still referred to by others.")
}

func notNull(col string) *volt.Error {
	if col == "" {
		return volt.Errorf(volt.EINVALID, "A required field is missing.")
	}
	f := fieldOf(col)
	return &volt.Error{Code: volt.EINVALID, Field: f, Message: f + " is required."}
}

func busyError() *volt.Error {
	return volt.Errorf(volt.EUNAVAILABLE, "The database is busy; try again.")
}
