package app

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

type loginView struct {
	Email, Name, Next string
}

func (a *App) loginForm(w http.ResponseWriter, r *http.Request, q *req) {
	a.render(w, q, http.StatusOK, "login", view{Title: "Log in", Nav: "account", Data: loginView{Next: safeNext(r.URL.Query().Get("next"))}})
}

// loginSubmit signs the driver in with the auth service (rate-limited there)
// and keeps the bearer token in an HttpOnly cookie.
func (a *App) loginSubmit(w http.ResponseWriter, r *http.Request, q *req) {
	email, next := strings.TrimSpace(r.PostFormValue("email")), safeNext(r.PostFormValue("next"))
	res, err := a.signIn(w, r, email, r.PostFormValue("password"))
	if err != nil {
		msg, status := "That e-mail and password do not match an account.", http.StatusUnauthorized
		if volt.IsCode(err, volt.ERATELIMITED) {
			msg, status = "Too many attempts. "+waitWords(err), http.StatusTooManyRequests
		} else if !volt.IsCode(err, volt.EUNAUTHORIZED) {
			a.log.Error("app: login", "err", err)
			msg = "We could not log you in right now. Try again."
		}
		a.render(w, q, status, "login", view{Title: "Log in", Nav: "account", Error: msg, Data: loginView{Email: email, Next: next}})
		return
	}
	a.setCookie(w, r, tokenCookie, res.Token, time.Until(res.ExpiresAt))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (a *App) logout(w http.ResponseWriter, r *http.Request, q *req) {
	if q.token != "" {
		if err := a.cfg.Auth.Revoke(q.ctx, q.token); err != nil {
			a.log.Warn("app: revoke token", "err", err)
		}
	}
	a.setCookie(w, r, tokenCookie, "", -1)
	http.Redirect(w, r, "/app/", http.StatusSeeOther)
}

func (a *App) registerForm(w http.ResponseWriter, r *http.Request, q *req) {
	a.render(w, q, http.StatusOK, "register", view{Title: "Create an account", Nav: "account", Data: loginView{Next: safeNext(r.URL.Query().Get("next"))}})
}

// registerSubmit creates a driver account with the whitelabel of the host
// and signs it in.
func (a *App) registerSubmit(w http.ResponseWriter, r *http.Request, q *req) {
	lv := loginView{Email: strings.TrimSpace(r.PostFormValue("email")), Name: strings.TrimSpace(r.PostFormValue("name")), Next: safeNext(r.PostFormValue("next"))}
	pw := r.PostFormValue("password")
	fail := func(msg string) {
		a.render(w, q, http.StatusBadRequest, "register", view{Title: "Create an account", Nav: "account", Error: msg, Data: lv})
	}
	u := &volt.User{Email: lv.Email, Name: lv.Name, CPOID: q.Theme.CPOID}
	if err := u.Validate(); err != nil {
		fail(volt.ErrorMessage(err))
		return
	}
	if err := volt.ValidatePassword(pw); err != nil {
		fail(volt.ErrorMessage(err))
		return
	}
	if err := a.cfg.Users.CreateUser(a.sys, u, pw); err != nil {
		if volt.IsCode(err, volt.ECONFLICT) {
			fail("An account already uses this e-mail address. Log in, or reset your password.")
			return
		}
		a.log.Error("app: register", "err", err)
		fail("We could not create your account right now. Try again.")
		return
	}
	res, err := a.signIn(w, r, u.Email, pw)
	if err != nil {
		http.Redirect(w, r, "/app/login", http.StatusSeeOther)
		return
	}
	a.setCookie(w, r, tokenCookie, res.Token, time.Until(res.ExpiresAt))
	http.Redirect(w, r, lv.Next, http.StatusSeeOther)
}

type accountView struct {
	Cards    []*volt.RFIDCard
	Wallet   *volt.Wallet
	Lines    []*volt.WalletLine
	TopUp    bool
	MaxTopUp volt.Money // the largest top-up (zero: unknown)
	Message  string
	// Statements are the driver's home reimbursement statements, newest
	// month first (none: the section is not shown).
	Statements []*volt.ReimbursementStatement
	// ChargeTarget links the charge target control (issue 19).
	ChargeTarget bool
	// CompanyCar links the company car page (issue 19): the driver has a
	// fleet vehicle or a claim.
	CompanyCar bool
	// Debts is what the driver owes for partner networks' CDRs (issue 14);
	// none: the section is not shown.
	Debts []volt.RoamingDebt
}

// account shows the driver's cards, wallet and settings.
func (a *App) account(w http.ResponseWriter, r *http.Request, q *req) {
	a.renderAccount(w, r, q, http.StatusOK, r.URL.Query().Get("done"), "")
}

var doneMessages = map[string]string{
	"card": "Card added.", "contract": "Contract id added: Plug & Charge sessions are now billed to you.", "blocked": "Card blocked: it can no longer start a charge.",
	"affiliate": "Code accepted: the prices and chargers of your new group now apply.", "topup": "Top-up received.",
	"debts": "Paid: you owe nothing on partner networks now.",
}

func (a *App) renderAccount(w http.ResponseWriter, r *http.Request, q *req, status int, done, errMsg string) {
	v := accountView{}
	cards, _, err := a.cfg.Users.FindRFIDCards(q.ctx, volt.UserFilter{ID: q.User.ID, Page: volt.Page{Limit: 100}})
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	for _, c := range cards {
		if c.UserID == q.User.ID && c.Label != AppCardLabel {
			v.Cards = append(v.Cards, c)
		}
	}
	if a.cfg.Wallets != nil {
		if wl, err := a.cfg.Wallets.FindWallet(q.ctx, q.User.ID, q.Theme.Currency); err == nil {
			v.Wallet = wl
			v.Lines, _, _ = a.cfg.Wallets.WalletHistory(q.ctx, q.User.ID, volt.Page{Limit: 20})
		}
		v.TopUp = true
		v.MaxTopUp = a.maxTopUp(q)
	}
	v.Statements = a.statements(q)
	v.ChargeTarget = a.cfg.ChargeTargets != nil
	v.CompanyCar = a.hasCompanyCar(q)
	v.Debts = a.roamingDebts(q)
	a.render(w, q, status, "account", view{Title: "Account", Nav: "account", Message: doneMessages[done], Error: errMsg, Data: v})
}

// cardAdd attaches an RFID card to the driver by its UID.
func (a *App) cardAdd(w http.ResponseWriter, r *http.Request, q *req) {
	c := &volt.RFIDCard{UID: strings.TrimSpace(r.PostFormValue("uid")), UserID: q.User.ID, CPOID: q.User.CPOID,
		Label: strings.TrimSpace(r.PostFormValue("label"))}
	if c.Label == AppCardLabel {
		c.Label = "Card"
	}
	if err := c.Validate(); err != nil {
		a.renderAccount(w, r, q, http.StatusBadRequest, "", volt.ErrorMessage(err))
		return
	}
	if err := a.cfg.Users.CreateRFIDCard(q.ctx, c); err != nil {
		msg := volt.ErrorMessage(err)
		if volt.IsCode(err, volt.ECONFLICT) {
			msg = "This card is already registered. If it is yours and lost, call the helpline."
		}
		a.renderAccount(w, r, q, http.StatusBadRequest, "", msg)
		return
	}
	http.Redirect(w, r, "/app/account?done=card", http.StatusSeeOther)
}

// cardBlock blocks a lost card; only the operator can unblock it.
func (a *App) cardBlock(w http.ResponseWriter, r *http.Request, q *req) {
	c, err := a.cfg.Users.FindRFIDCardByID(q.ctx, r.PathValue("id"))
	if err != nil || c.UserID != q.User.ID {
		a.fail(w, r, q, http.StatusNotFound, "No card of yours has this link.")
		return
	}
	c.Blocked = true
	if err := a.cfg.Users.UpdateRFIDCard(q.ctx, c); err != nil {
		a.failErr(w, r, q, err)
		return
	}
	http.Redirect(w, r, "/app/account?done=blocked", http.StatusSeeOther)
}

// affiliate redeems an affiliate code (UserService.RedeemAffiliateCode).
func (a *App) affiliate(w http.ResponseWriter, r *http.Request, q *req) {
	if _, err := a.cfg.Users.RedeemAffiliateCode(q.ctx, r.PostFormValue("code")); err != nil {
		msg := volt.ErrorMessage(err)
		if volt.IsCode(err, volt.ENOTFOUND) {
			msg = "This code is not valid. Check it and try again."
		}
		a.renderAccount(w, r, q, http.StatusBadRequest, "", msg)
		return
	}
	http.Redirect(w, r, "/app/account?done=affiliate", http.StatusSeeOther)
}

// topUp credits the wallet by card.
func (a *App) topUp(w http.ResponseWriter, r *http.Request, q *req) {
	if a.cfg.Wallets == nil {
		a.renderAccount(w, r, q, http.StatusServiceUnavailable, "", "Top-ups are not available yet.")
		return
	}
	d, err := volt.ParseDecimal(strings.TrimSpace(r.PostFormValue("amount")))
	exp := volt.CurrencyExponent(q.Theme.Currency)
	if err != nil || d.Sign() <= 0 {
		a.renderAccount(w, r, q, http.StatusBadRequest, "", "Enter an amount, like 20.00.")
		return
	}
	amount := volt.Money{Amount: d.RoundMinor(exp), Currency: q.Theme.Currency}
	card := strings.ReplaceAll(r.PostFormValue("card"), " ", "")
	key := "app-topup-" + strings.TrimSpace(r.PostFormValue("key")) // one key per form: a double submit charges once
	if len(key) < len("app-topup-")+16 {
		key = "app-topup-" + randomHex(16)
	}
	if r.PostFormValue("confirm") != "yes" {
		a.confirmTopUp(w, r, q, amount, card, key)
		return
	}
	if _, err := a.cfg.Wallets.TopUp(q.ctx, q.User.ID, amount, card, key); err != nil {
		msg, status := "Payment declined: "+volt.ErrorMessage(err), http.StatusPaymentRequired
		switch volt.ErrorCode(err) {
		case volt.EUNAVAILABLE:
			msg = "Card payments are not working right now. Nothing was charged: try again in a few minutes."
		case volt.EINVALID:
			msg, status = volt.ErrorMessage(err)+" Nothing was charged.", http.StatusBadRequest
		}
		a.renderAccount(w, r, q, status, "", msg)
		return
	}
	http.Redirect(w, r, "/app/account?done=topup", http.StatusSeeOther)
}

// deleteAccount deletes the driver's account after the password is
// confirmed. The store lets only managers delete users, so after the
// driver proved who they are the app deletes it with SystemActor.
func (a *App) deleteAccount(w http.ResponseWriter, r *http.Request, q *req) {
	if _, err := a.signIn(w, r, q.User.Email, r.PostFormValue("password")); err != nil {
		if volt.IsCode(err, volt.ERATELIMITED) {
			a.renderAccount(w, r, q, http.StatusTooManyRequests, "", "Too many attempts: your account was not deleted. "+waitWords(err))
			return
		}
		a.renderAccount(w, r, q, http.StatusUnauthorized, "", "The password is not right: your account was not deleted.")
		return
	}
	if err := a.cfg.Users.DeleteUser(a.sys, q.User.ID); err != nil {
		a.renderAccount(w, r, q, http.StatusConflict, "", "We could not delete your account: "+volt.ErrorMessage(err))
		return
	}
	_ = a.cfg.Auth.Revoke(q.ctx, q.token)
	a.setCookie(w, r, tokenCookie, "", -1)
	a.render(w, q, http.StatusOK, "error", view{Title: "Account deleted", Message: "Your account is deleted. Thank you for charging with us."})
}

type historyView struct {
	Active []*volt.Session
	CDRs   []*volt.CDR
	Page   int
	More   bool
}

// history lists the driver's sessions in progress and finished ones with
// their receipts.
func (a *App) history(w http.ResponseWriter, r *http.Request, q *req) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 0)
	const per = 20
	v := historyView{Page: page}
	active, _, err := a.cfg.Charging.FindSessions(a.sys, volt.SessionFilter{UserID: q.User.ID, Status: volt.SessionActive, Page: volt.Page{Limit: 10}})
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	for _, s := range active {
		if s.UserID == q.User.ID {
			v.Active = append(v.Active, s)
		}
	}
	cdrs, total, err := a.cfg.Charging.FindCDRs(a.sys, volt.SessionFilter{UserID: q.User.ID, Page: volt.Page{Offset: page * per, Limit: per}})
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	for _, c := range cdrs {
		if c.UserID == q.User.ID {
			v.CDRs = append(v.CDRs, c)
		}
	}
	v.More = total > (page+1)*per
	a.render(w, q, http.StatusOK, "history", view{Title: "History", Nav: "history", Data: v})
}

