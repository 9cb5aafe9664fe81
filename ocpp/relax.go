package ocpp

import (
	"fmt"
	"strings"
)

// Relaxations is a set of named departures from the OCPP schemas that real
// chargers need. It is chosen per charger model and passed to every decode
// call; there is no global setting (LESSONS: ocpp-go #129). The zero value
// is strict.
type Relaxations uint32

// The relaxations. Their names (see String) are stored in the database, so
// they never change.
const (
	// LongStrings accepts strings longer than their maxLength. The string is
	// kept whole, not truncated: a 25-character model name still identifies
	// the model. Whoever stores it must allow for the length.
	LongStrings Relaxations = 1 << iota
	// TimestampWithoutZone accepts a date-time without "Z" or an offset,
	// read as UTC.
	TimestampWithoutZone
	// ConnectorIDZeroAsAbsent reads connectorId 0, in a field where OCPP
	// means a connector (> 0), as absent: an optional field stays nil, a
	// required one keeps 0, which the caller reads as "connector unknown".
	ConnectorIDZeroAsAbsent
	// EmptySampledValue accepts a MeterValue whose sampledValue list is
	// empty; the project's 1.6 schema asks for at least one.
	EmptySampledValue
	// NumbersAsStrings accepts a number sent as a JSON string ("12").
	NumbersAsStrings

	relaxAll = LongStrings | TimestampWithoutZone | ConnectorIDZeroAsAbsent | EmptySampledValue | NumbersAsStrings
)

// Strict is the empty set of relaxations.
const Strict Relaxations = 0

var relaxNames = []struct {
	r    Relaxations
	name string
}{
	{LongStrings, "LongStrings"},
	{TimestampWithoutZone, "TimestampWithoutZone"},
	{ConnectorIDZeroAsAbsent, "ConnectorIDZeroAsAbsent"},
	{EmptySampledValue, "EmptySampledValue"},
	{NumbersAsStrings, "NumbersAsStrings"},
}

// Has reports whether every relaxation in x is in r.
func (r Relaxations) Has(x Relaxations) bool { return r&x == x }

// Names returns the names of the relaxations in r, in a fixed order.
func (r Relaxations) Names() []string {
	var out []string
	for _, n := range relaxNames {
		if r&n.r != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// String returns the names of the relaxations in r joined by commas, "" for
// none. ParseRelaxations reads it back.
func (r Relaxations) String() string { return strings.Join(r.Names(), ",") }

// MarshalText implements encoding.TextMarshaler.
func (r Relaxations) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *Relaxations) UnmarshalText(b []byte) error {
	x, err := ParseRelaxations([]string{string(b)})
	if err != nil {
		return err
	}
	*r = x
	return nil
}

// ParseRelaxations reads relaxation names. Each element may itself be a
// comma-separated list (the form String writes); names are matched without
// regard to case, blanks are skipped, an unknown name is an error.
func ParseRelaxations(names []string) (Relaxations, error) {
	var r Relaxations
	for _, list := range names {
		for name := range strings.SplitSeq(list, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			found := false
			for _, n := range relaxNames {
				if strings.EqualFold(n.name, name) {
					r |= n.r
					found = true
					break
				}
			}
			if !found {
				return 0, fmt.Errorf("ocpp: unknown relaxation %q", name)
			}
		}
	}
	return r, nil
}
