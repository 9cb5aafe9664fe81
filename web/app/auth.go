package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

// The Admin Portal's session and CSRF helpers (web/session.go) are
// unexported and bound to its own cookie, so the app has its own minimal
// version: a bearer-token cookie for signed-in drivers, a signed cookie for a
// guest's user id, and a double-submit CSRF token bound to a random browser
// cookie by HMAC.
const (
	tokenCookie = "volt_app"
	guestCookie = "volt_app_guest"
	csrfCookie  = "volt_app_csrf"
	csrfField   = "csrf"
	guestTTL    = 7 * 24 * time.Hour
)

// req is one request as the app sees it: the theme of its host, the signed
// in driver (nil for visitors), the guest user of this browser, and the CSRF
// token to put in forms.
type req struct {
	Theme   theme
	actor   *volt.Actor // nil: not signed in
	User    *volt.User  // the signed-in driver
	token   string
	guestID string // a guest user that checked out in this browser
	// guestSince limits what the guest cookie shows to sessions started
	// after this browser's checkout, so typing someone's e-mail address at
	// checkout never reveals their earlier guest sessions.
	guestSince time.Time
	// links are the sessions this browser opened through a session link
	// (links.go), on any device.
	links map[string]bool
	CSRF  string
	ctx   context.Context // carries the driver's actor, or none
}

// userID returns whose sessions this browser may see: the signed-in driver,
// else the guest.
func (q *req) userID() string {
	if q.User != nil {
		return q.User.ID
	}
	return q.guestID
}

type handler func(w http.ResponseWriter, r *http.Request, q *req)

func (a *App) mac(purpose string, parts ...string) []byte {
	m := hmac.New(sha256.New, a.cfg.SecretKey)
	m.Write([]byte(purpose))
	for _, p := range parts {
		m.Write([]byte{0})
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func secure(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}

func (a *App) setCookie(w http.ResponseWriter, r *http.Request, name, value string, ttl time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/app/", HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteLaxMode}
	if ttl < 0 {
		c.MaxAge = -1
	} else if ttl > 0 {
		c.MaxAge = int(ttl / time.Second)
	}
	http.SetCookie(w, c)
}

// load builds the req: theme, driver, guest and CSRF token (setting the
// browser cookie the token is bound to when missing).
func (a *App) load(w http.ResponseWriter, r *http.Request) *req {
	q := &req{Theme: a.theme(r), ctx: r.Context()}
	if c, err := r.Cookie(tokenCookie); err == nil && c.Value != "" {
		if actor, err := a.cfg.Auth.Authenticate(r.Context(), c.Value); err == nil {
			q.actor, q.token = actor, c.Value
			q.ctx = volt.NewContextWithActor(r.Context(), actor)
			if u, err := a.cfg.Users.FindUserByID(q.ctx, actor.UserID); err == nil {
				q.User = u
			}
		}
		if q.User == nil {
			q.actor, q.token, q.ctx = nil, "", r.Context()
		}
	}
	q.guestID, q.guestSince = a.readGuest(r)
	q.links = a.readLinks(r)
	browser := ""
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 32 {
		browser = c.Value
	} else {
		browser = randomHex(16)
		a.setCookie(w, r, csrfCookie, browser, 0)
		r.AddCookie(&http.Cookie{Name: csrfCookie, Value: browser})
	}
	q.CSRF = base64.RawURLEncoding.EncodeToString(a.mac("csrf", browser))
	return q
}

// page wraps a GET handler.
func (a *App) page(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { h(w, r, a.load(w, r)) }
}

// form wraps a POST handler: the CSRF token of the form must match the
// browser cookie, so another site cannot post on the driver's behalf.
func (a *App) form(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		q := a.load(w, r)
		got := r.PostFormValue(csrfField)
		if subtle.ConstantTimeCompare([]byte(got), []byte(q.CSRF)) != 1 {
			a.fail(w, r, q, http.StatusForbidden, "This form has expired. Go back, reload the page and try again.")
			return
		}
		h(w, r, q)
	}
}

// signedIn sends visitors to the login page and back.
func (a *App) signedIn(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, q *req) {
		if q.User == nil {
			http.Redirect(w, r, "/app/login?next="+safeNext(r.URL.Path), http.StatusSeeOther)
			return
		}
		h(w, r, q)
	}
}

// safeNext keeps a redirect target inside the app.
func safeNext(p string) string {
	if !strings.HasPrefix(p, "/app/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return "/app/"
	}
	return p
}

// setGuest remembers the guest user in a signed cookie:
// id|since|expiry|mac (since in Unix milliseconds, expiry in seconds).
func (a *App) setGuest(w http.ResponseWriter, r *http.Request, userID string, since time.Time) {
	s := strconv.FormatInt(since.UnixMilli(), 10)
	exp := strconv.FormatInt(a.now().Add(guestTTL).Unix(), 10)
	sig := base64.RawURLEncoding.EncodeToString(a.mac("guest", userID, s, exp))
	a.setCookie(w, r, guestCookie, userID+"|"+s+"|"+exp+"|"+sig, guestTTL)
}

func (a *App) readGuest(r *http.Request) (string, time.Time) {
	c, err := r.Cookie(guestCookie)
	if err != nil {
		return "", time.Time{}
	}
	parts := strings.Split(c.Value, "|")
	if len(parts) != 4 {
		return "", time.Time{}
	}
	want := base64.RawURLEncoding.EncodeToString(a.mac("guest", parts[0], parts[1], parts[2]))
	if subtle.ConstantTimeCompare([]byte(want), []byte(parts[3])) != 1 {
		return "", time.Time{}
	}
	since, err1 := strconv.ParseInt(parts[1], 10, 64)
	exp, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || a.now().Unix() > exp {
		return "", time.Time{}
	}
	return parts[0], time.UnixMilli(since)
}

// owns reports whether this browser may see and stop session s: the
// signed-in driver's own, or the guest's started after its checkout.
func (q *req) owns(s *volt.Session) bool {
	switch {
	case s != nil && q.links[s.ID]: // opened through its signed link (links.go)
		return true
	case s == nil || s.UserID == "":
		return false
	case q.User != nil && s.UserID == q.User.ID:
		return true
	}
	// CreatedAt is the server's time of the StartTransaction, after the
	// checkout of this browser; the charger's own StartedAt may be skewed.
	return q.guestID != "" && s.UserID == q.guestID && !s.CreatedAt.Before(q.guestSince)
}
