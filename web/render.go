package web

import (
	"bytes"
	"embed"
	"fmt"
	"github.com/volt-ev/volt/httperr"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

//go:embed templates
var templateFS embed.FS

// pages holds one template set per page: the layout, the partials and the
// page's own "content".
var pages = mustParsePages()

func mustParsePages() map[string]*template.Template {
	base := template.Must(template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/layout/*.html"))
	out := map[string]*template.Template{}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		out[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, f))
	}
	return out
}

// pageData is what every page template gets; Data is the page's own.
type pageData struct {
	Title  string
	Theme  themeView
	Actor  *volt.Actor
	CSRF   string
	Flash  []flash
	Nav    []navSection
	Path   string
	Data   any
	Status int
}

// Can reports whether the signed-in actor may write at ref (templates hide
// buttons with it; the services refuse anyway).
func (p *pageData) Can(ref volt.Ref) bool { return p.Actor.Can(volt.PermWrite, ref) }

// CanCommand reports whether the actor may send commands to a charger at ref.
func (p *pageData) CanCommand(ref volt.Ref) bool { return p.Actor.Can(volt.PermCommand, ref) }

// CanCreate reports whether the actor may write anywhere (show "new" buttons).
func (p *pageData) CanCreate() bool { return !p.Actor.ScopeFor(volt.PermWrite).Empty() }

// errorView is the data of the error page.
type errorView struct{ Message string }

// render draws a page with status 200.
func (a *Admin) render(w http.ResponseWriter, r *http.Request, s *sess, page, title string, data any) {
	a.renderStatus(w, r, s, http.StatusOK, page, title, data)
}

// renderStatus draws a page into a buffer first, so a template error becomes
// a clean 500 rather than half a page.
func (a *Admin) renderStatus(w http.ResponseWriter, r *http.Request, s *sess, status int, page, title string, data any) {
	t, ok := pages[page]
	if !ok {
		a.log.Error("no such page template", "page", page)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	p := &pageData{Title: title, Theme: s.theme, Actor: s.actor, Path: r.URL.Path, Data: data, Status: status}
	if s.actor != nil {
		p.CSRF = a.csrfToken(s.token)
		p.Nav = navFor(s.actor, r.URL.Path)
	} else {
		p.CSRF = a.preCSRF(w, r)
	}
	p.Flash = a.takeFlash(w, r)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		a.log.Error("render page", "page", page, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// renderFragment draws one named template of a page's set (an htmx answer).
func (a *Admin) renderFragment(w http.ResponseWriter, page, name string, status int, data any) {
	t, ok := pages[page]
	if !ok {
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		a.log.Error("render fragment", "page", page, "name", name, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail shows a service error as a page with a message a person understands.
func (a *Admin) fail(w http.ResponseWriter, r *http.Request, s *sess, err error) {
	status := httpStatus(err)
	if status >= 500 {
		a.log.Error("portal request failed", "path", r.URL.Path, "err", err)
	}
	a.renderStatus(w, r, s, status, "error", http.StatusText(status), errorView{Message: errText(err)})
}

// httpStatus maps a domain error code to an HTTP status.
func httpStatus(err error) int { return httperr.StatusOf(err) }

// errText turns an error into words for the person at the screen. Domain
// messages are safe to show; anything else is an internal error.
func errText(err error) string {
	msg := volt.ErrorMessage(err)
	switch volt.ErrorCode(err) {
	case volt.EFORBIDDEN:
		return "You are not allowed to do that: your role here is read-only or does not cover this. (" + msg + ")"
	case volt.ENOTFOUND:
		return "Not found, or not visible to you. (" + msg + ")"
	case volt.EUNAUTHORIZED:
		return "Your session has ended. Sign in again."
	case volt.ERATELIMITED:
		return "Too many attempts. Wait a few minutes and try again."
	case volt.ECHARGEROFFLINE:
		return "The charger is offline, so it cannot answer now. Try again once it reconnects."
	case volt.ETIMEOUT:
		return "The charger did not answer in time. It may be busy or its connection poor; try again."
	case volt.ECALLERROR:
		return "The charger refused the request with an error: " + msg
	case volt.EINTERNAL:
		return "Something went wrong on our side. Try again; if it keeps happening, tell support."
	}
	return msg
}

var funcs = template.FuncMap{
	"asset":    AssetPath,
	"time":     fmtTime,
	"ptime":    func(t *time.Time) string { return fmtPTime(t) },
	"kwh":      fmtKWh,
	"kw":       fmtKW,
	"cost":     fmtCost,
	"status":   statusClass,
	"join":     strings.Join,
	"deref":    func(s *string) string { return deref(s) },
	"add":      func(a, b int) int { return a + b },
	"sub":      func(a, b int) int { return a - b },
	"dict":     dict,
	"derefi":   func(p *int64) int64 { return derefInt(p) },
	"hasItem":  func(list []string, s string) bool { return contains(list, s) },
	"fmtMinor": fmtMinor,
	"list":     func(s ...string) []string { return s },
	// connector facts (templates/layout/connectors.html)
	"connectorTypes": func() []volt.ConnectorType { return volt.ConnectorTypes },
	"powerTypes":     func() []volt.PowerType { return []volt.PowerType{volt.PowerAC1Phase, volt.PowerAC3Phase, volt.PowerDC} },
	"i64":            func(n int) int64 { return int64(n) },
	"hit": func(m map[string]any) volt.SearchHit {
		k, _ := m["Kind"].(string)
		id, _ := m["ID"].(string)
		return volt.SearchHit{Kind: k, ID: id}
	},
	"pct": func(done, total int) int {
		if total <= 0 {
			return 0
		}
		return done * 100 / total
	},
	"onColor": func(c string) string {
		if !validHex(c) {
			return "#000000"
		}
		return onColor(c)
	},
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

func fmtPTime(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return fmtTime(*t)
}

// fmtKWh formats watt-hours as kWh with three decimals, exactly.
func fmtKWh(wh int64) string {
	sign := ""
	if wh < 0 {
		sign, wh = "-", -wh
	}
	return fmt.Sprintf("%s%d.%03d kWh", sign, wh/1000, wh%1000)
}

// fmtKW formats watts as kW with one decimal.
func fmtKW(w int64) string {
	if w < 0 {
		w = 0
	}
	return fmt.Sprintf("%d.%d kW", w/1000, (w%1000)/100)
}

// fmtCost formats a cost including VAT in its currency's minor units.
func fmtCost(c *volt.Cost) string {
	if c == nil {
		return "—"
	}
	return fmtMinor(c.InclVAT, c.Currency)
}

func fmtMinor(amount int64, currency string) string {
	exp := volt.CurrencyExponent(currency)
	if exp <= 0 {
		return fmt.Sprintf("%d %s", amount, currency)
	}
	sign := ""
	if amount < 0 {
		sign, amount = "-", -amount
	}
	div := int64(1)
	for range exp {
		div *= 10
	}
	return fmt.Sprintf("%s%d.%0*d %s", sign, amount/div, exp, amount%div, currency)
}

// statusClass returns the CSS class of a connector status.
func statusClass(s volt.ConnectorStatus) string {
	switch s {
	case volt.StatusAvailable:
		return "st-ok"
	case volt.StatusCharging, volt.StatusPreparing, volt.StatusSuspendedEV, volt.StatusSuspendedEVSE, volt.StatusFinishing:
		return "st-busy"
	case volt.StatusFaulted:
		return "st-bad"
	}
	return "st-off"
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefInt(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// dict builds a map from key/value pairs, to pass several values to a
// sub-template.
func dict(kv ...any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		k, _ := kv[i].(string)
		m[k] = kv[i+1]
	}
	return m
}
