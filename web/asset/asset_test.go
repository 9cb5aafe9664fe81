package asset

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func newTestSet(t *testing.T) *Set {
	t.Helper()
	fsys := fstest.MapFS{
		"static/app.css":  {Data: []byte(strings.Repeat("body { color: red; }\n", 50))},
		"static/icon.png": {Data: []byte{0x89, 'P', 'N', 'G'}},
	}
	s, err := New(fsys, "static", "/app/static/")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func serve(s *Set, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	return w
}

func TestPathAndCaching(t *testing.T) {
	s := newTestSet(t)
	p := s.Path("/app.css")
	if !strings.HasPrefix(p, "/app/static/app.css?v=") || len(p) != len("/app/static/app.css?v=")+16 {
		t.Fatalf("Path(app.css) = %q, want a 16-hex-digit version", p)
	}
	if got := s.Path("none.js"); got != "/app/static/none.js" {
		t.Errorf("Path of an unknown file = %q", got)
	}
	w := serve(s, http.MethodGet, p, nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Header().Get("Cache-Control"), "immutable") {
		t.Fatalf("versioned GET: %d, Cache-Control %q", w.Code, w.Header().Get("Cache-Control"))
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("Content-Type = %q", ct)
	}
	w = serve(s, http.MethodGet, "/app/static/app.css", nil)
	if cc := w.Header().Get("Cache-Control"); !strings.Contains(cc, "must-revalidate") {
		t.Errorf("unversioned GET Cache-Control = %q", cc)
	}
	w = serve(s, http.MethodGet, "/app/static/app.css", map[string]string{"If-None-Match": w.Header().Get("ETag")})
	if w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("If-None-Match: %d with %d bytes, want 304 and none", w.Code, w.Body.Len())
	}
	if w = serve(s, http.MethodGet, "/app/static/none.js", nil); w.Code != http.StatusNotFound {
		t.Errorf("unknown file: %d", w.Code)
	}
	if w = serve(s, http.MethodPost, p, nil); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", w.Code)
	}
	if w = serve(s, http.MethodHead, p, nil); w.Code != http.StatusOK || w.Body.Len() != 0 || w.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD: %d with %d bytes, Content-Length %q", w.Code, w.Body.Len(), w.Header().Get("Content-Length"))
	}
}

func TestGzip(t *testing.T) {
	s := newTestSet(t)
	w := serve(s, http.MethodGet, "/app/static/app.css", map[string]string{"Accept-Encoding": "gzip"})
	if w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("text not gzipped: %v", w.Header())
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	if err != nil || string(body) != string(s.Body("app.css")) {
		t.Errorf("gunzipped body differs from the file (%v)", err)
	}
	w = serve(s, http.MethodGet, "/app/static/icon.png", map[string]string{"Accept-Encoding": "gzip"})
	if w.Header().Get("Content-Encoding") != "" || w.Body.String() != "\x89PNG" {
		t.Errorf("png: encoding %q, body %q", w.Header().Get("Content-Encoding"), w.Body.String())
	}
	if s.Body("none") != nil {
		t.Error("Body of an unknown file is not nil")
	}
}
