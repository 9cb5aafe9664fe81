package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/volt-ev/volt"
)

// Text at the edge (issue #10 item 7): PostgreSQL refuses NUL and invalid
// UTF-8 where SQLite stores them, so the same request answered 500 on one
// engine and 200 on the other. Every request is checked before a handler
// sees it: the path and query string may hold no C0 control character at
// all, JSON strings none but tab, newline and CR (multi-line text such as a
// ticket's body), and everything must be UTF-8. A refusal is 400 naming the
// field.

// errReader replays a body read error after the bytes read before it.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// checkText refuses a request with bad text, or returns nil. It may replace
// r.Body with the same bytes, read once.
func checkText(r *http.Request) *Error {
	if why := volt.BadText(r.URL.Path, false); why != "" {
		return newError(volt.EINVALID, "The URL path "+why+".", "path")
	}
	if r.URL.RawQuery != "" {
		q := r.URL.Query()
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range append([]string{k}, q[k]...) {
				if why := volt.BadText(v, false); why != "" {
					return newError(volt.EINVALID, fmt.Sprintf("Query parameter %s %s.", k, why), k)
				}
			}
		}
	}
	if r.Body == nil || r.Body == http.NoBody || !strings.Contains(r.Header.Get("Content-Type"), "json") {
		return nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() { // issue 12: readJSONWithin
			return newError(volt.EINVALID, "The request body was not sent in time.", "body")
		}
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b), errReader{err}))
		return nil // the handler reports the read error (too large, ...)
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	if !utf8.Valid(b) {
		return newError(volt.EINVALID, "The request body is not valid UTF-8.", "body")
	}
	if !mayHoldControl(b) {
		return nil
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return nil // malformed: the handler answers that
	}
	if field, why := badJSONText(v, ""); why != "" {
		name := field
		if name == "" {
			name = "body"
		}
		return newError(volt.EINVALID, fmt.Sprintf("%s %s; remove it and try again.", name, why), name)
	}
	return nil
}

// mayHoldControl reports whether JSON text may encode a control character
// other than tab, newline and CR (a fast pre-check: false is certain).
func mayHoldControl(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return true
		}
	}
	return bytes.Contains(b, []byte(`\u00`)) || bytes.Contains(b, []byte(`\b`)) || bytes.Contains(b, []byte(`\f`))
}

// badJSONText finds the first string (key or value, in key order) with bad
// text in a decoded JSON value: its path ("address.city", "items[2]") and
// what is wrong.
func badJSONText(v any, path string) (string, string) {
	switch x := v.(type) {
	case string:
		return path, volt.BadText(x, true)
	case []any:
		for i, e := range x {
			if f, why := badJSONText(e, fmt.Sprintf("%s[%d]", path, i)); why != "" {
				return f, why
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if why := volt.BadText(k, false); why != "" {
				return p, why
			}
			if f, why := badJSONText(x[k], p); why != "" {
				return f, why
			}
		}
	}
	return "", ""
}