// Password reset: a token that is an HMAC of the user, its password hash and
// the expiry, so it dies when used (the hash changes) or expires, and needs
// no storage.
const resetTTL = time.Hour

func (a *App) resetToken(u *volt.User, exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	sig := base64.RawURLEncoding.EncodeToString(a.mac("reset", u.ID, u.PasswordHash, e))
	return u.ID + "." + e + "." + sig
}

func (a *App) checkResetToken(token string) (*volt.User, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, false
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || a.now().Unix() > exp {
		return nil, false
	}
	u, err := a.cfg.Users.FindUserByID(a.sys, parts[0])
	if err != nil || u.Guest || u.Disabled {
		return nil, false
	}
	want := a.resetToken(u, time.Unix(exp, 0))
	return u, subtle.ConstantTimeCompare([]byte(want), []byte(token)) == 1
}

func (a *App) resetRequestForm(w http.ResponseWriter, r *http.Request, q *req) {
	a.render(w, q, http.StatusOK, "reset_request", view{Title: "Reset your password", Nav: "account"})
}

// resetRequestSubmit sends a reset link; the answer is the same whether or
// not the address has an account.
func (a *App) resetRequestSubmit(w http.ResponseWriter, r *http.Request, q *req) {
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	if err := a.cfg.Auth.AllowPasswordReset(r.Context(), email, a.clientAddr(r)); err != nil {
		if !volt.IsCode(err, volt.ERATELIMITED) {
			a.failErr(w, r, q, err)
			return
		}
		if d, ok := volt.RetryAfterOf(err); ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(d.Seconds())))
		}
		a.render(w, q, http.StatusTooManyRequests, "reset_request", view{Title: "Reset your password", Nav: "account",
			Error: "Too many reset requests. " + waitWords(err)})
		return
	}
	users, _, err := a.cfg.Users.FindUsers(a.sys, volt.UserFilter{Email: email, Page: volt.Page{Limit: 1}})
	if err == nil && len(users) == 1 && users[0].Email == email && !users[0].Guest {
		link := baseURL(r) + "/app/reset/" + a.resetToken(users[0], a.now().Add(resetTTL))
		body := fmt.Sprintf("Someone asked to reset the password of your %s account.\n\nSet a new one here within an hour:\n%s\n\nIf it was not you, ignore this e-mail.\n", q.Theme.Name, link)
		a.mail(email, q.Theme.Name+": reset your password", body)
	}
	a.render(w, q, http.StatusOK, "error", view{Title: "Check your e-mail", Message: "If an account uses " + email + ", we sent it a link to set a new password. The link works for an hour."})
}

