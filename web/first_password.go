package web

import (
	"net/http"

	volt "github.com/volt-ev/volt"
)

// firstPasswordPath is where a user signed in with a one-time password
// chooses their own before anything else.
const firstPasswordPath = AdminPrefix + "/password"

// mustChangeFirst sends a user who signed in with a one-time password to the
// page that replaces it; true when it did.
func (a *Admin) mustChangeFirst(w http.ResponseWriter, r *http.Request, s *sess) bool {
	if !s.actor.MustChangePassword || r.URL.Path == firstPasswordPath || r.URL.Path == AdminPrefix+"/logout" {
		return false
	}
	if r.Header.Get("HX-Request") != "" {
		w.Header().Set("HX-Redirect", firstPasswordPath)
		w.WriteHeader(http.StatusUnauthorized)
		return true
	}
	http.Redirect(w, r, firstPasswordPath, http.StatusSeeOther)
	return true
}

type firstPasswordView struct{ Error string }

func (a *Admin) firstPasswordForm(w http.ResponseWriter, r *http.Request, s *sess) {
	a.render(w, r, s, "first_password", "Choose your password", firstPasswordView{})
}

// firstPasswordSubmit sets the new password (which ends every session of
// the user, the one-time password's too), signs in again with it, and goes
// on to the dashboard (post/redirect/get).
func (a *Admin) firstPasswordSubmit(w http.ResponseWriter, r *http.Request, s *sess) {
	pw := r.PostFormValue("password")
	redo := func(status int, msg string) {
		a.renderStatus(w, r, s, status, "first_password", "Choose your password", firstPasswordView{Error: msg})
	}
	if pw != r.PostFormValue("confirm") {
		redo(http.StatusBadRequest, "The two passwords differ. Type the same new password twice.")
		return
	}
	if err := volt.ValidatePassword(pw); err != nil {
		redo(http.StatusBadRequest, errText(err))
		return
	}
	if err := a.cfg.Users.SetPassword(s.ctx, s.actor.UserID, pw); err != nil {
		redo(httpStatus(err), errText(err))
		return
	}
	token, expires, err := a.cfg.Auth.Login(r.Context(), s.actor.Email, pw, a.clientAddr(r))
	if err != nil {
		a.clearSession(w, r)
		a.setFlash(w, r, "ok", "Your password is changed. Sign in with the new one.")
		http.Redirect(w, r, AdminPrefix+"/login", http.StatusSeeOther)
		return
	}
	a.setSession(w, r, token, max(60, int(expires.Sub(a.now()).Seconds())))
	a.done(w, r, AdminPrefix+"/", "Your password is changed. Welcome to Volt.")
}
