package web

import (
	"crypto/hmac"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/smtp"
	"strconv"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

// resetTTL is how long a password-reset link works.
const resetTTL = time.Hour

// resetView is the data of the reset pages.
type resetView struct {
	Email string
	Token string
	Sent  bool
	Error string
}

// resetToken signs (user id, expiry, current password hash): stateless, and
// single-use because setting the password changes the hash it was signed
// over.
func (a *Admin) resetToken(u *volt.User, expires time.Time) string {
	exp := strconv.FormatInt(expires.Unix(), 10)
	sig := a.mac("reset", u.ID, exp, u.PasswordHash)
	return u.ID + "." + exp + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// checkResetToken returns the user a valid token is for, or an error in words.
func (a *Admin) checkResetToken(r *http.Request, token string) (*volt.User, error) {
	bad := volt.Errorf(volt.EINVALID, "This reset link is invalid, was already used, or has expired. Ask for a new one.")
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, bad
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || a.now().Unix() > exp {
		return nil, bad
	}
	sys := volt.NewContextWithActor(r.Context(), volt.SystemActor)
	u, err := a.cfg.Users.FindUserByID(sys, parts[0])
	if err != nil {
		if volt.IsCode(err, volt.ENOTFOUND) {
			return nil, bad
		}
		return nil, fmt.Errorf("reset token user: %w", err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || u.Disabled || !hmac.Equal(sig, a.mac("reset", u.ID, parts[1], u.PasswordHash)) {
		return nil, bad
	}
	return u, nil
}

func (a *Admin) resetRequestForm(w http.ResponseWriter, r *http.Request, theme themeView) {
	a.render(w, r, &sess{ctx: r.Context(), theme: theme}, "reset_request", "Reset your password", resetView{})
}

// resetRequestSubmit e-mails a reset link when the address belongs to an
// enabled account, and says the same thing either way so addresses cannot be
// probed.
func (a *Admin) resetRequestSubmit(w http.ResponseWriter, r *http.Request, theme themeView) {
	s := &sess{ctx: r.Context(), theme: theme}
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	if email == "" || !strings.Contains(email, "@") {
		a.renderStatus(w, r, s, http.StatusBadRequest, "reset_request", "Reset your password",
			resetView{Email: email, Error: "Enter the e-mail address you sign in with."})
		return
	}
	if err := a.cfg.Auth.AllowPasswordReset(r.Context(), email, a.clientAddr(r)); err != nil {
		if !volt.IsCode(err, volt.ERATELIMITED) {
			a.fail(w, r, s, err)
			return
		}
		setRetryAfter(w, err)
		a.renderStatus(w, r, s, http.StatusTooManyRequests, "reset_request", "Reset your password",
			resetView{Email: email, Error: "Too many reset requests. " + waitWords(err)})
		return
	}
	sys := volt.NewContextWithActor(r.Context(), volt.SystemActor)
	users, _, err := a.cfg.Users.FindUsers(sys, volt.UserFilter{Email: email, Page: volt.Page{Limit: 1}})
	if err != nil {
		a.log.Error("reset: find user", "err", err)
	} else if len(users) == 1 && !users[0].Disabled && !users[0].Guest && users[0].Email == email {
		u := users[0]
		link := a.baseURL(r) + AdminPrefix + "/reset/" + a.resetToken(u, a.now().Add(resetTTL))
		if err := a.sendResetMail(u, link, theme.Name); err != nil {
			a.log.Error("reset: send mail", "user", u.ID, "err", err)
		}
	}
	a.render(w, r, s, "reset_request", "Reset your password", resetView{Email: email, Sent: true})
}

func (a *Admin) resetForm(w http.ResponseWriter, r *http.Request, theme themeView) {
	s := &sess{ctx: r.Context(), theme: theme}
	token := r.PathValue("token")
	if _, err := a.checkResetToken(r, token); err != nil {
		a.renderStatus(w, r, s, httpStatus(err), "reset", "Choose a new password", resetView{Error: errText(err)})
		return
	}
	a.render(w, r, s, "reset", "Choose a new password", resetView{Token: token})
}

func (a *Admin) resetSubmit(w http.ResponseWriter, r *http.Request, theme themeView) {
	s := &sess{ctx: r.Context(), theme: theme}
	token := r.PathValue("token")
	u, err := a.checkResetToken(r, token)
	if err != nil {
		a.renderStatus(w, r, s, httpStatus(err), "reset", "Choose a new password", resetView{Error: errText(err)})
		return
	}
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("confirm") {
		a.renderStatus(w, r, s, http.StatusBadRequest, "reset", "Choose a new password",
			resetView{Token: token, Error: "The two passwords differ. Type the same new password twice."})
		return
	}
	if err := volt.ValidatePassword(pw); err != nil {
		a.renderStatus(w, r, s, http.StatusBadRequest, "reset", "Choose a new password", resetView{Token: token, Error: errText(err)})
		return
	}
	sys := volt.NewContextWithActor(r.Context(), volt.SystemActor)
	if err := a.cfg.Users.SetPassword(sys, u.ID, pw); err != nil {
		a.renderStatus(w, r, s, httpStatus(err), "reset", "Choose a new password", resetView{Token: token, Error: errText(err)})
		return
	}
	a.setFlash(w, r, "ok", "Your password is changed. Sign in with the new one.")
	http.Redirect(w, r, AdminPrefix+"/login", http.StatusSeeOther)
}

// baseURL is the origin for links in e-mails. The request's Host is trusted
// only when BaseURL is unset or the host is a whitelabel's own.
func (a *Admin) baseURL(r *http.Request) string {
	scheme := "http"
	if isTLS(r) {
		scheme = "https"
	}
	if a.cfg.BaseURL == "" || a.cpoForHost(r, hostOnly(r.Host)) != nil {
		return scheme + "://" + r.Host
	}
	return strings.TrimRight(a.cfg.BaseURL, "/")
}

// sendResetMail sends the link over SMTP, or logs it when no SMTP is set.
func (a *Admin) sendResetMail(u *volt.User, link, brand string) error {
	if a.cfg.SMTP == nil {
		a.log.Info("password reset link (no SMTP configured)", "email", u.Email, "link", link)
		return nil
	}
	c := a.cfg.SMTP
	oneLine := strings.NewReplacer("\r", " ", "\n", " ")
	brand = oneLine.Replace(brand)
	body := fmt.Sprintf("Hello %s,\r\n\r\nSomeone asked to reset the password of your %s account.\r\n"+
		"Choose a new password here within the next hour:\r\n\r\n%s\r\n\r\n"+
		"If this was not you, ignore this e-mail: your password stays as it is.\r\n", u.Name, brand, link)
	msg := "From: " + c.From + "\r\nTo: " + u.Email + "\r\nSubject: Reset your " + brand + " password\r\n" +
		"Date: " + a.now().UTC().Format(time.RFC1123Z) + "\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" + body
	var auth smtp.Auth
	if c.Username != "" {
		auth = smtp.PlainAuth("", c.Username, c.Password, c.Host)
	}
	addr := c.Host + ":" + strconv.Itoa(c.Port)
	if err := smtp.SendMail(addr, auth, c.From, []string{u.Email}, []byte(msg)); err != nil {
		return fmt.Errorf("send reset mail via %s: %w", addr, err)
	}
	return nil
}
