package web

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	volt "github.com/volt-ev/volt"
)

// Root certificates installed on a charger (issue 18): InstallCertificate,
// GetInstalledCertificateIds and DeleteCertificate from the security page,
// for the CSMS root (the charger checks Volt's server certificate with it)
// and the manufacturer root (firmware signatures). The OCPP 1.6 security
// extension and 2.0.1 (M03-M05) name the CSMS root differently; the
// messages are otherwise the same.

// installedCert is one root certificate a charger reports, by the hash data
// that names it in DeleteCertificate.
type installedCert struct {
	Type           string // "csms" or "manufacturer" (or the charger's own name)
	HashAlgorithm  string `json:"hashAlgorithm"`
	IssuerNameHash string `json:"issuerNameHash"`
	IssuerKeyHash  string `json:"issuerKeyHash"`
	SerialNumber   string `json:"serialNumber"`
}

// installedView is the listing on the security page after "List".
type installedView struct {
	Type   string // the type listed
	Status string // the charger's answer
	Certs  []installedCert
	Error  string // why the charger could not be asked
}

// rootTypes are the root certificate types the portal manages, by form
// value: the 1.6 and the 2.x name.
var rootTypes = map[string][2]string{
	"csms":         {"CentralSystemRootCertificate", "CSMSRootCertificate"},
	"manufacturer": {"ManufacturerRootCertificate", "ManufacturerRootCertificate"},
}

// rootTypeName is the OCPP certificate type of form value t for charger c.
func rootTypeName(c *volt.Charger, t string) (string, error) {
	names, ok := rootTypes[t]
	if !ok {
		return "", volt.FieldError("certificateType", "Choose the CSMS root or the manufacturer root.")
	}
	if is2x(c) {
		return names[1], nil
	}
	return names[0], nil
}

// rootTypeForm is the form value of an OCPP certificate type ("" when the
// portal does not manage it).
func rootTypeForm(name string) string {
	for k, v := range rootTypes {
		if name == v[0] || name == v[1] {
			return k
		}
	}
	return ""
}

func is2x(c *volt.Charger) bool { return c.OCPPVersion != "" && c.OCPPVersion != "ocpp1.6" }

func (a *Admin) certificateRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("POST "+p+"/chargers/{cpid}/certificates/install", a.auth(a.chargerCertificateInstall))
	m.HandleFunc("POST "+p+"/chargers/{cpid}/certificates/delete", a.auth(a.chargerCertificateDelete))
}

// chargerCall sends action to the charger and returns its status.
func (a *Admin) chargerCall(ctx context.Context, c *volt.Charger, action string, req any, into any) (string, error) {
	if a.cfg.Commander == nil {
		return "", volt.Errorf(volt.EUNAVAILABLE, "Charger commands are not available on this server.")
	}
	res, err := a.cfg.Commander.Call(ctx, c.CPID, action, req)
	if err != nil {
		return "", fmt.Errorf("%s to %s: %w", action, c.CPID, err)
	}
	var ans struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(res, &ans); err != nil {
		return "", fmt.Errorf("%s answer of %s: %w", action, c.CPID, err)
	}
	if into != nil {
		if err := json.Unmarshal(res, into); err != nil {
			return "", fmt.Errorf("%s answer of %s: %w", action, c.CPID, err)
		}
	}
	return ans.Status, nil
}

// rootPEM checks the pasted certificate: one PEM CERTIFICATE block of a CA
// certificate, at most 5500 characters (the InstallCertificate limit).
func rootPEM(s string) (string, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	b, rest := pem.Decode([]byte(s))
	switch {
	case b == nil || b.Type != "CERTIFICATE":
		return "", volt.FieldError("certificate", "Paste one PEM certificate (-----BEGIN CERTIFICATE-----).")
	case len(strings.TrimSpace(string(rest))) > 0:
		return "", volt.FieldError("certificate", "Paste a single certificate, not a chain.")
	case len(s) > 5500:
		return "", volt.FieldError("certificate", "The certificate is longer than the 5500 characters OCPP allows.")
	}
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return "", volt.FieldError("certificate", "The certificate cannot be read: %v", err)
	}
	if !cert.IsCA {
		return "", volt.FieldError("certificate", "This is not a CA certificate; a charger installs root certificates.")
	}
	return s + "\n", nil
}