func (a *App) resetForm(w http.ResponseWriter, r *http.Request, q *req) {
	if _, ok := a.checkResetToken(r.PathValue("token")); !ok {
		a.fail(w, r, q, http.StatusNotFound, "This link has expired or was already used. Ask for a new one.")
		return
	}
	a.render(w, q, http.StatusOK, "reset", view{Title: "Set a new password", Nav: "account", Data: r.PathValue("token")})
}

func (a *App) resetSubmit(w http.ResponseWriter, r *http.Request, q *req) {
	tok := r.PathValue("token")
	u, ok := a.checkResetToken(tok)
	if !ok {
		a.fail(w, r, q, http.StatusNotFound, "This link has expired or was already used. Ask for a new one.")
		return
	}
	pw := r.PostFormValue("password")
	if err := volt.ValidatePassword(pw); err != nil {
		a.render(w, q, http.StatusBadRequest, "reset", view{Title: "Set a new password", Error: volt.ErrorMessage(err), Data: tok})
		return
	}
	if err := a.cfg.Users.SetPassword(a.sys, u.ID, pw); err != nil {
		a.failErr(w, r, q, err)
		return
	}
	a.render(w, q, http.StatusOK, "login", view{Title: "Log in", Message: "Password changed. Log in with your new password.", Data: loginView{Email: u.Email, Next: "/app/"}})
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if secure(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// mail sends an e-mail, or logs it when no mailer is configured.
func (a *App) mail(to, subject, body string) {
	if a.cfg.SendMail == nil {
		a.log.Info("app: e-mail (no mailer configured)", "to", to, "subject", subject, "body", body)
		return
	}
	if err := a.cfg.SendMail(to, subject, body); err != nil {
		a.log.Error("app: send e-mail", "to", to, "err", err)
	}
}
