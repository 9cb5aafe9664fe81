package web

import (
	"net/http"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

// The OCPI partners pages (issue 14): a CPO's roaming partners with their
// handshake state, the endpoints they offer, the last error talking to
// them, suspend and resume, and adding one (its Token A shown once).

func (a *Admin) ocpiPartnerRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/ocpi-partners", a.auth(a.ocpiPartnerList))
	m.HandleFunc("POST "+p+"/ocpi-partners", a.auth(a.ocpiPartnerCreate))
	m.HandleFunc("GET "+p+"/ocpi-partners/{id}", a.auth(a.ocpiPartnerDetail))
	m.HandleFunc("POST "+p+"/ocpi-partners/{id}/suspended", a.auth(a.ocpiPartnerSuspend))
	m.HandleFunc("POST "+p+"/ocpi-partners/{id}/publishing", a.auth(a.ocpiPartnerPublishing))
	a.ocpiReconciliationRoutes()
	a.ocpiRegisterRoutes()
	a.roamingWhitelistRoutes()
	a.roamingBillRoutes()
}

// ocpiPartnersView is the partner list with the form that adds one.
type ocpiPartnersView struct {
	Partners []*volt.OCPIPartner
	Pager    pager
	CPOs     []*volt.CPO
	Form     *volt.OCPIPartner
	Editable bool
	// Register offers registering with the partner's versions URL and
	// token right away (a registrar is wired); Connect and VersionsURL are
	// the form's choice and URL (the token is never sent back).
	Register    bool
	Connect     string
	VersionsURL string
	Error       string
	Field       string
}

// ocpiPartnerView is one partner; TokenA and VersionsURL are set on the
// page shown right after it was added.
type ocpiPartnerView struct {
	Partner     *volt.OCPIPartner
	TokenA      string
	VersionsURL string
	Publishing  *ocpiPublishing // eMSP partners: what is published to them
	// Register offers the handshake form (not connected) or the token
	// rotation (connected): a registrar is wired.
	Register bool
	// ReconMonth is the month the reconciliation form offers (partner
	// CPOs, when the reconciliation is wired; "" hides the form).
	ReconMonth string
	// Profiles are the charging profiles of our drivers' sessions on a
	// partner CPO's chargers (nil: not wired or not a CPO).
	Profiles []roamingProfileRow
}

func (a *Admin) ocpiPartnerList(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.OCPIPartners == nil {
		a.notWired(w, r, s, "OCPI roaming")
		return
	}
	a.renderOCPIPartners(w, r, s, &volt.OCPIPartner{Role: volt.OCPIRoleEMSP}, nil)
}

func (a *Admin) renderOCPIPartners(w http.ResponseWriter, r *http.Request, s *sess, form *volt.OCPIPartner, ferr error) {
	page := pageOf(r, 50)
	list, total, err := a.cfg.OCPIPartners.FindOCPIPartners(s.ctx, volt.OCPIPartnerFilter{Page: page})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	cpos, _, err := a.cfg.Hierarchy.FindCPOs(s.ctx, volt.Filter{Page: volt.Page{Limit: 500}})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	writable := cpos[:0:0]
	for _, c := range cpos {
		if s.actor.Can(volt.PermWrite, volt.Ref{CPOID: c.ID}) {
			writable = append(writable, c)
		}
	}
	v := &ocpiPartnersView{Partners: list, Pager: newPager(r, page, total), CPOs: writable, Form: form, Editable: len(writable) > 0,
		Register: a.cfg.OCPIRegistrar != nil, Connect: "tokenA"}
	if r.Method == http.MethodPost {
		v.Connect, v.VersionsURL = connectChoice(r), trimForm(r, "versionsUrl")
	}
	status := http.StatusOK
	if ferr != nil {
		v.Error, v.Field, status = errText(ferr), fieldOf(ferr), httpStatus(ferr)
	}
	a.renderStatus(w, r, s, status, "ocpi_partners", "OCPI roaming partners", v)
}

func (a *Admin) ocpiPartnerCreate(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.OCPIPartners == nil {
		a.notWired(w, r, s, "OCPI roaming")
		return
	}
	_ = r.ParseForm()
	p := &volt.OCPIPartner{CPOID: trimForm(r, "cpoId"), Name: trimForm(r, "name"), CountryCode: trimForm(r, "countryCode"),
		PartyID: trimForm(r, "partyId"), Role: volt.OCPIRole(trimForm(r, "role"))}
	theirs := connectChoice(r) == "theirs" && a.cfg.OCPIRegistrar != nil
	versionsURL, token := trimForm(r, "versionsUrl"), strings.TrimSpace(r.PostFormValue("token"))
	if theirs {
		if err := theirCredentials(versionsURL, token); err != nil {
			a.renderOCPIPartners(w, r, s, p, err)
			return
		}
	}
	tokenA, err := a.cfg.OCPIPartners.CreateOCPIPartner(s.ctx, p)
	if err != nil {
		a.renderOCPIPartners(w, r, s, p, err)
		return
	}
	if theirs { // the handshake now; a failure leaves the partner pending with its error
		a.registerWith(w, r, s, p.ID, versionsURL, token)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	a.renderOCPIPartner(w, r, s, http.StatusCreated, p.ID, tokenA)
}

func (a *Admin) ocpiPartnerDetail(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.OCPIPartners == nil {
		a.notWired(w, r, s, "OCPI roaming")
		return
	}
	a.renderOCPIPartner(w, r, s, http.StatusOK, r.PathValue("id"), "")
}

func (a *Admin) renderOCPIPartner(w http.ResponseWriter, r *http.Request, s *sess, status int, id, tokenA string) {
	p, err := a.cfg.OCPIPartners.FindOCPIPartnerByID(s.ctx, id)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := &ocpiPartnerView{Partner: p, TokenA: tokenA, Register: a.cfg.OCPIRegistrar != nil}
	if v.Publishing, err = a.ocpiPublishingOf(s, p); err != nil {
		a.fail(w, r, s, err)
		return
	}
	if p.Role == volt.OCPIRoleCPO && a.cfg.OCPIReconciler != nil {
		v.ReconMonth = lastMonth(time.Now())
	}
	if v.Profiles, err = a.roamingProfileRows(s, p); err != nil { // ocpi_charging_profiles.go
		a.fail(w, r, s, err)
		return
	}
	if tokenA != "" {
		base := strings.TrimRight(a.cfg.BaseURL, "/")
		if base == "" {
			base = "http://" + r.Host
		}
		v.VersionsURL = base + "/ocpi/versions"
	}
	a.renderStatus(w, r, s, status, "ocpi_partner", "OCPI partner "+p.Name, v)
}

func (a *Admin) ocpiPartnerSuspend(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	back := AdminPrefix + "/ocpi-partners/" + id
	if a.cfg.OCPIPartners == nil {
		a.notWired(w, r, s, "OCPI roaming")
		return
	}
	on := trimForm(r, "suspended") == "true"
	if _, err := a.cfg.OCPIPartners.UpdateOCPIPartner(s.ctx, id, volt.OCPIPartnerUpdate{Suspended: &on}); err != nil {
		a.refused(w, r, back, err)
		return
	}
	msg := "Partner resumed: its calls are served and pushes to it go out again."
	if on {
		msg = "Partner suspended: its calls are refused and pushes to it wait until it is resumed."
	}
	a.done(w, r, back, msg)
}
