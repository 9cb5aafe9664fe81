// Package ocpi is Volt's OCPI 2.2.1 interface (issue 14): the versions and
// credentials handshake in both directions, the CPO modules Volt serves to
// eMSP partners (locations, tariffs, tokens received, commands), the eMSP
// modules it serves to CPO partners (locations, sessions and CDRs
// received), the client that calls partners and the queue of pushes owed
// to them. Each CPO of Volt is its own party: the credentials token names
// the partner, and the partner names the CPO. The open data feed reuses
// the Locations mapping.
package ocpi

import (
	"encoding/json"
	"net/http"
	"time"
)

// Version is the one OCPI version Volt speaks.
const Version = "2.2.1"

// OCPI status codes (OCPI 2.2.1 §5).
const (
	StatusSuccess             = 1000
	StatusClientError         = 2000
	StatusInvalidParameters   = 2001
	StatusNotEnoughInfo       = 2002
	StatusUnknownLocation     = 2003
	StatusUnknownToken        = 2004
	StatusServerError         = 3000
	StatusUnableToUseClient   = 3001
	StatusUnsupportedVersion  = 3002
	StatusNoMatchingEndpoints = 3003
)

// Response is the envelope of every OCPI answer (OCPI 2.2.1 §4.1.7).
type Response struct {
	Data          any    `json:"data,omitempty"`
	StatusCode    int    `json:"status_code"`
	StatusMessage string `json:"status_message,omitempty"`
	Timestamp     string `json:"timestamp"`
}

// rawResponse is an envelope as read from a partner.
type rawResponse struct {
	Data          json.RawMessage `json:"data"`
	StatusCode    int             `json:"status_code"`
	StatusMessage string          `json:"status_message"`
	Timestamp     string          `json:"timestamp"`
}

// DateTime formats t as OCPI DateTime: UTC, seconds, "Z" (§16.2).
func DateTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// ParseDateTime reads an OCPI DateTime, with or without the zone (UTC is
// implied) and with fractions.
func ParseDateTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, &ocpiError{http.StatusBadRequest, StatusInvalidParameters, "Bad DateTime " + s}
}

// ocpiError is an answer other than success: its HTTP status and OCPI code.
type ocpiError struct {
	httpStatus int
	code       int
	msg        string
}

func (e *ocpiError) Error() string { return e.msg }

func badRequest(code int, msg string) error { return &ocpiError{http.StatusBadRequest, code, msg} }

func notFoundErr(code int, msg string) error { return &ocpiError{http.StatusNotFound, code, msg} }

// write sends the envelope with data.
func write(w http.ResponseWriter, status int, code int, msg string, data any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(Response{Data: data, StatusCode: code, StatusMessage: msg, Timestamp: DateTime(time.Now())})
}

// ok answers success with data.
func ok(w http.ResponseWriter, data any) { write(w, http.StatusOK, StatusSuccess, "Success", data) }
