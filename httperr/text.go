package httperr

import (
	"net/http"
	"sort"
	"strings"

	volt "github.com/volt-ev/volt"
)

// FormText finds text a surface must refuse before a handler stores or
// searches with it (issue #10 item 7: PostgreSQL refuses NUL and invalid
// UTF-8 where SQLite takes them): in the path and the query string no C0
// control character at all, in a url-encoded form's values none but tab,
// newline and CR (a textarea's lines), and UTF-8 throughout. It returns
// the field ("path", a parameter's name) and what is wrong, or "", "". It
// parses the form (r.ParseForm) of a POST, PUT or PATCH.
func FormText(r *http.Request) (field, why string) {
	if why := volt.BadText(r.URL.Path, false); why != "" {
		return "path", why
	}
	if f, why := badValues(r.URL.Query(), false); why != "" {
		return f, why
	}
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
	default:
		return "", ""
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return "", ""
	}
	if err := r.ParseForm(); err != nil {
		return "", "" // the handler answers a malformed form
	}
	return badValues(r.PostForm, true)
}

func badValues(vs map[string][]string, multiline bool) (string, string) {
	keys := make([]string, 0, len(vs))
	for k := range vs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if why := volt.BadText(k, false); why != "" {
			return k, why
		}
		for _, v := range vs[k] {
			if why := volt.BadText(v, multiline); why != "" {
				return k, why
			}
		}
	}
	return "", ""
}
