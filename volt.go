// Package volt is the domain of the Volt EV-charging platform: the types of the
// platform hierarchy (CPO, owner, host, site, charger group, charger), people and
// permissions, transactions, CDRs and money, their pure rules, the service
// interfaces that adapters implement, and the error codes every layer shares.
//
// It imports only the standard library. Adapters (store, gateway, api, web, ...)
// import volt; volt imports none of them. See ARCHITECTURE.md.
package volt

import (
	"errors"
	"fmt"
)

// Error codes shared by every layer. The api package maps each to one HTTP
// status in one table; the gateway maps some to OCPP answers.
const (
	EINVALID        = "invalid"         // input is malformed or a field is out of range (400)
	EUNAUTHORIZED   = "unauthorized"    // no or bad credentials (401)
	EFORBIDDEN      = "forbidden"       // authenticated but not allowed (403)
	ENOTFOUND       = "not_found"       // does not exist, or is not visible to the actor (404)
	ECONFLICT       = "conflict"        // duplicate key or concurrent change (409)
	EUNPROCESSABLE  = "unprocessable"   // well-formed but not allowed by a business rule (422)
	ERATELIMITED    = "rate_limited"    // too many attempts (429)
	EINTERNAL       = "internal"        // a bug or an infrastructure failure (500)
	ENOTIMPLEMENTED = "not_implemented" // a feature not built yet (501)

	// Charger command outcomes (see ChargerCommander).
	ECHARGEROFFLINE = "charger_offline"    // the charger has no live connection (409)
	ETIMEOUT        = "charger_timeout"    // the charger did not answer in time (504)
	ECALLERROR      = "charger_call_error" // the charger answered with a CALLERROR (502)
	EUNAVAILABLE    = "unavailable"        // a dependency (payment provider, ...) is down (503)

	// ENODEUNREACHABLE: the node holding the charger's connection did not
	// take the command (it stopped, or NATS cannot reach it) (502).
	ENODEUNREACHABLE = "node_unreachable"
)

// Error is the domain error: a machine-readable Code and a human-readable
// Message that is safe to show to the caller. Field names the input field the
// error is about, when there is one.
type Error struct {
	Code    string
	Message string
	Field   string
	// Details carries structured data for some codes (the CALLERROR of a
	// charger, for instance). It must be JSON-marshalable.
	Details any
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("volt error: code=%s field=%s message=%s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("volt error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID error about one input field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or a
// generic message for any other error so internals never leak to callers.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code string) bool { return ErrorCode(err) == code }
