package app

import (
	"fmt"
	"html/template"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	volt "github.com/volt-ev/volt"
)

// Volt's own branding, for host names that belong to no whitelabel.
const (
	defaultName    = "Volt"
	defaultPrimary = "#0b5cad"
	defaultAccent  = "#0f7a4a"
	themeTTL       = 30 * time.Second
)

// theme is the branding a page is drawn with.
type theme struct {
	Name         string
	LogoURL      string
	CPOID        string // "" when the host is no whitelabel's
	Currency     string
	SupportPhone string
	SupportEmail string
	Primary      string
	Accent       string
}

// CSS returns the theme's colours as custom properties; text on the primary
// colour is black or white, whichever contrasts more.
func (t theme) CSS() template.CSS {
	return template.CSS(fmt.Sprintf(":root{--primary:%s;--accent:%s;--on-primary:%s}", t.Primary, t.Accent, onColor(t.Primary)))
}

type themeCache struct {
	mu sync.Mutex
	m  map[string]themeEntry
}

type themeEntry struct {
	t   theme
	exp time.Time
}

// theme returns the branding for the request's host name.
func (a *App) theme(r *http.Request) theme {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	now := a.now()
	a.themes.mu.Lock()
	e, ok := a.themes.m[host]
	a.themes.mu.Unlock()
	if ok && now.Before(e.exp) {
		return e.t
	}
	t := theme{Name: defaultName, Primary: defaultPrimary, Accent: defaultAccent, Currency: "GBP"}
	if cpo, err := a.cfg.Hierarchy.FindCPOByHostName(a.sys, host); err == nil {
		t = themeOf(cpo)
	} else if !volt.IsCode(err, volt.ENOTFOUND) {
		a.log.Warn("app: theme by host name", "host", host, "err", err)
	}
	a.themes.mu.Lock()
	if a.themes.m == nil {
		a.themes.m = map[string]themeEntry{}
	}
	a.themes.m[host] = themeEntry{t, now.Add(themeTTL)}
	a.themes.mu.Unlock()
	return t
}

// themeOf returns a CPO's branding; colours and logo URL are checked so a
// theme cannot inject CSS or script.
func themeOf(cpo *volt.CPO) theme {
	t := theme{Name: cpo.Theme.DisplayName, CPOID: cpo.ID, Currency: cpo.Currency,
		SupportPhone: cpo.Theme.SupportPhone, SupportEmail: cpo.Theme.SupportEmail,
		Primary: defaultPrimary, Accent: defaultAccent}
	if t.Name == "" {
		t.Name = cpo.Name
	}
	if u := cpo.Theme.LogoURL; strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") {
		t.LogoURL = u
	}
	if validHex(cpo.Theme.PrimaryColor) {
		t.Primary = cpo.Theme.PrimaryColor
	}
	if validHex(cpo.Theme.AccentColor) {
		t.Accent = cpo.Theme.AccentColor
	}
	return t
}

// TelURL returns the tel: link of the support phone, digits and + only.
func (t theme) TelURL() template.URL {
	var b strings.Builder
	for _, r := range t.SupportPhone {
		if r == '+' && b.Len() == 0 || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() < 3 {
		return ""
	}
	return template.URL("tel:" + b.String())
}

func validHex(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	_, err := strconv.ParseUint(s[1:], 16, 32)
	return err == nil
}

// onColor returns black or white, whichever contrasts more with bg (WCAG
// relative luminance).
func onColor(bg string) string {
	v, _ := strconv.ParseUint(bg[1:], 16, 32)
	lin := func(c uint64) float64 {
		x := float64(c) / 255
		if x <= 0.03928 {
			return x / 12.92
		}
		return pow((x+0.055)/1.055, 2.4)
	}
	l := 0.2126*lin(v>>16&255) + 0.7152*lin(v>>8&255) + 0.0722*lin(v&255)
	if (1.05)/(l+0.05) >= (l+0.05)/0.05 {
		return "#fff"
	}
	return "#000"
}

func pow(x, y float64) float64 { return math.Pow(x, y) }
