package app

import (
	"bytes"
	"embed"
	"fmt"
	"github.com/volt-ev/volt/httperr"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

//go:embed templates
var templateFS embed.FS

var pages = mustParsePages()

var funcs = template.FuncMap{
	"asset":   assetPath,
	"money":   formatMoney,
	"decimal": formatDecimal,
	"kwh":     formatKWh,
	"kw":      formatKW,
	"dur":     formatDuration,
	"when":    func(t time.Time) string { return t.Format("2 Jan 2006 15:04") },
	"pct":     formatRate,
	"vat":     costVAT,
	"rate": func(s string) string {
		d, err := volt.ParseDecimal(s)
		if err != nil {
			return s
		}
		return formatRate(d)
	},
	"component": componentLabel,
	"inc":       func(n int) int { return n + 1 },
	"rand":      func() string { return randomHex(16) },
	"int64":     func(n int) int64 { return int64(n) },
}

func mustParsePages() map[string]*template.Template {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		out[base] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n))
	}
	return out
}

// view is what every page template gets.
type view struct {
	Q       *req
	Title   string
	Nav     string // the current section: find, history, account
	Message string // a notice at the top
	Error   string // a problem at the top
	Data    any
	Map     *mapAssets
}

type mapAssets struct{ JS, CSS, Tiles string }

func (a *App) render(w http.ResponseWriter, q *req, status int, page string, v view) {
	t := pages[page]
	if t == nil {
		panic("app: no template " + page)
	}
	v.Q = q
	var b bytes.Buffer
	if err := t.Execute(&b, v); err != nil {
		a.log.Error("app: render", "page", page, "err", err)
		http.Error(w, "Something went wrong on our side.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// fail renders a page that says what went wrong in plain words.
func (a *App) fail(w http.ResponseWriter, r *http.Request, q *req, status int, msg string) {
	a.render(w, q, status, "error", view{Title: "Sorry", Error: msg})
}

// failErr maps a service error to a status and a message safe to show.
func (a *App) failErr(w http.ResponseWriter, r *http.Request, q *req, err error) {
	status := httperr.StatusOf(err)
	if status == http.StatusInternalServerError {
		a.log.Error("app: request failed", "path", r.URL.Path, "err", err)
	}
	a.fail(w, r, q, status, volt.ErrorMessage(err))
}

func currencySymbol(cur string) string {
	switch cur {
	case "GBP":
		return "£"
	case "EUR":
		return "€"
	case "USD":
		return "$"
	}
	return cur + " "
}

// formatMoney shows minor units of a currency: 1234 GBP is "£12.34".
func formatMoney(amount int64, cur string) string {
	exp := volt.CurrencyExponent(cur)
	return currencySymbol(cur) + volt.DecimalFromMinor(amount, exp).StringFixed(exp)
}

// formatDecimal shows a unit price with at least the currency's places and
// at most four ("£0.4500" is "£0.45", "£0.4525" stays).
func formatDecimal(d volt.Decimal, cur string) string {
	exp := volt.CurrencyExponent(cur)
	s := d.StringFixed(4)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		for len(s) > i+1+exp && s[len(s)-1] == '0' {
			s = s[:len(s)-1]
		}
		s = strings.TrimSuffix(s, ".")
	}
	return currencySymbol(cur) + s
}

// formatRate shows a VAT rate "0.20" as "20%".
func formatRate(d volt.Decimal) string {
	p, _ := d.MulInt(100)
	s := p.String()
	return s + "%"
}

func formatKWh(wh int64) string { return fmt.Sprintf("%d.%02d kWh", wh/1000, wh%1000/10) }

func formatKW(w int64) string {
	if w < 0 {
		w = 0
	}
	return fmt.Sprintf("%d.%d kW", w/1000, w%1000/100)
}

func formatDuration(seconds int64) string {
	if seconds < 0 {
		seconds = 0
	}
	h, m, s := seconds/3600, seconds/60%60, seconds%60
	if h > 0 {
		return fmt.Sprintf("%dh %02dm", h, m)
	}
	return fmt.Sprintf("%dm %02ds", m, s)
}

// componentLabel names a cost line for drivers.
func componentLabel(c string) string {
	switch c {
	case "energy":
		return "Energy"
	case "time":
		return "Charging time"
	case "idle":
		return "Idle fee"
	case "session_fee":
		return "Session fee"
	case "minimum":
		return "Minimum price adjustment"
	case "maximum":
		return "Maximum price cap"
	case "export_credit":
		return "Energy given back (credit)"
	}
	return c
}
