package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// toMS returns t as unix milliseconds UTC, the storage form of every time.
func toMS(t time.Time) int64 { return t.UnixMilli() }

// toNullMS returns t as unix milliseconds, or nil (SQL NULL) for a nil time.
func toNullMS(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

// fromMS returns unix milliseconds as a UTC time.
func fromMS(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// fromNullMS returns a nullable unix-milliseconds column as a *time.Time.
func fromNullMS(ms sql.NullInt64) *time.Time {
	if !ms.Valid {
		return nil
	}
	t := fromMS(ms.Int64)
	return &t
}

// nullString returns s, or nil (SQL NULL) for "".
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// encodeJSON returns v as JSON text for a TEXT column.
func encodeJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode json column: %w", err)
	}
	return string(b), nil
}

// decodeJSON reads a JSON TEXT column into v; an empty column leaves v as is.
func decodeJSON(s string, v any) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("decode json column: %w", err)
	}
	return nil
}

// encodeStringList returns a list as JSON text ("[]" for nil).
func encodeStringList(l []string) string {
	if l == nil {
		l = []string{}
	}
	b, _ := json.Marshal(l) // a []string always marshals
	return string(b)
}

// decodeStringList reads a JSON list of strings from a TEXT column.
func decodeStringList(s string) ([]string, error) {
	l := []string{}
	if err := decodeJSON(s, &l); err != nil {
		return nil, err
	}
	return l, nil
}

// likePrefix returns the LIKE pattern matching strings that start with s
// (lower-cased; LIKE wildcards in s are escaped with \).
func likePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(strings.ToLower(strings.TrimSpace(s))) + "%"
}

// valuesRows returns n copies of row, such as "(?, ?)", joined by commas:
// the VALUES list of a multi-row statement.
func valuesRows(n int, row string) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat(row+", ", n-1) + row
}
