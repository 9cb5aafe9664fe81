package api

import (
	"context"
	"encoding/json"

	"github.com/volt-ev/volt"
)

// Security profiles, certificates and security events of a charger (issue
// 18). InstallCertificate, DeleteCertificate and GetInstalledCertificateIds
// go through the command endpoint (install-certificate, ...).

// SecurityProfileInput sets or upgrades a charger's security profile.
type SecurityProfileInput struct {
	CPID string `path:"cpid" maxLength:"32"`
	Body struct {
		SecurityProfile int `json:"securityProfile" minimum:"1" maximum:"3" doc:"OCPP security profile: 1 Basic auth, 2 TLS + Basic auth, 3 TLS client certificate."`
	}
}

// SecurityUpgradeBody is the answer to an upgrade: the charger's answer and
// the state now.
type SecurityUpgradeBody struct {
	Status   string                `json:"status" doc:"The charger's answer to the profile change."`
	Security *volt.ChargerSecurity `json:"security"`
}

// CertificatesBody lists a charger's certificates, newest first.
type CertificatesBody struct {
	Items []volt.ChargerCertificate `json:"items"`
}

// SecurityEventsBody lists a charger's security events, newest first.
type SecurityEventsBody struct {
	Items []volt.SecurityEvent `json:"items"`
}

// RevokeInput revokes a charger's certificate.
type RevokeInput struct {
	CPID   string `path:"cpid" maxLength:"32"`
	Serial string `path:"serial" maxLength:"64" pattern:"^[0-9a-f]+$"`
	Body   *struct {
		Reason string `json:"reason,omitempty" maxLength:"200"`
	}
}

// commandCharger returns the charger if the actor may see it (else 404) and
// send it commands (else 403).
func (s *server) commandCharger(ctx context.Context, cpid string) (*volt.Charger, *volt.Actor, error) {
	if s.Security == nil {
		return nil, nil, notWired("security")
	}
	c, err := s.visibleCharger(ctx, cpid)
	if err != nil {
		return nil, nil, err
	}
	a := volt.ActorFromContext(ctx)
	if !a.Can(volt.PermCommand, c.Ref()) {
		return nil, nil, newError(volt.EFORBIDDEN, "You may not change this charger's security.", "")
	}
	return c, a, nil
}

