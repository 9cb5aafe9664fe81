package gateway

import (
	"context"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp/v201"
)

// Plug & Charge through OCPP 2.0.1 (C07, M): an Authorize carrying a
// contract certificate or its hash data is judged by Config.Contracts (the
// certificate) and the domain's authorisation (the eMAID, a token the
// driver registered), combined by volt.DecidePnC. Without a provider the
// certificate is NoCertificateAvailable: never accepted on trust.

// isPnC reports whether an Authorize is a Plug & Charge one: it carries a
// contract certificate or its hash data. An eMAID alone (the station
// validated the contract itself) is looked up as any other token.
func isPnC(req *v201.AuthorizeRequest) bool {
	return req.Certificate != "" || len(req.Iso15118CertificateHashData) > 0
}

func authorizePnC201(ctx context.Context, c *conn, req *v201.AuthorizeRequest) (*v201.AuthorizeResponse, error) {
	emaid, ok := volt.NormalizeEMAID(req.IDToken.IDToken)
	if !ok {
		return &v201.AuthorizeResponse{IDTokenInfo: v201.IDTokenInfo{Status: v201.AuthorizationStatusEnumInvalid},
			CertificateStatus: v201.AuthorizeCertificateStatusEnumCertChainError}, nil
	}
	var (
		cert volt.ContractCertificateStatus = volt.ContractNoCertificate
		perr error
	)
	if p := c.g.cfg.Contracts; p != nil && (req.Certificate != "" || len(req.Iso15118CertificateHashData) > 0) {
		check := volt.ContractCheck{EMAID: emaid, Certificate: req.Certificate}
		for _, h := range req.Iso15118CertificateHashData {
			check.HashData = append(check.HashData, volt.ContractHashData{HashAlgorithm: string(h.HashAlgorithm),
				IssuerNameHash: h.IssuerNameHash, IssuerKeyHash: h.IssuerKeyHash, SerialNumber: h.SerialNumber, ResponderURL: h.ResponderURL})
		}
		cert, perr = p.CheckContract(ctx, check)
		if perr != nil {
			c.g.log.Warn("gateway: contract provider", "cpid", c.cpid, "emaid", emaid, "err", perr)
		}
	}
	token := volt.AuthInvalid
	var res volt.AuthResult
	if cert == volt.ContractAccepted && perr == nil {
		var err error
		if res, err = c.g.cfg.Charging.AuthorizeIDTag(ctx, c.cpid, emaid); err != nil {
			return nil, internal(c, "authorize", err)
		}
		token = res.Status
	}
	d := volt.DecidePnC(cert, perr, token)
	info := v201.IDTokenInfo{Status: v201.AuthorizationStatusEnum(d.TokenStatus)}
	if d.TokenStatus == volt.AuthAccepted {
		info = idTokenInfo(res)
	}
	chargerEvent(ctx, c, v201.ActionAuthorize, "plug & charge "+emaid+": "+string(d.CertificateStatus)+"/"+string(d.TokenStatus), c.g.cfg.Now())
	return &v201.AuthorizeResponse{IDTokenInfo: info, CertificateStatus: v201.AuthorizeCertificateStatusEnum(d.CertificateStatus)}, nil
}

// get15118EVCertificate201 relays an EV's certificate installation or
// update (M01/M02) to the provider.
func get15118EVCertificate201(ctx context.Context, c *conn, req *v201.Get15118EVCertificateRequest) (*v201.Get15118EVCertificateResponse, error) {
	p := c.g.cfg.Contracts
	if p == nil {
		return &v201.Get15118EVCertificateResponse{Status: v201.Iso15118EVCertificateStatusEnumFailed,
			StatusInfo: &v201.StatusInfo{ReasonCode: "NoProvider"}}, nil
	}
	st, exi, err := p.Get15118EVCertificate(ctx, req.Iso15118SchemaVersion, string(req.Action), req.ExiRequest)
	if err != nil || (st != "Accepted" && st != "Failed") {
		c.g.log.Warn("gateway: Get15118EVCertificate relay", "cpid", c.cpid, "status", st, "err", err)
		return &v201.Get15118EVCertificateResponse{Status: v201.Iso15118EVCertificateStatusEnumFailed,
			StatusInfo: &v201.StatusInfo{ReasonCode: "ProviderError"}}, nil
	}
	return &v201.Get15118EVCertificateResponse{Status: v201.Iso15118EVCertificateStatusEnum(st), ExiResponse: exi}, nil
}

// getCertificateStatus201 relays an OCSP request (M06) to the provider.
func getCertificateStatus201(ctx context.Context, c *conn, req *v201.GetCertificateStatusRequest) (*v201.GetCertificateStatusResponse, error) {
	p := c.g.cfg.Contracts
	if p == nil {
		return &v201.GetCertificateStatusResponse{Status: v201.GetCertificateStatusEnumFailed,
			StatusInfo: &v201.StatusInfo{ReasonCode: "NoProvider"}}, nil
	}
	h := req.OcspRequestData
	st, ocsp, err := p.CertificateStatus(ctx, volt.ContractHashData{HashAlgorithm: string(h.HashAlgorithm),
		IssuerNameHash: h.IssuerNameHash, IssuerKeyHash: h.IssuerKeyHash, SerialNumber: h.SerialNumber, ResponderURL: h.ResponderURL})
	if err != nil || st != "Accepted" {
		return &v201.GetCertificateStatusResponse{Status: v201.GetCertificateStatusEnumFailed}, nil
	}
	return &v201.GetCertificateStatusResponse{Status: v201.GetCertificateStatusEnumAccepted, OcspResult: ocsp}, nil
}
