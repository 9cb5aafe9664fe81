package app

import (
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

// A session link opens one session on any device: /app/s/{id}?k=TOKEN,
// TOKEN being its expiry and an HMAC of the session id and that expiry
// under the server secret. Session ids are random, but the link, not the
// id, is what grants access: a guessed id without a valid token shows
// nothing. Opening a link stores the grant in a signed cookie and redirects
// to the clean URL, so the token stays out of history and Referer headers.
const (
	linkParam    = "k"
	linksCookie  = "volt_app_links"
	linkTTL      = 30 * 24 * time.Hour // the live session, then its receipt
	maxLinkGrant = 10                  // sessions one browser keeps grants for
)

// sessionToken returns the token of a link to session id, valid until exp.
func (a *App) sessionToken(id string, exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 36)
	return e + "." + base64.RawURLEncoding.EncodeToString(a.mac("session-link", id, e)[:18])
}

// checkToken reports whether tok is a valid, unexpired token for id.
func (a *App) checkToken(id, tok string) bool {
	e, sig, ok := strings.Cut(tok, ".")
	if !ok {
		return false
	}
	exp, err := strconv.ParseInt(e, 36, 64)
	if err != nil || a.now().Unix() > exp {
		return false
	}
	want := base64.RawURLEncoding.EncodeToString(a.mac("session-link", id, e)[:18])
	return subtle.ConstantTimeCompare([]byte(want), []byte(sig)) == 1
}

// SessionLink returns the path of a link that opens session id on any
// device until linkTTL from now.
func (a *App) SessionLink(id string) string {
	return "/app/s/" + id + "?" + linkParam + "=" + a.sessionToken(id, a.now().Add(linkTTL))
}

// readLinks returns the sessions this browser holds valid grants for.
func (a *App) readLinks(r *http.Request) map[string]bool {
	c, err := r.Cookie(linksCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	out := map[string]bool{}
	for _, g := range strings.Split(c.Value, "~") {
		id, tok, ok := strings.Cut(g, "!")
		if ok && len(out) < maxLinkGrant && a.checkToken(id, tok) {
			out[id] = true
		}
	}
	return out
}

// grantLink stores a valid link's grant in the browser, keeping the
// newest grants.
func (a *App) grantLink(w http.ResponseWriter, r *http.Request, id, tok string) {
	grants := []string{id + "!" + tok}
	if c, err := r.Cookie(linksCookie); err == nil {
		for _, g := range strings.Split(c.Value, "~") {
			gid, gtok, ok := strings.Cut(g, "!")
			if ok && gid != id && len(grants) < maxLinkGrant && a.checkToken(gid, gtok) {
				grants = append(grants, g)
			}
		}
	}
	a.setCookie(w, r, linksCookie, strings.Join(grants, "~"), linkTTL)
}

// followLink handles ?k= on a session's pages: a valid token is kept as a
// grant and the browser sent to the same page without it; an invalid or
// expired one is refused in words. It reports whether it answered.
func (a *App) followLink(w http.ResponseWriter, r *http.Request, q *req) bool {
	tok := r.URL.Query().Get(linkParam)
	if tok == "" {
		return false
	}
	id := r.PathValue("id")
	if !a.checkToken(id, tok) {
		a.fail(w, r, q, http.StatusNotFound, "This session link is not valid or has expired. Find your receipt with your e-mail address and your card's last four digits.")
		return true
	}
	a.grantLink(w, r, id, tok)
	http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
	return true
}

// baseURL is where links in e-mails point: the brand's own host name when
// the request came to it, else Config.PublicURL, else the request's host.
func (a *App) baseURL(r *http.Request, q *req) string {
	if q.Theme.CPOID == "" && a.cfg.PublicURL != "" {
		return strings.TrimRight(a.cfg.PublicURL, "/")
	}
	scheme := "http"
	if secure(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// mailSessionLink e-mails a guest the link back to their session once it
// started: the phone that started it may be lost, flat or another's.
func (a *App) mailSessionLink(in *intent, s *volt.Session) {
	u, err := a.cfg.Users.FindUserByID(a.sys, in.UserID)
	if err != nil || !u.Guest {
		return
	}
	name := defaultName
	if cpo, err := a.cfg.Hierarchy.FindCPOByID(a.sys, s.CPOID); err == nil {
		name = themeOf(cpo).Name
	}
	link := in.Base + a.SessionLink(s.ID)
	a.mail(u.Email, name+": your charging session has started",
		"Your session on charger "+s.CPID+", connector "+strconv.Itoa(s.ConnectorID)+" has started.\n\n"+
			"Follow it live, stop it and get your receipt on any phone or computer with this link:\n"+link+"\n\n"+
			"The link works for 30 days. Anyone with it can see and stop this session: keep it to yourself.\n")
}
