package ocpi

import (
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// MaxLimit is the largest page Volt serves; a larger limit asked for is
// lowered to it and X-Limit says so (§4.1.5).
const MaxLimit = 100

// Window is a half-open period [From, To) of last_updated: date_from is
// inclusive and date_to exclusive in every paginated sender (§4.1.5), so
// an object stamped on a boundary goes out in exactly one poll. Zero ends
// are open.
type Window struct{ From, To time.Time }

// Contains reports whether t falls in the window.
func (w Window) Contains(t time.Time) bool {
	return (w.From.IsZero() || !t.Before(w.From)) && (w.To.IsZero() || t.Before(w.To))
}

// paging is a sender list request: the window and the page.
type paging struct {
	Window
	Offset, Limit int
}

func parsePaging(r *http.Request) (paging, error) {
	q := r.URL.Query()
	p := paging{Limit: MaxLimit}
	var err error
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"date_from", &p.From}, {"date_to", &p.To}} {
		if v := q.Get(f.name); v != "" {
			if *f.dst, err = ParseDateTime(v); err != nil {
				return p, badRequest(StatusInvalidParameters, "Bad "+f.name+": "+v)
			}
		}
	}
	for _, f := range []struct {
		name string
		dst  *int
	}{{"offset", &p.Offset}, {"limit", &p.Limit}} {
		if v := q.Get(f.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return p, badRequest(StatusInvalidParameters, "Bad "+f.name+": "+v)
			}
			*f.dst = n
		}
	}
	if p.Limit == 0 || p.Limit > MaxLimit {
		p.Limit = MaxLimit
	}
	return p, nil
}

// pageOf cuts the page out of items and sets the paging headers: total,
// limit and a Link to the next page carrying every filter of the request.
func pageOf[T any](w http.ResponseWriter, r *http.Request, base string, p paging, items []T) []T {
	total := len(items)
	w.Header().Set("X-Total-Count", strconv.Itoa(total))
	w.Header().Set("X-Limit", strconv.Itoa(p.Limit))
	if p.Offset >= total {
		return []T{}
	}
	end := min(total, p.Offset+p.Limit)
	if end < total {
		q := r.URL.Query()
		q.Set("offset", strconv.Itoa(end))
		q.Set("limit", strconv.Itoa(p.Limit))
		w.Header().Set("Link", "<"+base+"?"+q.Encode()+`>; rel="next"`)
	}
	return items[p.Offset:end]
}

// setPagingHeaders sets the paging headers of a page of n items out of
// total that the store cut itself.
func setPagingHeaders(w http.ResponseWriter, r *http.Request, base string, p paging, total, n int) {
	w.Header().Set("X-Total-Count", strconv.Itoa(total))
	w.Header().Set("X-Limit", strconv.Itoa(p.Limit))
	if end := p.Offset + n; n > 0 && end < total {
		q := r.URL.Query()
		q.Set("offset", strconv.Itoa(end))
		q.Set("limit", strconv.Itoa(p.Limit))
		w.Header().Set("Link", "<"+base+"?"+q.Encode()+`>; rel="next"`)
	}
}

// nextLink returns the next page's URL of a Link header, or "".
func nextLink(h http.Header) string {
	for _, l := range h.Values("Link") {
		for _, part := range splitLinks(l) {
			if u, rel, ok := parseLink(part); ok && rel == "next" {
				return u
			}
		}
	}
	return ""
}

func splitLinks(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '<':
			depth++
		case '>':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func parseLink(s string) (string, string, bool) {
	var u, rel string
	for i, part := range splitParams(s) {
		if i == 0 {
			if len(part) < 2 || part[0] != '<' || part[len(part)-1] != '>' {
				return "", "", false
			}
			u = part[1 : len(part)-1]
			continue
		}
		if k, v, ok := cut(part, '='); ok && k == "rel" {
			rel = trimQuotes(v)
		}
	}
	if _, err := url.Parse(u); err != nil {
		return "", "", false
	}
	return u, rel, u != ""
}

func splitParams(s string) []string {
	var out []string
	for _, p := range splitOn(s, ';') {
		if t := trimSpace(p); t != "" {
			out = append(out, t)
		}
	}
	return out
}
