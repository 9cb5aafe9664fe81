package volt

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// FlagSanitizedInput marks a session (and the message log marks a frame)
// whose charger input had control characters or invalid UTF-8 in a text
// field: they were replaced by U+FFFD rather than refusing the message, so
// a transaction is never lost to an odd byte.
const FlagSanitizedInput = "sanitized_input"

// BadText returns why s may not be stored as text, or "": invalid UTF-8,
// or a C0 control character (U+0000 to U+001F) other than tab, newline and
// carriage return where multiline allows them. DEL and C1 controls pass:
// every database stores them.
func BadText(s string, multiline bool) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	for _, r := range s {
		if r >= 0x20 {
			continue
		}
		if multiline && (r == '\t' || r == '\n' || r == '\r') {
			continue
		}
		return fmt.Sprintf("contains the control character U+%04X", r)
	}
	return ""
}

// CheckText refuses text BadText finds fault with, as EINVALID on field.
func CheckText(field, s string, multiline bool) error {
	if why := BadText(s, multiline); why != "" {
		return FieldError(field, "%s %s; remove it and try again.", field, why)
	}
	return nil
}

// SanitizeText replaces invalid UTF-8 and C0 control characters (tab,
// newline and CR kept) with U+FFFD, and reports whether it changed s.
func SanitizeText(s string) (string, bool) {
	if BadText(s, true) == "" {
		return s, false
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
			return '\uFFFD'
		}
		return r
	}, s), true
}
