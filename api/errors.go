package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/httperr"
)

// Codes of the API's own errors, beside the domain's (see volt.EINVALID...).
// They describe transport problems that never come from a service.
const (
	codeMethodNotAllowed = "method_not_allowed"
	codeNotAcceptable    = "not_acceptable"
	codeTooLarge         = "payload_too_large"
	codeUnsupportedMedia = "unsupported_media_type"
)

// codeStatus maps the API's own transport codes to HTTP statuses; domain codes
// go through httperr, the table every HTTP surface shares.
var codeStatus = map[string]int{
	codeMethodNotAllowed: http.StatusMethodNotAllowed,
	codeNotAcceptable:    http.StatusNotAcceptable,
	codeTooLarge:         http.StatusRequestEntityTooLarge,
	codeUnsupportedMedia: http.StatusUnsupportedMediaType,
}

// statusCode maps the statuses huma produces by itself (validation, body
// reading, content negotiation) to our codes. Huma reports schema validation
// failures as 422; for us malformed input is "invalid" (400) and 422 is kept
// for business rules, so 422 maps to invalid.
var statusCode = map[int]string{
	http.StatusBadRequest:            volt.EINVALID,
	http.StatusUnauthorized:          volt.EUNAUTHORIZED,
	http.StatusForbidden:             volt.EFORBIDDEN,
	http.StatusNotFound:              volt.ENOTFOUND,
	http.StatusMethodNotAllowed:      codeMethodNotAllowed,
	http.StatusNotAcceptable:         codeNotAcceptable,
	http.StatusRequestTimeout:        volt.EINVALID,
	http.StatusConflict:              volt.ECONFLICT,
	http.StatusRequestEntityTooLarge: codeTooLarge,
	http.StatusUnsupportedMediaType:  codeUnsupportedMedia,
	http.StatusUnprocessableEntity:   volt.EINVALID,
	http.StatusTooManyRequests:       volt.ERATELIMITED,
	http.StatusNotImplemented:        volt.ENOTIMPLEMENTED,
	http.StatusServiceUnavailable:    volt.EUNAVAILABLE,
	http.StatusGatewayTimeout:        volt.ETIMEOUT,
}

// StatusOf returns the HTTP status of an error code; unknown codes are 500.
func StatusOf(code string) int {
	if s, ok := codeStatus[code]; ok {
		return s
	}
	s, _ := httperr.Status(code)
	return s
}

// ErrorBody is the object inside every error answer.
type ErrorBody struct {
	Code    string `json:"code" doc:"Machine-readable error code, e.g. not_found, invalid, conflict."`
	Message string `json:"message" doc:"Human-readable message, safe to show."`
	Field   string `json:"field,omitempty" doc:"The input field the error is about, when there is one."`
	Details any    `json:"details,omitempty" doc:"Structured data for some codes (the charger's CALLERROR for charger_call_error)."`
}

// Error is every error answer of the API: {"error": {"code", "message",
// "field"?}}. It implements huma.StatusError.
type Error struct {
	status  int
	headers http.Header // e.g. Retry-After of a throttled request
	Body    ErrorBody   `json:"error"`
}

// GetHeaders implements huma.HeadersError: huma sets them on the answer.
func (e *Error) GetHeaders() http.Header {
	if e.headers == nil {
		return http.Header{}
	}
	return e.headers
}

// Error implements error.
func (e *Error) Error() string { return e.Body.Code + ": " + e.Body.Message }

// GetStatus implements huma.StatusError.
func (e *Error) GetStatus() int { return e.status }

// newError returns an API error with the status of its code.
func newError(code, message, field string) *Error {
	return &Error{status: StatusOf(code), Body: ErrorBody{Code: code, Message: message, Field: field}}
}

// toError converts a service error to the API error. Internal errors keep a
// generic message and are logged with their cause.
func toError(ctx context.Context, log *slog.Logger, err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	var ve *volt.Error
	if errors.As(err, &ve) {
		e := newError(ve.Code, ve.Message, ve.Field)
		e.Body.Details = ve.Details
		if wait, ok := volt.RetryAfterOf(err); ok {
			e.headers = http.Header{"Retry-After": {strconv.Itoa(int(wait.Seconds()))}}
		}
		if _, known := httperr.Status(ve.Code); !known || ve.Code == volt.EINTERNAL {
			log.ErrorContext(ctx, "api: internal error", "err", err)
			e = newError(volt.EINTERNAL, "Internal error.", "")
		}
		return e
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return newError(volt.ETIMEOUT, "The operation timed out.", "")
	}
	log.ErrorContext(ctx, "api: internal error", "err", err)
	return newError(volt.EINTERNAL, "Internal error.", "")
}

// humaError replaces huma.NewError so that huma's own errors (validation,
// malformed JSON, oversize body) come out in our shape.
func humaError(status int, msg string, errs ...error) huma.StatusError {
	code, ok := statusCode[status]
	if !ok {
		code = volt.EINTERNAL
	}
	e := newError(code, msg, "")
	if status == 0 {
		// huma asks for a zero error at registration to learn its schema.
		return e
	}
	if code == volt.EINTERNAL {
		slog.Default().Error("api: internal error in request handling", "status", status, "msg", msg, "errs", errs)
		e.Body.Message = "Internal error."
		return e
	}
	var parts []string
	for _, err := range errs {
		var d huma.ErrorDetailer
		if !errors.As(err, &d) {
			continue
		}
		det := d.ErrorDetail()
		field := fieldOf(det)
		if e.Body.Field == "" {
			e.Body.Field = field
		}
		if field != "" {
			parts = append(parts, field+": "+det.Message)
		} else {
			parts = append(parts, det.Message)
		}
	}
	if len(parts) > 0 {
		e.Body.Message = msg + ": " + strings.Join(parts, "; ")
	}
	return e
}

// fieldOf names the input field of a huma validation detail: "body.name"
// gives "name", "query.limit" gives "limit", and a missing required property
// (reported at its parent) gives the property.
func fieldOf(d *huma.ErrorDetail) string {
	loc := d.Location
	if loc == "body" {
		loc = ""
	}
	for _, p := range []string{"body.", "query.", "path.", "header."} {
		if rest, ok := strings.CutPrefix(loc, p); ok {
			loc = rest
			break
		}
	}
	if rest, ok := strings.CutPrefix(d.Message, "expected required property "); ok {
		if name, ok := strings.CutSuffix(rest, " to be present"); ok {
			if loc != "" {
				return loc + "." + name
			}
			return name
		}
	}
	return loc
}

func init() {
	// huma's error constructors are package variables: replacing them here
	// makes every error huma writes on its own use our shape. api is the
	// only package in Volt that serves through huma.
	huma.NewError = humaError
	huma.NewErrorWithContext = func(_ huma.Context, status int, msg string, errs ...error) huma.StatusError {
		return humaError(status, msg, errs...)
	}
}
