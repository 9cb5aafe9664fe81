package web

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"

	volt "github.com/volt-ev/volt"
)

// Volt's own colours, used when the host name belongs to no whitelabel.
const (
	defaultName    = "Volt"
	defaultPrimary = "#0b5cad"
	defaultAccent  = "#0f7a4a"
)

// themeView is the branding a page is drawn with.
type themeView struct {
	Name       string
	LogoURL    string
	CPOID      string
	Whitelabel bool
	Support    string
	primary    string
	accent     string
}

// CSS returns the theme as CSS custom properties. Colours were validated as
// #rrggbb; text on the primary colour is black or white, whichever contrasts
// more, so a whitelabel's choice cannot make buttons unreadable.
func (t themeView) CSS() template.CSS {
	var b strings.Builder
	fmt.Fprintf(&b, ":root{--volt-primary:%s;--volt-accent:%s;--volt-on-primary:%s;", t.primary, t.accent, onColor(t.primary))
	fmt.Fprintf(&b, "--pico-primary:%s;--pico-primary-background:%s;--pico-primary-border:%s;", darkenFor(t.primary), t.primary, t.primary)
	fmt.Fprintf(&b, "--pico-primary-hover-background:%s;--pico-primary-inverse:%s;", t.accent, onColor(t.primary))
	fmt.Fprintf(&b, "--pico-primary-underline:%s;}", t.primary)
	return template.CSS(b.String())
}

// theme returns the branding for the request's host name, cached briefly.
func (a *Admin) theme(r *http.Request) themeView {
	host := hostOnly(r.Host)
	cpo := a.cpoForHost(r, host)
	t := themeView{Name: defaultName, primary: defaultPrimary, accent: defaultAccent}
	if cpo == nil {
		return t
	}
	t.CPOID, t.Whitelabel = cpo.ID, true
	t.Name = cpo.Theme.DisplayName
	if t.Name == "" {
		t.Name = cpo.Name
	}
	if isSafeURL(cpo.Theme.LogoURL) {
		t.LogoURL = cpo.Theme.LogoURL
	}
	if validHex(cpo.Theme.PrimaryColor) {
		t.primary = strings.ToLower(cpo.Theme.PrimaryColor)
	}
	if validHex(cpo.Theme.AccentColor) {
		t.accent = strings.ToLower(cpo.Theme.AccentColor)
	}
	t.Support = cpo.Theme.SupportEmail
	return t
}

func (a *Admin) cpoForHost(r *http.Request, host string) *volt.CPO {
	now := a.now()
	a.themes.mu.Lock()
	e, ok := a.themes.entries[host]
	a.themes.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.cpo
	}
	ctx := volt.NewContextWithActor(r.Context(), volt.SystemActor)
	cpo, err := a.cfg.Hierarchy.FindCPOByHostName(ctx, host)
	if err != nil {
		if !volt.IsCode(err, volt.ENOTFOUND) {
			a.log.Error("theme by host name", "host", host, "err", err)
			return nil // do not cache a failure
		}
		cpo = nil
	}
	a.themes.mu.Lock()
	if len(a.themes.entries) > 1000 {
		clear(a.themes.entries) // host names are attacker-chosen: bound the map
	}
	a.themes.entries[host] = themeEntry{cpo: cpo, expires: now.Add(a.themes.ttl)}
	a.themes.mu.Unlock()
	return cpo
}

// forgetThemes drops cached themes after a CPO's theme changed.
func (a *Admin) forgetThemes() {
	a.themes.mu.Lock()
	clear(a.themes.entries)
	a.themes.mu.Unlock()
}

func validHex(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	_, err := strconv.ParseUint(s[1:], 16, 32)
	return err == nil
}

func isSafeURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "/")
}

// luminance is the WCAG relative luminance of a #rrggbb colour.
func luminance(hex string) float64 {
	v, _ := strconv.ParseUint(hex[1:], 16, 32)
	ch := func(c uint64) float64 {
		x := float64(c) / 255
		if x <= 0.03928 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(v>>16&0xff) + 0.7152*ch(v>>8&0xff) + 0.0722*ch(v&0xff)
}

// onColor returns black or white, whichever reads better on bg.
func onColor(bg string) string {
	l := luminance(bg)
	if (1.05)/(l+0.05) >= (l+0.05)/0.05 {
		return "#ffffff"
	}
	return "#000000"
}

// darkenFor returns a colour usable as link text on a white page: the colour
// itself when it contrasts at least 4.5:1 with white, else a dark fallback.
func darkenFor(c string) string {
	if 1.05/(luminance(c)+0.05) >= 4.5 {
		return c
	}
	return "#1d2430"
}
