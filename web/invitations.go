package web

import (
	"net/http"
	"strings"

	volt "github.com/volt-ev/volt"
)

// invitationsView is the data of the invitations page: the form, the link
// just created (shown once), the links with their state and the
// onboardings to review.
type invitationsView struct {
	CPOs        []*volt.CPO
	Usergroups  []*volt.Usergroup
	Invitations []*volt.Invitation
	Onboardings []*volt.Onboarding
	Created     *volt.Invitation
	Form        volt.Invitation
	Org         string
	Error       string
	Super       bool
}

// onboardingView is the data of an onboarding's review page.
type onboardingView struct {
	O      *volt.Onboarding
	Decide bool
}

func (a *Admin) invitationRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/invitations", a.auth(a.invitationsPage))
	m.HandleFunc("POST "+p+"/invitations", a.auth(a.invitationCreate))
	m.HandleFunc("POST "+p+"/invitations/{id}/revoke", a.auth(a.invitationRevoke))
	m.HandleFunc("GET "+p+"/onboardings/{id}", a.auth(a.onboardingShow))
	m.HandleFunc("POST "+p+"/onboardings/{id}/approve", a.auth(a.onboardingDecide(true)))
	m.HandleFunc("POST "+p+"/onboardings/{id}/reject", a.auth(a.onboardingDecide(false)))
}

func (a *Admin) invitationsData(s *sess, v *invitationsView) error {
	if a.cfg.Invitations == nil {
		return volt.Errorf(volt.ENOTFOUND, "Invitations are not enabled here.")
	}
	var err error
	v.Super = s.actor.SuperAdmin
	if v.CPOs, _, err = a.cfg.Hierarchy.FindCPOs(s.ctx, volt.Filter{Page: volt.Page{Limit: 500}}); err != nil {
		return err
	}
	if v.Usergroups, _, err = a.cfg.Users.FindUsergroups(s.ctx, volt.Filter{Page: volt.Page{Limit: 500}}); err != nil {
		return err
	}
	if v.Invitations, _, err = a.cfg.Invitations.FindInvitations(s.ctx, volt.InvitationFilter{Page: volt.Page{Limit: 100}}); err != nil {
		return err
	}
	v.Onboardings, _, err = a.cfg.Invitations.FindOnboardings(s.ctx, volt.InvitationFilter{Page: volt.Page{Limit: 100}})
	return err
}

func (a *Admin) invitationsPage(w http.ResponseWriter, r *http.Request, s *sess) {
	v := invitationsView{Form: volt.Invitation{Kind: volt.InviteOwner}}
	if err := a.invitationsData(s, &v); err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.render(w, r, s, "invitations", "Invitations", v)
}

// invitationCreate sends a magic link and shows it this once.
func (a *Admin) invitationCreate(w http.ResponseWriter, r *http.Request, s *sess) {
	inv := &volt.Invitation{Kind: volt.InvitationKind(r.PostFormValue("kind")), CPOID: r.PostFormValue("cpoId"),
		UsergroupID: r.PostFormValue("usergroupId"), Email: strings.TrimSpace(r.PostFormValue("email")), Prefill: map[string]string{}}
	org := strings.TrimSpace(r.PostFormValue("organisationName"))
	if org != "" {
		inv.Prefill["organisationName"] = org
	}
	if !inv.Kind.JoinsUsergroup() {
		inv.UsergroupID = ""
	}
	var err error = volt.Errorf(volt.ENOTFOUND, "Invitations are not enabled here.")
	if a.cfg.Invitations != nil {
		err = a.cfg.Invitations.CreateInvitation(s.ctx, inv, 0)
	}
	v := invitationsView{Form: *inv, Org: org}
	if err == nil {
		if strings.HasPrefix(inv.URL, "/") {
			inv.URL = a.baseURL(r) + inv.URL
		}
		v.Created, v.Form, v.Org = inv, volt.Invitation{Kind: inv.Kind, CPOID: inv.CPOID}, ""
	} else {
		v.Error = errText(err)
	}
	if derr := a.invitationsData(s, &v); derr != nil {
		a.fail(w, r, s, derr)
		return
	}
	status := http.StatusOK
	if err != nil {
		status = httpStatus(err)
	}
	a.renderStatus(w, r, s, status, "invitations", "Invitations", v)
}

func (a *Admin) invitationRevoke(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Invitations == nil {
		a.fail(w, r, s, volt.Errorf(volt.ENOTFOUND, "Invitations are not enabled here."))
		return
	}
	inv, err := a.cfg.Invitations.RevokeInvitation(s.ctx, r.PathValue("id"))
	if err != nil {
		a.refused(w, r, AdminPrefix+"/invitations", err)
		return
	}
	a.done(w, r, AdminPrefix+"/invitations", "The invitation of "+inv.Email+" is withdrawn: its link opens nothing now.")
}

func (a *Admin) onboardingShow(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Invitations == nil {
		a.fail(w, r, s, volt.Errorf(volt.ENOTFOUND, "Invitations are not enabled here."))
		return
	}
	o, err := a.cfg.Invitations.FindOnboardingByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	decide := o.Status == volt.OnboardingSubmitted && o.UserID != s.actor.UserID &&
		(s.actor.SuperAdmin || (o.Kind == volt.InviteOwner && s.actor.Can(volt.PermWrite, volt.Ref{CPOID: o.CPOID})))
	a.render(w, r, s, "onboarding", "Onboarding of "+o.CompanyName, onboardingView{O: o, Decide: decide})
}

func (a *Admin) onboardingDecide(approve bool) handler {
	return func(w http.ResponseWriter, r *http.Request, s *sess) {
		if a.cfg.Invitations == nil {
			a.fail(w, r, s, volt.Errorf(volt.ENOTFOUND, "Invitations are not enabled here."))
			return
		}
		id := r.PathValue("id")
		o, err := a.cfg.Invitations.DecideOnboarding(s.ctx, id, approve, r.PostFormValue("reason"))
		if err != nil {
			a.refused(w, r, AdminPrefix+"/onboardings/"+id, err)
			return
		}
		msg := o.CompanyName + " is approved: its account has the whole portal now."
		if !approve {
			msg = o.CompanyName + " is sent back with your reason."
		}
		a.done(w, r, AdminPrefix+"/invitations", msg)
	}
}
