package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
)

//go:embed static
var staticFS embed.FS

// asset is one embedded static file with its content hash and, for text, a
// gzip copy made once.
type asset struct {
	body  []byte
	gz    []byte
	etag  string
	hash  string
	ctype string
}

var (
	assetsOnce sync.Once
	assets     map[string]*asset // by path under static/, "vendor/htmx/htmx.min.js"
)

func loadAssets() {
	assets = map[string]*asset{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		h := hex.EncodeToString(sum[:])[:16]
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		a := &asset{body: body, hash: h, etag: `"` + h + `"`, ctype: ct}
		if compressible(ct) {
			var b bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
			_, _ = zw.Write(body)
			_ = zw.Close()
			if b.Len() < len(body) {
				a.gz = b.Bytes()
			}
		}
		assets[strings.TrimPrefix(p, "static/")] = a
		return nil
	})
	if err != nil {
		panic("web: embedded static files: " + err.Error())
	}
}

func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "javascript") ||
		strings.Contains(ct, "json") || strings.Contains(ct, "svg")
}

// AssetPath returns the URL of an embedded static file with its content hash
// ("/static/vendor/htmx/htmx.min.js?v=3f2a..."), so it can be cached for a
// year and still change with each release. An unknown name is returned
// unversioned.
func AssetPath(name string) string {
	assetsOnce.Do(loadAssets)
	name = strings.TrimPrefix(name, "/")
	if a, ok := assets[name]; ok {
		return "/static/" + name + "?v=" + a.hash
	}
	return "/static/" + name
}

// Static serves the embedded assets under /static/ (mount it at "/static/").
// A request carrying the current content hash (?v=) is cached as immutable
// for a year; others revalidate with the ETag. Text is served gzipped to
// clients that accept it.
func Static() http.Handler {
	assetsOnce.Do(loadAssets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "Method not allowed.", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		a, ok := assets[name]
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
		h.Set("Content-Length", itoa(len(body)))
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(body)
	})
}
