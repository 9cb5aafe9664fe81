package web

import (
	"net/http"
	"strconv"
	"strings"

	volt "github.com/volt-ev/volt"
)

// Issue 16 items 1-2: the public side of a magic link (the registration
// form) and the holding area a new organisation stays in until its
// onboarding is approved.

// inviteView is the data of the registration page.
type inviteView struct {
	Token       string
	Invitation  *volt.Invitation
	Name, Phone string
	Org         string
	Error       string
	Field       string
}

func (a *Admin) fieldOpsPublicRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/invite/{token}", a.public(a.inviteForm))
	m.HandleFunc("POST "+p+"/invite/{token}", a.public(a.inviteSubmit))
	m.HandleFunc("GET "+p+"/holding", a.auth(a.holdingForm))
	m.HandleFunc("POST "+p+"/holding", a.auth(a.holdingSubmit))
}

// inviteForm opens a magic link: the form pre-filled from the invitation,
// or a page saying plainly why the link no longer works.
func (a *Admin) inviteForm(w http.ResponseWriter, r *http.Request, theme themeView) {
	s := &sess{ctx: r.Context(), theme: theme}
	if a.cfg.Invitations == nil {
		a.renderStatus(w, r, s, http.StatusNotFound, "error", "Not found", errorView{Message: "Invitations are not enabled here."})
		return
	}
	token := r.PathValue("token")
	inv, err := a.cfg.Invitations.OpenInvitation(r.Context(), token)
	if err != nil {
		a.renderStatus(w, r, s, linkStatus(err), "invite", "This invitation link cannot be used", inviteView{Error: volt.ErrorMessage(err)})
		return
	}
	a.render(w, r, s, "invite", "Register", inviteView{Token: token, Invitation: inv, Name: inv.Prefill["name"],
		Phone: inv.Prefill["phone"], Org: inv.Prefill["organisationName"]})
}

// linkStatus is 410 Gone for a link that worked once (used, expired,
// revoked), 404 for one that never did.
func linkStatus(err error) int {
	if volt.IsCode(err, volt.EUNPROCESSABLE) {
		return http.StatusGone
	}
	return httpStatus(err)
}

