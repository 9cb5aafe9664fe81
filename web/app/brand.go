package app

import (
	"fmt"
	"html"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Root serves "/" of the whole server: on a whitelabel's host name it opens
// the driver app (a brand's drivers type the bare host name), elsewhere it
// hands over to next (the portal's redirect to /admin/). The portal stays
// at /admin/ on every host.
func (a *App) Root(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" && a.theme(r).CPOID != "" {
			target := Prefix
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery // a QR code's ?lat=&lon= survives
			}
			w.Header().Set("Vary", "Host")
			http.Redirect(w, r, target, http.StatusFound)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// FaviconPath is the brand's icon: a rounded square in the brand colour
// with the brand's initial, drawn for the host of each request.
const FaviconPath = "/app/favicon.svg"

// favicon draws the host's brand icon (no upload needed: colour and
// initial come from the theme).
func (a *App) favicon(w http.ResponseWriter, r *http.Request) {
	t := a.theme(r)
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("Vary", "Host")
	_, _ = fmt.Fprint(w, brandIcon(t))
}

// brandIcon is the SVG of a theme's icon. Colours are checked #rrggbb
// (themeOf) and the initial is escaped, so a theme cannot inject markup.
func brandIcon(t theme) string {
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="%s"/>`+
		`<text x="32" y="45" font-family="system-ui,-apple-system,Segoe UI,Roboto,sans-serif" font-size="38" font-weight="700" text-anchor="middle" fill="%s">%s</text></svg>`,
		t.Primary, onColor(t.Primary), html.EscapeString(initial(t.Name)))
}

// initial is the first letter or digit of a name, upper-cased ("V" when
// there is none).
func initial(name string) string {
	for _, r := range strings.TrimSpace(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			var b [utf8.UTFMax]byte
			n := utf8.EncodeRune(b[:], unicode.ToUpper(r))
			return string(b[:n])
		}
	}
	return "V"
}
