package volt

import (
	"context"
	"time"
)

// CPOAuthority is a CPO's own issuing CA (issue 18, a CA per CPO): it signs
// its chargers' client certificates, and a profile 3 charger of the CPO
// must present a certificate from it (or from the platform's CA).
type CPOAuthority struct {
	CPOID          string    `json:"cpoId"`
	Subject        string    `json:"subject" doc:"The CA certificate's subject."`
	NotAfter       time.Time `json:"notAfter"`
	CertificatePEM string    `json:"certificatePem" doc:"The CA certificate (PEM) chargers' certificates chain to."`
	CreatedAt      time.Time `json:"createdAt"`
}

// CPOAuthorityService keeps CPOs' issuing CAs. A CPO outside the actor's
// read scope is ENOTFOUND; creating needs write on the CPO.
type CPOAuthorityService interface {
	// FindCPOAuthority returns the CPO's CA, ENOTFOUND when it has none.
	FindCPOAuthority(ctx context.Context, cpoID string) (*CPOAuthority, error)
	// CreateCPOAuthority generates a CA for the CPO (certPEM and keyPEM
	// empty) or imports one (both set); ECONFLICT when it has one.
	CreateCPOAuthority(ctx context.Context, cpoID, certPEM, keyPEM string) (*CPOAuthority, error)
}