// inviteSubmit registers with the link, signs the new user in and opens
// the holding area (or the portal, for a kind that is not held).
func (a *Admin) inviteSubmit(w http.ResponseWriter, r *http.Request, theme themeView) {
	s := &sess{ctx: r.Context(), theme: theme}
	if a.cfg.Invitations == nil {
		a.renderStatus(w, r, s, http.StatusNotFound, "error", "Not found", errorView{Message: "Invitations are not enabled here."})
		return
	}
	token := r.PathValue("token")
	reg := volt.Registration{Token: token, Name: strings.TrimSpace(r.PostFormValue("name")), Phone: strings.TrimSpace(r.PostFormValue("phone")),
		Password: r.PostFormValue("password"), OrganisationName: strings.TrimSpace(r.PostFormValue("organisationName"))}
	inv, err := a.cfg.Invitations.OpenInvitation(r.Context(), token)
	if err != nil {
		a.renderStatus(w, r, s, linkStatus(err), "invite", "This invitation link cannot be used", inviteView{Error: volt.ErrorMessage(err)})
		return
	}
	v := inviteView{Token: token, Invitation: inv, Name: reg.Name, Phone: reg.Phone, Org: reg.OrganisationName}
	if reg.Password != r.PostFormValue("confirm") {
		v.Error, v.Field = "The two passwords differ. Type the same password twice.", "confirm"
		a.renderStatus(w, r, s, http.StatusBadRequest, "invite", "Register", v)
		return
	}
	u, err := a.cfg.Invitations.Register(r.Context(), reg)
	if err != nil {
		if volt.IsCode(err, volt.EUNPROCESSABLE) && !strings.Contains(volt.ErrorMessage(err), "link") {
			v.Error = errText(err)
			a.renderStatus(w, r, s, httpStatus(err), "invite", "Register", v)
			return
		}
		if volt.IsCode(err, volt.EUNPROCESSABLE) || volt.IsCode(err, volt.ENOTFOUND) {
			a.renderStatus(w, r, s, linkStatus(err), "invite", "This invitation link cannot be used", inviteView{Error: volt.ErrorMessage(err)})
			return
		}
		v.Error, v.Field = errText(err), fieldOf(err)
		a.renderStatus(w, r, s, httpStatus(err), "invite", "Register", v)
		return
	}
	res, err := a.cfg.Auth.SignIn(r.Context(), volt.SignInRequest{Email: u.Email, Password: reg.Password, ClientAddr: a.clientAddr(r)})
	if err != nil {
		a.setFlash(w, r, "ok", "Your account is registered. Sign in to continue.")
		http.Redirect(w, r, AdminPrefix+"/login", http.StatusSeeOther)
		return
	}
	a.setSession(w, r, res.Token, int(res.ExpiresAt.Sub(a.now()).Seconds()))
	next := AdminPrefix + "/"
	if inv.Kind.Holds() {
		next = AdminPrefix + "/holding"
	}
	a.setFlash(w, r, "ok", "Welcome, "+u.Name+": your account is registered.")
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// holdingView is the data of the holding area.
type holdingView struct {
	O       *volt.Onboarding
	Missing []string
	Error   string
	Field   string
}

// holdingGate answers every page but the holding area (and sign-out) with
// 403 onboarding_incomplete while the actor's organisation is held; the
// portal's home goes to the holding area.
func (a *Admin) holdingGate(w http.ResponseWriter, r *http.Request, s *sess) bool {
	if s.actor.OnboardingID == "" {
		return false
	}
	switch r.URL.Path {
	case AdminPrefix + "/holding", AdminPrefix + "/logout":
		return false
	case AdminPrefix + "/":
		http.Redirect(w, r, AdminPrefix+"/holding", http.StatusSeeOther)
		return true
	}
	a.renderStatus(w, r, s, http.StatusForbidden, "error", "Onboarding not complete", errorView{
		Message: "onboarding_incomplete: your organisation's onboarding is not complete or not yet approved. Until it is, only the holding area is open."})
	return true
}

func (a *Admin) holdingForm(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Invitations == nil {
		a.fail(w, r, s, volt.Errorf(volt.ENOTFOUND, "Invitations are not enabled here."))
		return
	}
	o, err := a.cfg.Invitations.MyOnboarding(s.ctx)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.render(w, r, s, "holding", "Holding area", holdingView{O: o, Missing: o.Missing()})
}

func (a *Admin) holdingSubmit(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Invitations == nil {
		a.fail(w, r, s, volt.Errorf(volt.ENOTFOUND, "Invitations are not enabled here."))
		return
	}
	f := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	num := func(name string) float64 { v, _ := strconv.ParseFloat(f(name), 64); return v }
	o := &volt.Onboarding{CompanyName: f("companyName"), CompanyNumber: f("companyNumber"), VATNumber: f("vatNumber"),
		Address:       volt.Address{Line1: f("line1"), Line2: f("line2"), City: f("city"), Postcode: f("postcode"), Country: f("country")},
		Bank:          volt.BankDetails{AccountName: f("accountName"), SortCode: f("sortCode"), AccountNumber: f("accountNumber")},
		FirstSite:     volt.OnboardingSite{Name: f("siteName"), Latitude: num("latitude"), Longitude: num("longitude")},
		TermsAccepted: r.PostFormValue("termsAccepted") == "on"}
	o.FirstSite.Address = o.Address
	submit := r.PostFormValue("action") == "submit"
	if err := a.cfg.Invitations.SaveOnboarding(s.ctx, o, submit); err != nil {
		cur, _ := a.cfg.Invitations.MyOnboarding(s.ctx)
		if cur != nil {
			o.ID, o.Status, o.Kind, o.Reason = cur.ID, cur.Status, cur.Kind, cur.Reason
		}
		a.renderStatus(w, r, s, httpStatus(err), "holding", "Holding area", holdingView{O: o, Missing: o.Missing(), Error: errText(err), Field: fieldOf(err)})
		return
	}
	msg := "Saved."
	if submit {
		msg = "Submitted: the person who invited you will review it. You will get an e-mail."
	}
	a.done(w, r, AdminPrefix+"/holding", msg)
}
