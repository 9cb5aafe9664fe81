package api

import (
	"context"

	"github.com/volt-ev/volt"
)

// A CPO's own issuing CA (issue 18): its chargers' client certificates are
// signed by it and a profile 3 charger of the CPO must present one of its
// certificates (or one of the platform CA's); another CPO's are refused.

// cpoAuthorityInput generates (empty body) or imports a CPO's CA.
type cpoAuthorityInput struct {
	ID   string `path:"id" maxLength:"64" doc:"The CPO id."`
	Body *struct {
		CertificatePEM string `json:"certificatePem,omitempty" maxLength:"10000" doc:"An existing CA certificate (PEM) to import; omit both to generate one."`
		KeyPEM         string `json:"keyPem,omitempty" maxLength:"10000" doc:"The imported CA's private key (PEM, PKCS#8 or SEC 1); stored sealed, never shown again."`
	}
}

func (s *server) getCPOAuthority(ctx context.Context, in *IDInput) (*Out[volt.CPOAuthority], error) {
	if s.CPOAuthorities == nil {
		return nil, notWired("CPO certificate authorities")
	}
	a, err := s.CPOAuthorities.FindCPOAuthority(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(*a), nil
}

func (s *server) createCPOAuthority(ctx context.Context, in *cpoAuthorityInput) (*Out[volt.CPOAuthority], error) {
	if s.CPOAuthorities == nil {
		return nil, notWired("CPO certificate authorities")
	}
	var certPEM, keyPEM string
	if in.Body != nil {
		certPEM, keyPEM = in.Body.CertificatePEM, in.Body.KeyPEM
	}
	a, err := s.CPOAuthorities.CreateCPOAuthority(ctx, in.ID, certPEM, keyPEM)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(*a), nil
}
