package web

import (
	"net/http"
	"net/url"
	"strconv"

	volt "github.com/volt-ev/volt"
)

// pager is the "previous / next" of a list page.
type pager struct {
	From, To, Total int
	Prev, Next      string // URLs, empty when there is none
}

// pageOf reads ?offset= with a fixed page size.
func pageOf(r *http.Request, limit int) volt.Page {
	off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	return volt.Page{Offset: off, Limit: limit}.Normalize()
}

// newPager builds the links to the neighbouring pages, keeping the filters.
func newPager(r *http.Request, p volt.Page, total int) pager {
	pg := pager{From: p.Offset + 1, To: min(p.Offset+p.Limit, total), Total: total}
	if total == 0 {
		pg.From = 0
	}
	link := func(off int) string {
		q := r.URL.Query()
		q.Set("offset", strconv.Itoa(off))
		u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
		return u.String()
	}
	if p.Offset > 0 {
		pg.Prev = link(max(0, p.Offset-p.Limit))
	}
	if p.Offset+p.Limit < total {
		pg.Next = link(p.Offset + p.Limit)
	}
	return pg
}
