package app

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/volt-ev/volt/web/asset"
)

//go:embed static
var staticFS embed.FS

// appAssets is the app's own embedded static/ folder, served under
// /app/static/ by the same handler as the portal's (content-hashed URLs, gzip).
var appAssets = sync.OnceValue(func() *asset.Set {
	s, err := asset.New(staticFS, "static", "/app/static/")
	if err != nil {
		panic("app: embedded static files: " + err.Error())
	}
	return s
})

// assetPath returns the versioned URL of an embedded file.
func assetPath(name string) string { return appAssets().Path(name) }

// staticHandler serves the embedded files; a request with the current hash
// is immutable for a year, text is gzipped for clients that accept it.
func staticHandler() http.Handler { return appAssets().Handler() }

// manifest serves the web app manifest in the host's branding.
func (a *App) manifest(w http.ResponseWriter, r *http.Request) {
	t := a.theme(r)
	m := map[string]any{
		"name": t.Name + " charging", "short_name": t.Name, "start_url": "/app/", "scope": "/app/",
		"display": "standalone", "background_color": "#ffffff", "theme_color": t.Primary,
		"icons": []map[string]string{
			{"src": FaviconPath, "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
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
	sw := string(appAssets().Body("sw.js"))
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
