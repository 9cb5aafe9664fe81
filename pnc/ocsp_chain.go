package pnc

import (
	"context"
	"fmt"

	volt "github.com/volt-ev/volt"
	"golang.org/x/crypto/ocsp"
)

var _ volt.CertificateRevocationChecker = (*OCSP)(nil)

// CertificateRevocation implements volt.CertificateRevocationChecker: the
// verified answer of h.ResponderURL (a host of ResponderHosts when set)
// for a certificate issued by one of the configured CAs, cached as
// CertificateStatus's. An issuer that is not configured is an error: Volt
// vouches only for chains it knows.
func (p *OCSP) CertificateRevocation(ctx context.Context, h volt.ContractHashData) (volt.CertificateRevocation, error) {
	r, _, err := p.response(ctx, h)
	if err != nil {
		return volt.CertificateRevocation{}, err
	}
	out := volt.CertificateRevocation{NextUpdate: r.NextUpdate}
	switch r.Status {
	case ocsp.Good:
		out.Status = volt.RevocationGood
	case ocsp.Revoked:
		out.Status = volt.RevocationRevoked
	case ocsp.Unknown:
		out.Status = volt.RevocationUnknown
	default:
		return volt.CertificateRevocation{}, fmt.Errorf("pnc: OCSP status %d", r.Status)
	}
	return out, nil
}
