package app

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

//go:embed static
var staticFS embed.FS

type asset struct {
	body, gz    []byte
	hash, ctype string
}

var (
	assetsOnce sync.Once
	assets     map[string]*asset
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
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		a := &asset{body: body, hash: hex.EncodeToString(sum[:8]), ctype: ct}
		if strings.HasPrefix(ct, "text/") || strings.Contains(ct, "javascript") || strings.Contains(ct, "svg") {
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
		panic("app: embedded static files: " + err.Error())
	}
}

// assetPath returns the versioned URL of an embedded file.
func assetPath(name string) string {
	assetsOnce.Do(loadAssets)
	if a, ok := assets[name]; ok {
		return "/app/static/" + name + "?v=" + a.hash
	}
	return "/app/static/" + name
}

// staticHandler serves the embedded files; a request with the current hash
// is immutable for a year, text is gzipped for clients that accept it.
func staticHandler() http.Handler {
	assetsOnce.Do(loadAssets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := assets[strings.TrimPrefix(r.URL.Path, "/app/static/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.ctype)
		h.Set("ETag", `"`+a.hash+`"`)
		h.Add("Vary", "Accept-Encoding")
		if r.URL.Query().Get("v") == a.hash {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "public, max-age=300, must-revalidate")
		}
		if strings.Contains(r.Header.Get("If-None-Match"), `"`+a.hash+`"`) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body := a.body
		if a.gz != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			h.Set("Content-Encoding", "gzip")
			body = a.gz
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
}

// manifest serves the web app manifest in the host's branding.
func (a *App) manifest(w http.ResponseWriter, r *http.Request) {
	t := a.theme(r)
	m := map[string]any{
		"name": t.Name + " charging", "short_name": t.Name, "start_url": "/app/", "scope": "/app/",
		"display": "standalone", "background_color": "#ffffff", "theme_color": t.Primary,
		"icons": []map[string]string{
			{"src": assetPath("icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
			{"src": assetPath("icon-192.png"), "sizes": "192x192", "type": "image/png"},
			{"src": assetPath("icon-512.png"), "sizes": "512x512", "type": "image/png"},
		},
	}
	w.Header().Set("Content-Type", "application/manifest+json")
	_ = json.NewEncoder(w).Encode(m)
}

// serviceWorker serves the worker from /app/ so its scope is the app. It
// caches the offline shell only (see static/sw.js): never pages, API or
// session data.
func (a *App) serviceWorker(w http.ResponseWriter, r *http.Request) {
	assetsOnce.Do(loadAssets)
	sw := string(assets["sw.js"].body)
	shell, _ := json.Marshal([]string{"/app/offline", assetPath("app.css"), assetPath("app.js"), assetPath("icon.svg")})
	sw = strings.Replace(sw, "SHELL_FILES", string(shell), 1)
	sum := sha256.Sum256([]byte(sw))
	sw = strings.Replace(sw, "SHELL_VERSION", hex.EncodeToString(sum[:6]), 1)
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Service-Worker-Allowed", "/app/")
	_, _ = w.Write([]byte(sw))
}

// offline is the page the service worker shows when the network is gone.
func (a *App) offline(w http.ResponseWriter, r *http.Request, q *req) {
	a.render(w, q, http.StatusOK, "offline", view{Title: "Offline"})
}
