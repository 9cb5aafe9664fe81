package web

import (
	"net/http"
	"strings"

	volt "github.com/volt-ev/volt"
)

// Issue 14 item 3: the credentials handshake started from the portal. An
// operator registers Volt with a partner's versions URL and the token the
// partner gave (when adding it, or later on its page), and rotates the
// tokens of a connected partner. The partner page shows the handshake state
// and the last error either way.

func (a *Admin) ocpiRegisterRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("POST "+p+"/ocpi-partners/{id}/register", a.auth(a.ocpiPartnerRegister))
	m.HandleFunc("POST "+p+"/ocpi-partners/{id}/rotate", a.auth(a.ocpiPartnerRotate))
}

// connectChoice is the add form's "connect" choice: "theirs" or "tokenA".
func connectChoice(r *http.Request) string {
	if trimForm(r, "connect") == "theirs" {
		return "theirs"
	}
	return "tokenA"
}

// theirCredentials checks the handshake form's fields before anything is
// stored, naming the field at fault.
func theirCredentials(versionsURL, token string) error {
	if !strings.HasPrefix(versionsURL, "http://") && !strings.HasPrefix(versionsURL, "https://") {
		return volt.FieldError("versionsUrl", "Give the partner's versions URL (http or https).")
	}
	if token == "" {
		return volt.FieldError("token", "Give the token the partner issued to you.")
	}
	return nil
}

// registerWith runs the handshake and goes to the partner's page with the
// outcome; a failure is also the partner's last error there.
func (a *Admin) registerWith(w http.ResponseWriter, r *http.Request, s *sess, id, versionsURL, token string) {
	back := AdminPrefix + "/ocpi-partners/" + id
	p, err := a.cfg.OCPIRegistrar.RegisterWithPartner(s.ctx, id, versionsURL, token)
	if err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, "Registered with "+p.Name+": the credentials are exchanged and its endpoints known.")
}

func (a *Admin) ocpiPartnerRegister(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	if a.cfg.OCPIPartners == nil || a.cfg.OCPIRegistrar == nil {
		a.notWired(w, r, s, "OCPI registration")
		return
	}
	versionsURL, token := trimForm(r, "versionsUrl"), strings.TrimSpace(r.PostFormValue("token"))
	if err := theirCredentials(versionsURL, token); err != nil {
		a.refused(w, r, AdminPrefix+"/ocpi-partners/"+id, err)
		return
	}
	a.registerWith(w, r, s, id, versionsURL, token)
}

func (a *Admin) ocpiPartnerRotate(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	back := AdminPrefix + "/ocpi-partners/" + id
	if a.cfg.OCPIPartners == nil || a.cfg.OCPIRegistrar == nil {
		a.notWired(w, r, s, "OCPI registration")
		return
	}
	p, err := a.cfg.OCPIRegistrar.RotateCredentials(s.ctx, id)
	if err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, "New tokens exchanged with "+p.Name+": the old ones stop working once it uses the new one.")
}
