// Package asset serves a folder of embedded static files with content-hashed
// URLs, ETags and gzip, for the Admin Portal (web) and the Driver Web App
// (web/app). It imports only the standard library.
package asset

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// file is one embedded static file with its content hash and, for text, a
// gzip copy made once.
type file struct {
	body  []byte
	gz    []byte
	etag  string
	hash  string
	ctype string
}

// Set is a set of embedded static files served under one URL prefix, each
// with a content hash for cache busting and, for text, a gzip copy made once.
type Set struct {
	prefix string           // URL prefix, "/static/"
	files  map[string]*file // by path under the root, "vendor/htmx/htmx.min.js"
}

// New reads every file below root in fsys, to be served under the URL
// prefix (which starts and ends with "/").
func New(fsys fs.FS, root, prefix string) (*Set, error) {
	s := &Set{prefix: prefix, files: map[string]*file{}}
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		s.files[strings.TrimPrefix(p, root+"/")] = newFile(p, body)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static files under %s: %w", root, err)
	}
	return s, nil
}

// newFile hashes body and, when it is text that shrinks, gzips it.
func newFile(p string, body []byte) *file {
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])[:16]
	ct := mime.TypeByExtension(path.Ext(p))
	if ct == "" {
		ct = "application/octet-stream"
	}
	a := &file{body: body, hash: h, etag: `"` + h + `"`, ctype: ct}
	if compressible(ct) {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = zw.Write(body)
		_ = zw.Close()
		if b.Len() < len(body) {
			a.gz = b.Bytes()
		}
	}
	return a
}

func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "javascript") ||
		strings.Contains(ct, "json") || strings.Contains(ct, "svg")
}

// Path returns the URL of the named file with its content hash
// ("/static/vendor/htmx/htmx.min.js?v=3f2a..."), so it can be cached for a
// year and still change with each release. An unknown name is returned
// unversioned.
func (s *Set) Path(name string) string {
	name = strings.TrimPrefix(name, "/")
	if a, ok := s.files[name]; ok {
		return s.prefix + name + "?v=" + a.hash
	}
	return s.prefix + name
}

// Body returns the content of the named file, nil when there is none.
func (s *Set) Body(name string) []byte {
	if a, ok := s.files[name]; ok {
		return a.body
	}
	return nil
}

// Handler serves the files under the prefix (mount it there). A request
// carrying the current content hash (?v=) is cached as immutable for a year;
// others revalidate with the ETag. Text is served gzipped to clients that
// accept it.
func (s *Set) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "Method not allowed.", http.StatusMethodNotAllowed)
			return
		}
		a, ok := s.files[strings.TrimPrefix(r.URL.Path, s.prefix)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.ctype)
		h.Set("ETag", a.etag)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Add("Vary", "Accept-Encoding")
		if r.URL.Query().Get("v") == a.hash {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "public, max-age=300, must-revalidate")
		}
		if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body := a.body
		if a.gz != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			h.Set("Content-Encoding", "gzip")
			body = a.gz
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(body)
	})
}
