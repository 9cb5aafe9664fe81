package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	volt "github.com/volt-ev/volt"
)

const (
	sessionCookie = "volt_admin"
	preCSRFCookie = "volt_csrf" // double-submit token for forms before sign-in
	csrfField     = "csrf"
	csrfHeader    = "X-CSRF-Token"
)

// sess is the signed-in request: who, with which token, and the context that
// carries the actor to every service call.
type sess struct {
	actor *volt.Actor
	token string
	ctx   context.Context
	theme themeView
}

// handler is a portal handler for a signed-in operator.
type handler func(w http.ResponseWriter, r *http.Request, s *sess)

// mac returns the HMAC-SHA256 of the parts under the secret key, keyed by
// purpose so a token of one kind never validates as another.
func (a *Admin) mac(purpose string, parts ...string) []byte {
	m := hmac.New(sha256.New, a.cfg.SecretKey)
	m.Write([]byte(purpose))
	for _, p := range parts {
		m.Write([]byte{0})
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

// csrfToken is the CSRF token of a signed-in session: an HMAC of its bearer
// token, so it needs no storage and dies with the session.
func (a *Admin) csrfToken(sessionToken string) string {
	return base64.RawURLEncoding.EncodeToString(a.mac("csrf", sessionToken))
}

// submittedCSRF returns the token a request carries, from the htmx header or
// the form field.
func submittedCSRF(r *http.Request) string {
	if t := r.Header.Get(csrfHeader); t != "" {
		return t
	}
	return r.PostFormValue(csrfField)
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// auth wraps h: it resolves the session cookie to an actor, sends strangers
// to the sign-in page, refuses drivers, and checks the CSRF token on every
// request that changes something.
func (a *Admin) auth(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		theme := a.theme(r)
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" {
			a.toLogin(w, r)
			return
		}
		actor, err := a.cfg.Auth.Authenticate(r.Context(), c.Value)
		if err != nil {
			if !volt.IsCode(err, volt.EUNAUTHORIZED) {
				a.log.Error("authenticate session", "err", err)
			}
			a.clearSession(w, r)
			a.toLogin(w, r)
			return
		}
		s := &sess{actor: actor, token: c.Value, ctx: volt.NewContextWithActor(r.Context(), actor), theme: theme}
		if !actor.IsOperator() {
			a.renderStatus(w, r, s, http.StatusForbidden, "error", "Not for drivers", errorView{
				Message: "The Admin Portal is for operators. Drivers use the Driver app to charge and see their sessions."})
			return
		}
		if unsafeMethod(r.Method) {
			if !hmac.Equal([]byte(submittedCSRF(r)), []byte(a.csrfToken(c.Value))) {
				a.renderStatus(w, r, s, http.StatusForbidden, "error", "Form expired", errorView{
					Message: "This form has expired or did not come from this site. Reload the page and try again."})
				return
			}
		}
		if a.mustChangeFirst(w, r, s) || a.holdingGate(w, r, s) || !a.inArea(w, r, s) {
			return
		}
		h(w, r, s)
	}
}

// toLogin redirects to the sign-in page, remembering where the user was going.
func (a *Admin) toLogin(w http.ResponseWriter, r *http.Request) {
	next := ""
	if r.Method == http.MethodGet && r.URL.Path != AdminPrefix+"/" {
		next = "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if r.Header.Get("HX-Request") != "" {
		w.Header().Set("HX-Redirect", AdminPrefix+"/login"+next)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, AdminPrefix+"/login"+next, http.StatusSeeOther)
}

// safeNext keeps a post-login redirect inside the portal.
func safeNext(next string) string {
	if !strings.HasPrefix(next, AdminPrefix+"/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return AdminPrefix + "/"
	}
	return next
}

func isTLS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (a *Admin) setSession(w http.ResponseWriter, r *http.Request, token string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: AdminPrefix + "/", MaxAge: maxAge,
		HttpOnly: true, Secure: isTLS(r), SameSite: http.SameSiteLaxMode,
	})
}

func (a *Admin) clearSession(w http.ResponseWriter, r *http.Request) {
	a.setSession(w, r, "", -1)
}

// preCSRF returns the double-submit token of a visitor who is not signed in,
// setting its cookie when there is none yet.
func (a *Admin) preCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(preCSRFCookie); err == nil && len(c.Value) >= 22 {
		return c.Value
	}
	var b [24]byte
	_, _ = rand.Read(b[:])
	v := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{
		Name: preCSRFCookie, Value: v, Path: AdminPrefix + "/",
		HttpOnly: true, Secure: isTLS(r), SameSite: http.SameSiteLaxMode,
	})
	return v
}

// checkPreCSRF verifies the double-submit token of a public form.
func checkPreCSRF(r *http.Request) bool {
	c, err := r.Cookie(preCSRFCookie)
	if err != nil || len(c.Value) < 22 {
		return false
	}
	return hmac.Equal([]byte(r.PostFormValue(csrfField)), []byte(c.Value))
}

// public wraps a handler for visitors who are not signed in: POSTs need the
// double-submit CSRF token.
func (a *Admin) public(h func(w http.ResponseWriter, r *http.Request, theme themeView)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		theme := a.theme(r)
		if unsafeMethod(r.Method) && !checkPreCSRF(r) {
			s := &sess{ctx: r.Context(), theme: theme}
			a.renderStatus(w, r, s, http.StatusForbidden, "error", "Form expired", errorView{
				Message: "This form has expired or your browser blocks cookies. Reload the page and try again."})
			return
		}
		h(w, r, theme)
	}
}
