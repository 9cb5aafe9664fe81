package pki

import (
	"context"
	"crypto/x509"
)

// CPOAuthorities gives the issuing CA of a CPO that has its own (issue 18,
// a CA per CPO): its chargers' CSRs are signed by it, and their profile 3
// client certificates must chain to it (or to the platform's roots), never
// to another CPO's. An external CA per CPO implements Authority the same
// way and is returned here.
type CPOAuthorities interface {
	// AuthorityFor returns the CA of cpoID, or nil when the CPO has none
	// (the platform's CA serves it).
	AuthorityFor(ctx context.Context, cpoID string) (Authority, error)
	// CPORoots returns the roots of every CPO's CA, for the TLS handshake;
	// which CPO a certificate may serve is checked once the charger is
	// known.
	CPORoots(ctx context.Context) ([]*x509.Certificate, error)
}
