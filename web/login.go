package web

import (
	"net/http"
	"strings"

	volt "github.com/volt-ev/volt"
)

// loginView is the data of the sign-in page.
type loginView struct {
	Email string
	Next  string
	Error string
}

func (a *Admin) loginForm(w http.ResponseWriter, r *http.Request, theme themeView) {
	s := &sess{ctx: r.Context(), theme: theme}
	a.render(w, r, s, "login", "Sign in", loginView{Next: safeNext(r.URL.Query().Get("next"))})
}

// loginSubmit checks the password through AuthService.Login (which rate-limits
// per e-mail and per client address) and sets the session cookie.
func (a *Admin) loginSubmit(w http.ResponseWriter, r *http.Request, theme themeView) {
	s := &sess{ctx: r.Context(), theme: theme}
	email := strings.TrimSpace(r.PostFormValue("email"))
	v := loginView{Email: email, Next: safeNext(r.PostFormValue("next"))}
	if email == "" || r.PostFormValue("password") == "" {
		v.Error = "Enter your e-mail address and password."
		a.renderStatus(w, r, s, http.StatusBadRequest, "login", "Sign in", v)
		return
	}
	res, err := a.cfg.Auth.SignIn(r.Context(), volt.SignInRequest{Email: email, Password: r.PostFormValue("password"),
		ClientAddr: a.clientAddr(r), DeviceToken: deviceToken(r)})
	if err != nil {
		setRetryAfter(w, err)
		status := httpStatus(err)
		switch volt.ErrorCode(err) {
		case volt.EUNAUTHORIZED, volt.ENOTFOUND, volt.EINVALID:
			status, v.Error = http.StatusUnauthorized, "That e-mail address and password do not match. Check them and try again."
		case volt.ERATELIMITED:
			v.Error = "Too many sign-in attempts. " + waitWords(err)
		case volt.EFORBIDDEN:
			v.Error = "This account is disabled. Ask your administrator."
		default:
			a.log.Error("login", "err", err)
			v.Error = errText(err)
		}
		a.renderStatus(w, r, s, status, "login", "Sign in", v)
		return
	}
	token, expires := res.Token, res.ExpiresAt
	actor, err := a.cfg.Auth.Authenticate(r.Context(), token)
	if err != nil || !actor.IsOperator() {
		_ = a.cfg.Auth.Revoke(r.Context(), token)
		v.Error = "The Admin Portal is for operators. Drivers use the Driver app to charge and see their sessions."
		a.renderStatus(w, r, s, http.StatusForbidden, "login", "Sign in", v)
		return
	}
	maxAge := int(expires.Sub(a.now()).Seconds())
	if maxAge < 60 {
		maxAge = 60
	}
	a.setSession(w, r, token, maxAge)
	setDeviceToken(w, r, res.DeviceToken)
	http.Redirect(w, r, v.Next, http.StatusSeeOther)
}

// logout revokes the bearer token and clears the cookie.
func (a *Admin) logout(w http.ResponseWriter, r *http.Request, s *sess) {
	if err := a.cfg.Auth.Revoke(r.Context(), s.token); err != nil && !volt.IsCode(err, volt.EUNAUTHORIZED) {
		a.log.Error("revoke session", "err", err)
	}
	a.clearSession(w, r)
	a.setFlash(w, r, "ok", "You are signed out.")
	http.Redirect(w, r, AdminPrefix+"/login", http.StatusSeeOther)
}
