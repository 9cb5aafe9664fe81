package audit

import (
	"context"

	"github.com/volt-ev/volt"
)

// Charger certificates and CPO certificate authorities (issue 18).

type security struct {
	volt.ChargerSecurityService
	chargers volt.ChargerService
	r        *Recorder
}

// WrapSecurity returns next with certificate revocations recorded as
// "charger.certificate-revoke" on the charger (the certificate before and
// after, without its chain; its kind, client or SECC, in both). It keeps
// next's wss URL (volt.SecureOCPPEndpoint) for profile upgrades.
func WrapSecurity(next volt.ChargerSecurityService, chargers volt.ChargerService, r *Recorder) volt.ChargerSecurityService {
	return &security{ChargerSecurityService: next, chargers: chargers, r: r}
}

// SecureOCPPURL implements volt.SecureOCPPEndpoint with next's URL ("" when
// next has none).
func (s *security) SecureOCPPURL() string {
	if e, ok := s.ChargerSecurityService.(volt.SecureOCPPEndpoint); ok {
		return e.SecureOCPPURL()
	}
	return ""
}

// RevokeCertificate revokes and records "charger.certificate-revoke".
func (s *security) RevokeCertificate(ctx context.Context, cpid, serial, reason string) error {
	find := func(ctx context.Context, _ string) (*volt.ChargerCertificate, error) {
		certs, err := s.FindCertificates(ctx, cpid)
		if err != nil {
			return nil, err
		}
		for _, c := range certs {
			if c.Serial == serial {
				c.ChainPEM = ""
				return &c, nil
			}
		}
		return nil, volt.Errorf(volt.ENOTFOUND, "no certificate %s", serial)
	}
	t := tracked[*volt.ChargerCertificate]{typ: volt.ResourceCharger, find: find, place: func(*volt.ChargerCertificate) volt.Ref {
		if ch, err := s.chargers.FindChargerByCPID(ctx, cpid); err == nil {
			return ch.Ref()
		}
		return volt.Ref{}
	}}
	return run(ctx, s.r, t, mutation{action: "charger.certificate-revoke", id: cpid,
		details: map[string]string{"serial": serial, "reason": reason}, call: func() (string, error) {
			return idIf(cpid, s.ChargerSecurityService.RevokeCertificate(ctx, cpid, serial, reason))
		}})
}

type cpoAuthorities struct {
	volt.CPOAuthorityService
	r *Recorder
}

// WrapCPOAuthorities returns next with a CPO CA's creation recorded as
// "cpo.certificate-authority-create" (generated) or
// "cpo.certificate-authority-import", on the CPO, with the CA certificate's
// subject, validity and certificate after it; the key is never recorded.
func WrapCPOAuthorities(next volt.CPOAuthorityService, r *Recorder) volt.CPOAuthorityService {
	return &cpoAuthorities{CPOAuthorityService: next, r: r}
}

// CreateCPOAuthority generates or imports the CPO's CA and records it.
func (c *cpoAuthorities) CreateCPOAuthority(ctx context.Context, cpoID, certPEM, keyPEM string) (*volt.CPOAuthority, error) {
	action, mode := "cpo.certificate-authority-create", "generated"
	if certPEM != "" || keyPEM != "" {
		action, mode = "cpo.certificate-authority-import", "imported"
	}
	t := tracked[*volt.CPOAuthority]{typ: volt.ResourceCPO, find: c.FindCPOAuthority,
		place: func(*volt.CPOAuthority) volt.Ref { return volt.Ref{CPOID: cpoID} }}
	var out *volt.CPOAuthority
	err := run(ctx, c.r, t, mutation{action: action, id: cpoID, details: map[string]string{"mode": mode},
		call: func() (string, error) {
			var err error
			out, err = c.CPOAuthorityService.CreateCPOAuthority(ctx, cpoID, certPEM, keyPEM)
			return idIf(cpoID, err)
		}})
	return out, err
}
