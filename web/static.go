package web

import (
	"embed"
	"net/http"
	"sync"

	"github.com/volt-ev/volt/web/asset"
)

//go:embed static
var staticFS embed.FS

// portalAssets is the portal's own embedded static/ folder, read once.
var portalAssets = sync.OnceValue(func() *asset.Set {
	s, err := asset.New(staticFS, "static", "/static/")
	if err != nil {
		panic("web: embedded static files: " + err.Error())
	}
	return s
})

// AssetPath returns the URL of an embedded static file with its content hash
// ("/static/vendor/htmx/htmx.min.js?v=3f2a..."), so it can be cached for a
// year and still change with each release. An unknown name is returned
// unversioned.
func AssetPath(name string) string { return portalAssets().Path(name) }

// Static serves the embedded assets under /static/ (mount it at "/static/").
// A request carrying the current content hash (?v=) is cached as immutable
// for a year; others revalidate with the ETag. Text is served gzipped to
// clients that accept it.
func Static() http.Handler { return portalAssets().Handler() }
