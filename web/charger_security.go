package web

import (
	"net/http"
	"strconv"
	"time"

	volt "github.com/volt-ev/volt"
)

// securityView is a charger's security page (issue 18): its security
// profile, the certificates the CSMS CA issued it and its security events.
type securityView struct {
	Charger  *volt.Charger
	Security *volt.ChargerSecurity
	Certs    []volt.ChargerCertificate
	Events   []volt.SecurityEvent
	CanEdit  bool
	// Installed is the charger's answer to GetInstalledCertificateIds
	// when the page was opened with ?installed=csms|manufacturer.
	Installed *installedView
}

// securityRoutes are the charger security page and its actions.
func (a *Admin) securityRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/chargers/{cpid}/security", a.auth(a.chargerSecurity))
	m.HandleFunc("POST "+p+"/chargers/{cpid}/security/profile", a.auth(a.chargerSecurityProfile))
	m.HandleFunc("POST "+p+"/chargers/{cpid}/security/upgrade", a.auth(a.chargerSecurityUpgrade))
	m.HandleFunc("POST "+p+"/chargers/{cpid}/security/renew", a.auth(a.chargerCertificateRenew))
	m.HandleFunc("POST "+p+"/chargers/{cpid}/certificates/{serial}/revoke", a.auth(a.chargerCertificateRevoke))
	a.certificateRoutes()
}

// securityCharger reads the charger (not found outside the actor's scope)
// for a security page or action.
func (a *Admin) securityCharger(s *sess, cpid string) (*volt.Charger, error) {
	if a.cfg.Security == nil {
		return nil, volt.Errorf(volt.ENOTIMPLEMENTED, "Security profiles are not configured on this server.")
	}
	return a.cfg.Chargers.FindChargerByCPID(s.ctx, cpid)
}

func (a *Admin) chargerSecurity(w http.ResponseWriter, r *http.Request, s *sess) {
	c, err := a.securityCharger(s, r.PathValue("cpid"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := securityView{Charger: c, CanEdit: s.actor.Can(volt.PermCommand, c.Ref())}
	if v.Security, err = a.cfg.Security.FindChargerSecurity(s.ctx, c.CPID); err == nil {
		if v.Certs, err = a.cfg.Security.FindCertificates(s.ctx, c.CPID); err == nil {
			v.Events, err = a.cfg.Security.FindSecurityEvents(s.ctx, c.CPID, 100)
		}
	}
	if t := r.URL.Query().Get("installed"); err == nil && t != "" && v.CanEdit {
		var lerr error
		if v.Installed, lerr = a.listInstalled(s.ctx, c, t); lerr != nil {
			v.Installed = &installedView{Type: t, Error: errText(lerr)}
		}
	}
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.render(w, r, s, "charger_security", "Security of "+c.CPID, v)
}

// securityAction runs f on the charger when the actor may command it, then
// redirects back to the security page with its message.
func (a *Admin) securityAction(w http.ResponseWriter, r *http.Request, s *sess, f func(c *volt.Charger) (string, error)) {
	cpid := r.PathValue("cpid")
	back := AdminPrefix + "/chargers/" + cpid + "/security"
	c, err := a.securityCharger(s, cpid)
	if err == nil && !s.actor.Can(volt.PermCommand, c.Ref()) {
		err = volt.Errorf(volt.EFORBIDDEN, "You may not change this charger's security.")
	}
	var msg string
	if err == nil {
		msg, err = f(c)
	}
	if err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, msg)
}

func (a *Admin) chargerSecurityProfile(w http.ResponseWriter, r *http.Request, s *sess) {
	a.securityAction(w, r, s, func(c *volt.Charger) (string, error) {
		p, _ := strconv.Atoi(r.PostFormValue("securityProfile"))
		if _, err := a.cfg.Security.SetSecurityProfile(s.ctx, c.CPID, p); err != nil {
			return "", err
		}
		return "Charger " + c.CPID + " may now connect with security profile " + strconv.Itoa(p) + " or higher.", nil
	})
}

func (a *Admin) chargerSecurityUpgrade(w http.ResponseWriter, r *http.Request, s *sess) {
	a.securityAction(w, r, s, func(c *volt.Charger) (string, error) {
		if a.cfg.Commander == nil {
			return "", volt.Errorf(volt.EUNAVAILABLE, "Charger commands are not available on this server.")
		}
		p, _ := strconv.Atoi(r.PostFormValue("securityProfile"))
		st, err := volt.UpgradeSecurityProfile(s.ctx, a.cfg.Security, a.cfg.Commander, c, p, time.Now())
		if err != nil {
			return "", err
		}
		if st != "Accepted" {
			return "The charger answered " + st + ": its security profile is unchanged.", nil
		}
		return "The charger accepted profile " + strconv.Itoa(p) + ". It counts once the charger reconnects with it, within " +
			volt.SecurityUpgradeWindow.String() + "; otherwise the charger keeps its old profile.", nil
	})
}

func (a *Admin) chargerCertificateRenew(w http.ResponseWriter, r *http.Request, s *sess) {
	a.securityAction(w, r, s, func(c *volt.Charger) (string, error) {
		if a.cfg.Commander == nil {
			return "", volt.Errorf(volt.EUNAVAILABLE, "Charger commands are not available on this server.")
		}
		if r.PostFormValue("certificateType") == volt.CertificateKindV2G {
			st, err := volt.RenewV2GCertificate(s.ctx, a.cfg.Commander, c)
			if err != nil {
				return "", err
			}
			return "Asked the charger for a new SECC certificate signing request: the charger answered " + st + ".", nil
		}
		res, err := volt.RenewChargerCertificate(s.ctx, a.cfg.Commander, c)
		if err != nil {
			return "", err
		}
		return "Asked the charger for a new certificate signing request: " + string(res), nil
	})
}

func (a *Admin) chargerCertificateRevoke(w http.ResponseWriter, r *http.Request, s *sess) {
	a.securityAction(w, r, s, func(c *volt.Charger) (string, error) {
		serial := r.PathValue("serial")
		cert, err := a.findCertificate(s, c, serial)
		if err != nil {
			return "", err
		}
		if err := a.cfg.Security.RevokeCertificate(s.ctx, c.CPID, serial, r.PostFormValue("reason")); err != nil {
			return "", err
		}
		if cert.Kind == volt.CertificateKindV2G {
			return "SECC certificate " + serial + " revoked: " + a.deleteRevokedSECC(s, c, cert), nil
		}
		return "Certificate " + serial + " revoked: the charger can no longer connect with it.", nil
	})
}
