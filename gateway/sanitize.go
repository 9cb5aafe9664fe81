package gateway

import (
	"bytes"
	"context"
	"reflect"
	"unicode/utf8"

	volt "github.com/volt-ev/volt"
)

// A charger's text may carry a NUL, another control character or invalid
// UTF-8 (a firmware bug, a card reader passing raw bytes). PostgreSQL
// refuses to store NUL and invalid UTF-8, SQLite stores them: the two
// engines must behave alike, and OCPP forbids losing the message (a
// refused StopTransaction is resent forever, a refused boot leaves the
// charger Pending). So every decoded CALL's strings are sanitized before
// a handler sees them (volt.SanitizeText: U+FFFD in place of the bad
// characters), the fix is logged, the message log's row is flagged, and
// transactions carry volt.FlagSanitizedInput on their session.

type sanitizedKey struct{}

// withSanitized marks ctx: the CALL being handled had its text sanitized.
func withSanitized(ctx context.Context) context.Context {
	return context.WithValue(ctx, sanitizedKey{}, true)
}

// inputFlags returns the flags of a CALL handled with ctx: FlagSanitizedInput
// when its text was sanitized, else nil.
func inputFlags(ctx context.Context) []string {
	if b, _ := ctx.Value(sanitizedKey{}).(bool); b {
		return []string{volt.FlagSanitizedInput}
	}
	return nil
}

// sanitizeRequest replaces bad text in every string reachable from the
// decoded request v (a pointer to a struct) and returns the paths of the
// fields it changed.
func sanitizeRequest(v any) []string {
	var changed []string
	sanitizeValue(reflect.ValueOf(v), "", &changed)
	return changed
}

func sanitizeValue(v reflect.Value, path string, changed *[]string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			sanitizeValue(v.Elem(), path, changed)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			if !t.Field(i).IsExported() {
				continue
			}
			name := t.Field(i).Name
			if path != "" {
				name = path + "." + name
			}
			sanitizeValue(v.Field(i), name, changed)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			sanitizeValue(v.Index(i), path+"[]", changed)
		}
	case reflect.String:
		if clean, bad := volt.SanitizeText(v.String()); bad {
			if v.CanSet() {
				v.SetString(clean)
			}
			*changed = append(*changed, path)
		}
	}
}

// frameFlags returns the message log flags of a raw frame from a charger:
// FlagSanitizedInput when its text has invalid UTF-8, a raw control byte
// or a JSON escape of a control character other than tab, newline and CR.
func frameFlags(data []byte) string {
	if !utf8.Valid(data) {
		return volt.FlagSanitizedInput
	}
	for _, b := range data {
		if b < 0x20 && b != '\t' && b != '\n' && b != '\r' {
			return volt.FlagSanitizedInput
		}
	}
	for i := bytes.IndexByte(data, '\\'); i >= 0 && i+1 < len(data); {
		switch data[i+1] {
		case 'b', 'f':
			return volt.FlagSanitizedInput
		case 'u':
			if i+5 < len(data) && controlEscape(data[i+2:i+6]) {
				return volt.FlagSanitizedInput
			}
		}
		next := bytes.IndexByte(data[i+2:], '\\') // skip the escaped character
		if next < 0 {
			break
		}
		i += 2 + next
	}
	return ""
}

// controlEscape reports whether the 4 hex digits of a \u escape name a C0
// control other than tab, newline and CR.
func controlEscape(hex []byte) bool {
	if hex[0] != '0' || hex[1] != '0' || (hex[2] != '0' && hex[2] != '1') {
		return false
	}
	switch string(bytes.ToLower(hex[2:])) {
	case "09", "0a", "0d":
		return false
	}
	return true
}
