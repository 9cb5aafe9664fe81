package store

import (
	"strings"
	"unicode/utf8"
)

// prefixMatch returns a condition "c.cpid IN (...)" matching the chargers
// whose CPID is one of exact, whose CPID starts with q (when q is digits, as
// CPIDs are), or whose lower-cased cols (bare column names of chargers, not
// c.col, which would correlate the sub-select; live chargers only) start with q
// lower-cased, with its arguments. Each arm is a byte range [q, next) on an
// index of migration 0006 (lower(col), "C" collation on PostgreSQL), joined by
// UNION ALL so that both engines use one index per arm instead of scanning the
// table as an OR of LIKEs does. Lower-casing follows the engine's lower():
// ASCII on SQLite, as its LIKE did.
func prefixMatch(d Dialect, q string, cols []string, exact ...string) (string, []any) {
	lo := strings.ToLower(q)
	hi, bounded := prefixEnd(lo)
	var arms []string
	var args []any
	between := func(expr string) string {
		args = append(args, lo)
		if !bounded {
			return expr + " >= ?"
		}
		args = append(args, hi)
		return expr + " >= ? AND " + expr + " < ?"
	}
	for _, e := range exact {
		arms = append(arms, "SELECT cpid FROM chargers WHERE cpid = ?")
		args = append(args, e)
	}
	if isDigits(q) {
		arms = append(arms, "SELECT cpid FROM chargers WHERE "+between("cpid"))
	}
	coll := ""
	if d == Postgres {
		coll = ` COLLATE "C"`
	}
	for _, col := range cols {
		arms = append(arms, "SELECT cpid FROM chargers WHERE deleted_at IS NULL AND "+between("lower("+col+")"+coll))
	}
	return "c.cpid IN (" + strings.Join(arms, " UNION ALL ") + ")", args
}

// prefixEnd returns the least string greater, in byte (code point) order,
// than every string that starts with p: p with its last code point
// incremented, past the surrogates; false when there is none (p empty or all
// U+10FFFF).
func prefixEnd(p string) (string, bool) {
	r := []rune(p)
	for i := len(r) - 1; i >= 0; i-- {
		if r[i] == utf8.MaxRune {
			continue
		}
		next := r[i] + 1
		if next == 0xD800 {
			next = 0xE000
		}
		return string(append(r[:i:i], next)), true
	}
	return "", false
}

// isDigits reports whether s is a non-empty string of ASCII digits.
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
