package ocpp

import (
	"encoding/json"
	"errors"
	"reflect"
	"time"
)

// DateTime is an OCPP dateTime (OCPP 1.6 §7, "dateTime"; OCPP 2.0.1 Part 2
// §2.1.1). It reads RFC 3339 with 0 to 9 fractional digits (the 7-digit .NET
// form included) and a zone of "Z" or ±hh:mm. It also reads a time stamp
// without a zone, as UTC, and records it: validation rejects such a value
// unless the TimestampWithoutZone relaxation is on. It is written as RFC 3339
// in UTC with milliseconds, "2026-11-25T19:10:00.000Z".
type DateTime struct {
	time.Time
	noZone bool
}

// NewDateTime returns t as a DateTime.
func NewDateTime(t time.Time) DateTime { return DateTime{Time: t} }

// ZoneMissing reports whether the value was read without a zone.
func (d DateTime) ZoneMissing() bool { return d.noZone }

const dateTimeOut = "2006-01-02T15:04:05.000Z"

// String returns the wire form without quotes.
func (d DateTime) String() string { return d.Time.UTC().Format(dateTimeOut) }

// MarshalJSON implements json.Marshaler.
func (d DateTime) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(dateTimeOut)+2)
	b = append(b, '"')
	b = d.Time.UTC().AppendFormat(b, dateTimeOut)
	return append(b, '"'), nil
}

var (
	errDateTime     = errors.New("not an RFC 3339 date-time")
	dateTimeType    = reflect.TypeFor[DateTime]()
	errDateTimeJSON = &json.UnmarshalTypeError{Value: "non-string", Type: dateTimeType}
)

// UnmarshalJSON implements json.Unmarshaler. JSON null leaves d unchanged.
func (d *DateTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if len(b) < 2 || b[0] != '"' || json.Unmarshal(b, &s) != nil {
		return errDateTimeJSON
	}
	t, err := ParseDateTime(s)
	if err != nil {
		return err
	}
	*d = t
	return nil
}

// ParseDateTime reads an OCPP date-time as described on DateTime.
func ParseDateTime(s string) (DateTime, error) {
	if hasZone(s) {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return DateTime{}, errDateTime
		}
		return DateTime{Time: t}, nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC)
	if err != nil {
		return DateTime{}, errDateTime
	}
	return DateTime{Time: t, noZone: true}, nil
}

func hasZone(s string) bool {
	n := len(s)
	if n == 0 {
		return false
	}
	if s[n-1] == 'Z' || s[n-1] == 'z' {
		return true
	}
	// The zone, if any, is ±hh:mm; the date part's '-' sits further left.
	return n >= 6 && (s[n-6] == '+' || s[n-6] == '-') && s[n-3] == ':' && n > 19
}
