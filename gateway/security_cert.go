package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp/v16"
	"github.com/volt-ev/volt/ocpp/v201"
	"github.com/volt-ev/volt/pki"
)

// signCSR signs a charger's CSR for the connection's identity, or returns
// why not. Certificate management is refused below profile 2 (LESSONS.md
// item 25): a client certificate obtained over a plain connection proves
// nothing.
func signCSR(ctx context.Context, c *conn, csr string) (*pki.Issued, string) {
	if c.profile < volt.SecurityProfileTLSBasic {
		return nil, "certificate signing needs security profile 2 or 3"
	}
	authority, err := c.g.authorityFor(ctx, c.cpoID)
	if err != nil {
		c.g.log.Error("gateway: CPO certificate authority", "cpid", c.cpid, "cpo", c.cpoID, "err", err)
		return nil, "certificate authority unavailable"
	}
	if authority == nil {
		return nil, "no certificate authority configured"
	}
	iss, err := authority.SignCharger(ctx, c.identity, []byte(csr))
	if err != nil {
		var ce *pki.CSRError
		if errors.As(err, &ce) {
			return nil, ce.Reason
		}
		c.g.log.Error("gateway: sign certificate", "cpid", c.cpid, "err", err)
		return nil, "certificate authority unavailable"
	}
	if reason := recordIssued(ctx, c, iss, volt.CertificateKindChargingStation); reason != "" {
		return nil, reason
	}
	return iss, ""
}

// recordIssued records a certificate Volt signed for the charger, with its
// subject, its CA's and, for an SECC certificate, the hash data a
// DeleteCertificate names it by; it returns why not ("" when recorded or
// when no security service is wired). A certificate not recorded is not
// sent: it could be neither listed nor revoked.
func recordIssued(ctx context.Context, c *conn, iss *pki.Issued, kind string) string {
	if c.g.cfg.Security == nil {
		return ""
	}
	rec := volt.ChargerCertificate{Serial: iss.Serial, CPID: c.cpid, Identity: c.identity, Kind: kind,
		NotBefore: iss.NotBefore, NotAfter: iss.NotAfter, ChainPEM: iss.ChainPEM, IssuedAt: c.g.cfg.Now()}
	if chain, err := pki.ParseCertificates([]byte(iss.ChainPEM)); err == nil && len(chain) > 0 {
		rec.Subject, rec.Issuer = chain[0].Subject.String(), chain[0].Issuer.String()
		if kind == volt.CertificateKindV2G && len(chain) > 1 {
			if h, err := pki.HashOf(chain[0], chain[1]); err == nil {
				// serialNumber is hex "without leading zeroes" (2.0.1
				// CertificateHashDataType).
				rec.HashData = &volt.CertificateHashData{HashAlgorithm: h.HashAlgorithm, IssuerNameHash: h.IssuerNameHash,
					IssuerKeyHash: h.IssuerKeyHash, SerialNumber: chain[0].SerialNumber.Text(16)}
			}
		}
	}
	if err := c.g.cfg.Security.RecordCertificate(ctx, rec); err != nil {
		c.g.log.Error("gateway: record certificate", "cpid", c.cpid, "kind", kind, "err", err)
		return "certificate could not be recorded"
	}
	return ""
}

// sendCertificateSigned sends the signed chain to the charger after the
// SignCertificate answer (1.6 security extension §3.1.1, 2.0.1 A02/A03),
// off the handler goroutine: the charger answers it through the reader.
func sendCertificateSigned(c *conn, iss *pki.Issued, payload any) {
	sendSigned(c, iss, v16.ActionCertificateSigned, payload, func(res []byte) string {
		var ans struct {
			Status string `json:"status"`
		}
		_ = json.Unmarshal(res, &ans)
		return ans.Status
	})
}

// sendSigned sends action with payload after the current answer and
// records the charger's status, read from its answer by status.
func sendSigned(c *conn, iss *pki.Issued, action string, payload any, status func([]byte) string) {
	c.then(func() {
		c.g.goBackground(func() {
			body, _ := json.Marshal(payload)
			res, err := c.call(c.ctx, action, body)
			st := "no answer"
			if err == nil {
				st = status(res)
			}
			chargerEvent(c.g.ctx, c, v16.ActionCertificateSigned, "serial "+iss.Serial+": "+st, c.g.cfg.Now())
			c.g.log.Info("gateway: certificate signed", "cpid", c.cpid, "serial", iss.Serial, "status", st, "err", err)
		})
	})
}

func signCertificate16(ctx context.Context, c *conn, req *v16.SignCertificateRequest) (*v16.SignCertificateResponse, error) {
	iss, reason := signCSR(ctx, c, req.CSR)
	if iss == nil {
		chargerEvent(ctx, c, v16.ActionSignCertificate, "rejected: "+reason, c.g.cfg.Now())
		return &v16.SignCertificateResponse{Status: v16.GenericStatusRejected}, nil
	}
	chargerEvent(ctx, c, v16.ActionSignCertificate, "signed serial "+iss.Serial, c.g.cfg.Now())
	sendCertificateSigned(c, iss, &v16.CertificateSignedRequest{CertificateChain: iss.ChainPEM})
	return &v16.SignCertificateResponse{Status: v16.GenericStatusAccepted}, nil
}

