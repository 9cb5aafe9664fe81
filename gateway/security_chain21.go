package gateway

import (
	"context"
	"fmt"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v21"
)

// getCertificateChainStatus21 answers OCPP 2.1 GetCertificateChainStatus
// (M07: a station asks for the revocation status of up to four
// certificates of a chain) through Config.Contracts, as
// GetCertificateStatus is relayed: each OCSP request is put to its URLs in
// turn until one gives a verified answer, through the provider's
// volt.CertificateRevocationChecker. A certificate with no verified
// answer (no provider, an issuer Volt does not know, every responder
// down) is Failed, never Good; nextUpdate, required, is then now.
// TODO(issue 18): a CRL source is not fetched and is answered Failed.
func getCertificateChainStatus21(ctx context.Context, c *conn, req *v21.GetCertificateChainStatusRequest) (*v21.GetCertificateChainStatusResponse, error) {
	checker, _ := c.g.cfg.Contracts.(volt.CertificateRevocationChecker)
	now := c.g.cfg.Now()
	out := &v21.GetCertificateChainStatusResponse{}
	tally := map[string]int{}
	for _, q := range req.CertificateStatusRequests {
		h := q.CertificateHashData
		st := v21.CertificateStatus{CertificateHashData: v21.CertificateHashData{HashAlgorithm: h.HashAlgorithm,
			IssuerNameHash: h.IssuerNameHash, IssuerKeyHash: h.IssuerKeyHash, SerialNumber: h.SerialNumber},
			Source: q.Source, Status: v21.CertificateStatusEnumFailed, NextUpdate: ocpp.NewDateTime(now)}
		if q.Source == v21.CertificateStatusSourceEnumOCSP && checker != nil {
			for _, u := range q.Urls {
				rev, err := checker.CertificateRevocation(ctx, volt.ContractHashData{HashAlgorithm: string(h.HashAlgorithm),
					IssuerNameHash: h.IssuerNameHash, IssuerKeyHash: h.IssuerKeyHash, SerialNumber: h.SerialNumber, ResponderURL: u})
				if err != nil {
					c.g.log.Info("gateway: certificate chain status", "cpid", c.cpid, "serial", h.SerialNumber, "url", u, "err", err)
					continue
				}
				st.Status = v21.CertificateStatusEnum(rev.Status)
				if !rev.NextUpdate.IsZero() {
					st.NextUpdate = ocpp.NewDateTime(rev.NextUpdate)
				}
				break
			}
		}
		tally[string(st.Status)]++
		out.CertificateStatus = append(out.CertificateStatus, st)
	}
	chargerEvent(ctx, c, v21.ActionGetCertificateChainStatus, fmt.Sprintf("%d certificates: %v", len(out.CertificateStatus), tally), now)
	return out, nil
}