func (s *server) getChargerSecurity(ctx context.Context, in *CPIDInput) (*Out[volt.ChargerSecurity], error) {
	if s.Security == nil {
		return nil, notWired("security")
	}
	sec, err := s.Security.FindChargerSecurity(ctx, in.CPID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(*sec), nil
}

// putChargerSecurity sets the minimum profile at once (an operator who
// knows the charger already connects so; a lower one re-admits a charger
// locked out).
func (s *server) putChargerSecurity(ctx context.Context, in *SecurityProfileInput) (*Out[volt.ChargerSecurity], error) {
	c, a, err := s.commandCharger(ctx, in.CPID)
	if err != nil {
		return nil, err
	}
	sec, err := s.Security.SetSecurityProfile(ctx, c.CPID, in.Body.SecurityProfile)
	body, _ := json.Marshal(in.Body)
	s.audit(ctx, a, c.CPID, "SetSecurityProfile", body, err)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(*sec), nil
}

// upgradeChargerSecurity drives the upgrade through the charger (1.6:
// ChangeConfiguration SecurityProfile): pending until the charger connects
// with the new profile, rolled back after SecurityUpgradeWindow.
func (s *server) upgradeChargerSecurity(ctx context.Context, in *SecurityProfileInput) (*Out[SecurityUpgradeBody], error) {
	c, a, err := s.commandCharger(ctx, in.CPID)
	if err != nil {
		return nil, err
	}
	if s.Commander == nil {
		return nil, newError(volt.EUNAVAILABLE, "Charger commands are not available on this node.", "")
	}
	cctx, cancel := context.WithTimeout(ctx, DefaultCommandTimeout)
	defer cancel()
	status, err := volt.UpgradeSecurityProfile(cctx, s.Security, s.Commander, c, in.Body.SecurityProfile, s.Now())
	req, _ := json.Marshal(in.Body)
	s.audit(ctx, a, c.CPID, "UpgradeSecurityProfile", req, err)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	sec, err := s.Security.FindChargerSecurity(ctx, c.CPID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(SecurityUpgradeBody{Status: status, Security: sec}), nil
}

func (s *server) listChargerCertificates(ctx context.Context, in *CPIDInput) (*Out[CertificatesBody], error) {
	if s.Security == nil {
		return nil, notWired("security")
	}
	certs, err := s.Security.FindCertificates(ctx, in.CPID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(CertificatesBody{Items: certs}), nil
}

func (s *server) revokeChargerCertificate(ctx context.Context, in *RevokeInput) (*struct{}, error) {
	c, a, err := s.commandCharger(ctx, in.CPID)
	if err != nil {
		return nil, err
	}
	reason := ""
	if in.Body != nil {
		reason = in.Body.Reason
	}
	err = s.Security.RevokeCertificate(ctx, c.CPID, in.Serial, reason)
	body, _ := json.Marshal(map[string]string{"serial": in.Serial, "reason": reason})
	s.audit(ctx, a, c.CPID, "RevokeCertificate", body, err)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	s.deleteRevokedSECC(ctx, a, c, in.Serial)
	return nil, nil
}

// deleteRevokedSECC tells the charger to delete a revoked SECC certificate
// (volt.DeleteV2GCertificate), audited with its answer. The revocation
// stands whatever the charger answers, or when it is offline: the
// certificate is no longer renewed and the portal shows it revoked.
func (s *server) deleteRevokedSECC(ctx context.Context, a *volt.Actor, c *volt.Charger, serial string) {
	if s.Commander == nil {
		return
	}
	certs, err := s.Security.FindCertificates(ctx, c.CPID)
	if err != nil {
		return
	}
	for i := range certs {
		if certs[i].Serial != serial || certs[i].Kind != volt.CertificateKindV2G {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, DefaultCommandTimeout)
		st, err := volt.DeleteV2GCertificate(cctx, s.Commander, c, &certs[i])
		cancel()
		body, _ := json.Marshal(map[string]string{"serial": serial, "status": st})
		s.audit(ctx, a, c.CPID, "DeleteV2GCertificate", body, err)
		break
	}
}

// RenewInput asks a charger for a new CSR, for its client certificate
// (the default) or its SECC certificate.
type RenewInput struct {
	CPID string `path:"cpid" maxLength:"32"`
	Body *struct {
		CertificateType string `json:"certificateType,omitempty" enum:"ChargingStationCertificate,V2GCertificate" doc:"Which certificate to renew: the client certificate (default) or the ISO 15118 SECC certificate."`
	}
}

// renewChargerCertificate asks the charger for a new CSR (1.6
// ExtendedTriggerMessage SignChargePointCertificate, 2.x TriggerMessage
// SignChargingStationCertificate; for the SECC certificate 2.x
// TriggerMessage SignV2GCertificate, 1.6 the Plug & Charge DataTransfer
// TriggerMessage) and returns its answer.
func (s *server) renewChargerCertificate(ctx context.Context, in *RenewInput) (*CommandOutput, error) {
	c, a, err := s.commandCharger(ctx, in.CPID)
	if err != nil {
		return nil, err
	}
	if s.Commander == nil {
		return nil, newError(volt.EUNAVAILABLE, "Charger commands are not available on this node.", "")
	}
	cctx, cancel := context.WithTimeout(ctx, DefaultCommandTimeout)
	defer cancel()
	if in.Body != nil && in.Body.CertificateType == volt.CertificateKindV2G {
		st, err := volt.RenewV2GCertificate(cctx, s.Commander, c)
		s.audit(ctx, a, c.CPID, "RenewV2GCertificate", nil, err)
		if err != nil {
			return nil, s.err(ctx, err)
		}
		res, _ := json.Marshal(map[string]string{"status": st})
		return &CommandOutput{Body: res}, nil
	}
	res, err := volt.RenewChargerCertificate(cctx, s.Commander, c)
	s.audit(ctx, a, c.CPID, "RenewCertificate", nil, err)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return &CommandOutput{Body: res}, nil
}

func (s *server) listSecurityEvents(ctx context.Context, in *CPIDInput) (*Out[SecurityEventsBody], error) {
	if s.Security == nil {
		return nil, notWired("security")
	}
	ev, err := s.Security.FindSecurityEvents(ctx, in.CPID, 200)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(SecurityEventsBody{Items: ev}), nil
}