func signCertificate201(ctx context.Context, c *conn, req *v201.SignCertificateRequest) (*v201.SignCertificateResponse, error) {
	if req.CertificateType == v201.CertificateSigningUseEnumV2GCertificate {
		iss, reason := signV2GCSR(ctx, c, req.Csr)
		if iss == nil {
			return rejectSign201(ctx, c, reason), nil
		}
		chargerEvent(ctx, c, v201.ActionSignCertificate, "signed V2G serial "+iss.Serial, c.g.cfg.Now())
		sendCertificateSigned(c, iss, &v201.CertificateSignedRequest{CertificateChain: iss.ChainPEM,
			CertificateType: v201.CertificateSigningUseEnumV2GCertificate})
		return &v201.SignCertificateResponse{Status: v201.GenericStatusEnumAccepted}, nil
	}
	iss, reason := signCSR(ctx, c, req.Csr)
	if iss == nil {
		return rejectSign201(ctx, c, reason), nil
	}
	chargerEvent(ctx, c, v201.ActionSignCertificate, "signed serial "+iss.Serial, c.g.cfg.Now())
	sendCertificateSigned(c, iss, &v201.CertificateSignedRequest{CertificateChain: iss.ChainPEM,
		CertificateType: v201.CertificateSigningUseEnumChargingStationCertificate})
	return &v201.SignCertificateResponse{Status: v201.GenericStatusEnumAccepted}, nil
}

// signV2GCSR signs a charger's ISO 15118 SECC CSR with the V2G CPO sub-CA
// (never the CSMS CA: a vehicle trusts V2G roots), or returns why not. The
// CSR checks of signCSR apply, and the V2G key rules. The certificate is
// recorded with kind V2GCertificate, so it is listed, revoked and renewed
// beside the client certificate.
func signV2GCSR(ctx context.Context, c *conn, csr string) (*pki.Issued, string) {
	switch {
	case c.profile < volt.SecurityProfileTLSBasic:
		return nil, "certificate signing needs security profile 2 or 3"
	case c.g.cfg.V2G == nil:
		return nil, "no V2G certificate authority configured"
	}
	iss, err := c.g.cfg.V2G.SignV2G(ctx, c.identity, []byte(csr))
	if err != nil {
		var ce *pki.CSRError
		if errors.As(err, &ce) {
			return nil, ce.Reason
		}
		c.g.log.Error("gateway: sign V2G certificate", "cpid", c.cpid, "err", err)
		return nil, "V2G certificate authority unavailable"
	}
	if reason := recordIssued(ctx, c, iss, volt.CertificateKindV2G); reason != "" {
		return nil, reason
	}
	return iss, ""
}

// rejectSign201 is a SignCertificate refusal naming reason.
func rejectSign201(ctx context.Context, c *conn, reason string) *v201.SignCertificateResponse {
	chargerEvent(ctx, c, v201.ActionSignCertificate, "rejected: "+reason, c.g.cfg.Now())
	if len(reason) > 512 {
		reason = reason[:512]
	}
	return &v201.SignCertificateResponse{Status: v201.GenericStatusEnumRejected,
		StatusInfo: &v201.StatusInfo{ReasonCode: "InvalidCSR", AdditionalInfo: reason}}
}

// storeSecurityEvent stores a charger's SecurityEventNotification and
// publishes the critical ones.
func storeSecurityEvent(ctx context.Context, c *conn, typ, techInfo string, at time.Time) {
	if c.g.cfg.Security == nil {
		return
	}
	e, err := c.g.cfg.Security.RecordSecurityEvent(ctx, volt.SecurityEvent{CPID: c.cpid, CPOID: c.cpoID, Type: typ,
		TechInfo: techInfo, Critical: volt.IsCriticalSecurityEvent(typ), At: at, ReceivedAt: c.g.cfg.Now()})
	if err != nil {
		c.g.log.Warn("gateway: record security event", "cpid", c.cpid, "type", typ, "err", err)
		return
	}
	c.g.publishSecurity(e)
}

// certManagementAllowed refuses, on a connection below profile 2, the CALLs
// that manage certificates (LESSONS.md item 25; 2.0.1 A00.FR.204): a
// charger connected with a password over plain websockets must not get
// certificates installed, deleted, listed or signed.
func (c *conn) certManagementAllowed(action string, payload []byte) error {
	if c.profile >= volt.SecurityProfileTLSBasic {
		return nil
	}
	switch action {
	case "InstallCertificate", "DeleteCertificate", "GetInstalledCertificateIds", "CertificateSigned":
	case "ExtendedTriggerMessage", "TriggerMessage":
		if !bytes.Contains(payload, []byte(`"Sign`)) {
			return nil
		}
	default:
		return nil
	}
	return volt.Errorf(volt.EUNPROCESSABLE, "%s needs a TLS connection (security profile 2 or 3); charger %s is connected on profile %d.", action, c.cpid, c.profile)
}
