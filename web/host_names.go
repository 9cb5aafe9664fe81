package web

import (
	"net/http"

	volt "github.com/volt-ev/volt"
)

// hostNameRoutes adds a whitelabel's host name claims to its CPO page:
// claim a name, publish the DNS TXT record shown, verify it, then add the
// name to the theme (issue #10 item 2).
func (a *Admin) hostNameRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("POST "+p+"/cpos/{id}/host-names", a.auth(a.hostNameClaim))
	m.HandleFunc("POST "+p+"/cpos/{id}/host-names/{host}/verify", a.auth(a.hostNameVerify))
	m.HandleFunc("POST "+p+"/cpos/{id}/host-names/{host}/delete", a.auth(a.hostNameDelete))
}

// cpoExtra is what a CPO's page shows besides the CPO: its host name
// claims, for those who may change them.
type cpoExtra struct {
	Claims     []*volt.HostNameClaim
	CanClaim   bool
	SuperAdmin bool
}

// cpoExtraOf reads the CPO's claims when the actor may write the CPO.
func (a *Admin) cpoExtraOf(s *sess, c *volt.CPO) cpoExtra {
	x := cpoExtra{SuperAdmin: s.actor.SuperAdmin}
	if a.cfg.HostNames == nil || !s.actor.Can(volt.PermWrite, volt.Ref{CPOID: c.ID}) {
		return x
	}
	x.CanClaim = true
	x.Claims, _ = a.cfg.HostNames.FindHostNameClaims(s.ctx, c.ID)
	return x
}

func (a *Admin) hostNameClaim(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	back := AdminPrefix + "/cpos/" + id
	if a.cfg.HostNames == nil {
		a.refused(w, r, back, volt.Errorf(volt.ENOTIMPLEMENTED, "Host name claims are not available on this server."))
		return
	}
	c, err := a.cfg.HostNames.ClaimHostName(s.ctx, id, trimForm(r, "hostName"))
	if err != nil {
		a.refused(w, r, back, err)
		return
	}
	msg := "Host name " + c.HostName + " claimed: publish the TXT record shown, then verify."
	if c.Verified {
		msg = "Host name " + c.HostName + " is verified: add it to the theme's host names."
	}
	a.done(w, r, back, msg)
}

func (a *Admin) hostNameVerify(w http.ResponseWriter, r *http.Request, s *sess) {
	id, host := r.PathValue("id"), r.PathValue("host")
	back := AdminPrefix + "/cpos/" + id
	if a.cfg.HostNames == nil {
		a.refused(w, r, back, volt.Errorf(volt.ENOTIMPLEMENTED, "Host name claims are not available on this server."))
		return
	}
	if _, err := a.cfg.HostNames.VerifyHostName(s.ctx, id, host); err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, "Host name "+host+" is verified: add it to the theme's host names.")
}

func (a *Admin) hostNameDelete(w http.ResponseWriter, r *http.Request, s *sess) {
	id, host := r.PathValue("id"), r.PathValue("host")
	back := AdminPrefix + "/cpos/" + id
	if a.cfg.HostNames == nil {
		a.refused(w, r, back, volt.Errorf(volt.ENOTIMPLEMENTED, "Host name claims are not available on this server."))
		return
	}
	if err := a.cfg.HostNames.DeleteHostNameClaim(s.ctx, id, host); err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, "Claim of "+host+" withdrawn.")
}
