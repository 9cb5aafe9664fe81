package ocpi

import "strings"

func splitOn(s string, sep byte) []string { return strings.Split(s, string(sep)) }

func trimSpace(s string) string { return strings.TrimSpace(s) }

func cut(s string, sep byte) (string, string, bool) {
	k, v, ok := strings.Cut(s, string(sep))
	return strings.TrimSpace(k), strings.TrimSpace(v), ok
}

func trimQuotes(s string) string { return strings.Trim(s, `"`) }

// truncate cuts s to at most n bytes on a rune boundary (OCPI string
// fields have maximum lengths).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n]
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