func (a *Admin) chargerCertificateInstall(w http.ResponseWriter, r *http.Request, s *sess) {
	a.securityAction(w, r, s, func(c *volt.Charger) (string, error) {
		typ, err := rootTypeName(c, r.PostFormValue("certificateType"))
		if err != nil {
			return "", err
		}
		cert, err := rootPEM(r.PostFormValue("certificate"))
		if err != nil {
			return "", err
		}
		st, err := a.chargerCall(s.ctx, c, "InstallCertificate", map[string]string{"certificateType": typ, "certificate": cert}, nil)
		if err != nil {
			return "", err
		}
		return "InstallCertificate (" + typ + "): the charger answered " + st + ".", nil
	})
}

// hashField are the hex values of certificate hash data (OCPP: at most 128
// characters for the hashes, 40 for the serial).
var hashField = regexp.MustCompile(`^[0-9a-fA-F]{1,128}$`)

func (a *Admin) chargerCertificateDelete(w http.ResponseWriter, r *http.Request, s *sess) {
	a.securityAction(w, r, s, func(c *volt.Charger) (string, error) {
		h := installedCert{HashAlgorithm: r.PostFormValue("hashAlgorithm"), IssuerNameHash: r.PostFormValue("issuerNameHash"),
			IssuerKeyHash: r.PostFormValue("issuerKeyHash"), SerialNumber: r.PostFormValue("serialNumber")}
		switch {
		case h.HashAlgorithm != "SHA256" && h.HashAlgorithm != "SHA384" && h.HashAlgorithm != "SHA512":
			return "", volt.FieldError("hashAlgorithm", "Unknown hash algorithm.")
		case !hashField.MatchString(h.IssuerNameHash):
			return "", volt.FieldError("issuerNameHash", "Not a hash.")
		case !hashField.MatchString(h.IssuerKeyHash):
			return "", volt.FieldError("issuerKeyHash", "Not a hash.")
		case len(h.SerialNumber) > 40 || !hashField.MatchString(h.SerialNumber):
			return "", volt.FieldError("serialNumber", "Not a serial number.")
		}
		st, err := a.chargerCall(s.ctx, c, "DeleteCertificate", map[string]any{"certificateHashData": h}, nil)
		if err != nil {
			return "", err
		}
		return "DeleteCertificate of serial " + h.SerialNumber + ": the charger answered " + st + ".", nil
	})
}

// listInstalled asks the charger for its root certificates of form type t
// (GetInstalledCertificateIds), for the security page.
func (a *Admin) listInstalled(ctx context.Context, c *volt.Charger, t string) (*installedView, error) {
	typ, err := rootTypeName(c, t)
	if err != nil {
		return nil, err
	}
	var req any = map[string]string{"certificateType": typ}
	if is2x(c) {
		req = map[string][]string{"certificateType": {typ}}
	}
	var ans struct {
		CertificateHashData      []installedCert `json:"certificateHashData"` // 1.6
		CertificateHashDataChain []struct {      // 2.x
			CertificateType     string        `json:"certificateType"`
			CertificateHashData installedCert `json:"certificateHashData"`
		} `json:"certificateHashDataChain"`
	}
	st, err := a.chargerCall(ctx, c, "GetInstalledCertificateIds", req, &ans)
	if err != nil {
		return nil, err
	}
	v := &installedView{Type: t, Status: st}
	for _, h := range ans.CertificateHashData {
		h.Type = t
		v.Certs = append(v.Certs, h)
	}
	for _, ch := range ans.CertificateHashDataChain {
		h := ch.CertificateHashData
		if h.Type = rootTypeForm(ch.CertificateType); h.Type == "" {
			h.Type = ch.CertificateType
		}
		v.Certs = append(v.Certs, h)
	}
	return v, nil
}
