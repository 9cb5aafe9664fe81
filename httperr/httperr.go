// Package httperr holds the one table from domain error codes to HTTP
// statuses, shared by every HTTP surface (REST API, Admin Portal, Driver Web
// App) so the same error never answers two different statuses.
package httperr

import (
	"net/http"

	volt "github.com/volt-ev/volt"
)

var statuses = map[string]int{
	volt.EINVALID:        http.StatusBadRequest,
	volt.EUNAUTHORIZED:   http.StatusUnauthorized,
	volt.EFORBIDDEN:      http.StatusForbidden,
	volt.ENOTFOUND:       http.StatusNotFound,
	volt.ECONFLICT:       http.StatusConflict,
	volt.EUNPROCESSABLE:  http.StatusUnprocessableEntity,
	volt.ERATELIMITED:    http.StatusTooManyRequests,
	volt.ECHARGEROFFLINE: http.StatusConflict,
	volt.ETIMEOUT:        http.StatusGatewayTimeout,
	volt.ECALLERROR:      http.StatusBadGateway,
	volt.EUNAVAILABLE:    http.StatusServiceUnavailable,
	volt.ENOTIMPLEMENTED: http.StatusNotImplemented,
	volt.EINTERNAL:       http.StatusInternalServerError,

	volt.ENODEUNREACHABLE: http.StatusBadGateway, // many nodes: the charger's node is gone
	volt.EONBOARDING:      http.StatusForbidden,  // the holding area (issue 16)
}

// Status returns the HTTP status of a domain error code and whether the code
// is one of the domain's; an unknown code is 500.
func Status(code string) (int, bool) {
	s, ok := statuses[code]
	if !ok {
		return http.StatusInternalServerError, false
	}
	return s, true
}

// StatusOf returns the HTTP status of err's code (500 for errors without a
// domain code).
func StatusOf(err error) int {
	s, _ := Status(volt.ErrorCode(err))
	return s
}
