package web

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

// A CPO's own issuing CA (issue 18): the page shows its certificate (subject,
// SHA-256 fingerprint, validity; never the key) and lets whoever may write
// the CPO generate one or import an existing CA with its key. A CPO outside
// the actor's read scope is not found.

// cpoCAView is the CPO certificate authority page.
type cpoCAView struct {
	CPO         *volt.CPO
	CA          *volt.CPOAuthority
	Fingerprint string
	NotBefore   time.Time
	NotAfter    time.Time
	CanEdit     bool
}

// cpoCARoutes are the CPO certificate authority page and its form.
func (a *Admin) cpoCARoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/cpos/{id}/certificate-authority", a.auth(a.cpoCA))
	m.HandleFunc("POST "+p+"/cpos/{id}/certificate-authority", a.auth(a.cpoCACreate))
}

func (a *Admin) cpoCA(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.CPOAuthorities == nil {
		a.fail(w, r, s, volt.Errorf(volt.ENOTIMPLEMENTED, "CPO certificate authorities are not configured on this server."))
		return
	}
	c, err := a.cfg.Hierarchy.FindCPOByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := cpoCAView{CPO: c, CanEdit: s.actor.Can(volt.PermWrite, volt.Ref{CPOID: c.ID})}
	v.CA, err = a.cfg.CPOAuthorities.FindCPOAuthority(s.ctx, c.ID)
	switch {
	case volt.IsCode(err, volt.ENOTFOUND):
		v.CA = nil
	case err != nil:
		a.fail(w, r, s, err)
		return
	default:
		if b, _ := pem.Decode([]byte(v.CA.CertificatePEM)); b != nil {
			sum := sha256.Sum256(b.Bytes)
			v.Fingerprint = colonHex(sum[:])
			if cert, err := x509.ParseCertificate(b.Bytes); err == nil {
				v.NotBefore, v.NotAfter = cert.NotBefore.UTC(), cert.NotAfter.UTC()
			}
		}
	}
	a.render(w, r, s, "cpo_ca", "Certificate authority of "+c.Name, v)
}

// cpoCACreate generates the CPO's CA (mode generate) or imports the
// certificate and key pasted (mode import); the audit wrapper records it.
func (a *Admin) cpoCACreate(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	back := AdminPrefix + "/cpos/" + id + "/certificate-authority"
	if a.cfg.CPOAuthorities == nil {
		a.refused(w, r, back, volt.Errorf(volt.ENOTIMPLEMENTED, "CPO certificate authorities are not configured on this server."))
		return
	}
	var certPEM, keyPEM string
	if r.PostFormValue("mode") == "import" {
		certPEM, keyPEM = strings.TrimSpace(r.PostFormValue("certificatePem")), strings.TrimSpace(r.PostFormValue("keyPem"))
		if certPEM == "" {
			a.refused(w, r, back, volt.FieldError("certificatePem", "Paste the CA certificate (PEM) to import."))
			return
		}
	}
	ca, err := a.cfg.CPOAuthorities.CreateCPOAuthority(s.ctx, id, certPEM, keyPEM)
	if err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, "Certificate authority "+ca.Subject+" is ready: the CPO's chargers' certificates are now signed by it.")
}

// colonHex writes b as upper-case hex pairs joined by colons, as
// certificate fingerprints are shown.
func colonHex(b []byte) string {
	h := strings.ToUpper(hex.EncodeToString(b))
	parts := make([]string, 0, len(b))
	for i := 0; i < len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, ":")
}
