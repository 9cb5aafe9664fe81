package gateway

import (
	"context"
	"crypto/x509"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/pki"
)

// A CA per CPO (issue 18): with Config.CPOAuthorities, a charger's CSR is
// signed by its CPO's CA when the CPO has one, the handshake accepts chains
// to any CPO's CA as well as the platform's roots, and once the charger is
// known its certificate must chain to its own CPO's CA or to the platform's
// roots: a certificate from another CPO's CA is refused.

// authorityFor is the CA that signs cpoID's chargers: its own, else the
// platform's.
func (g *Gateway) authorityFor(ctx context.Context, cpoID string) (pki.Authority, error) {
	if g.cfg.CPOAuthorities != nil {
		a, err := g.cfg.CPOAuthorities.AuthorityFor(ctx, cpoID)
		if err != nil {
			return nil, err
		}
		if a != nil {
			return a, nil
		}
	}
	return g.cfg.Authority, nil
}

// verifyClientChain checks a handshake's client chain against the
// platform's roots, then, for an unknown CA, against the CPOs' CAs.
func (g *Gateway) verifyClientChain(chain []*x509.Certificate, roots *x509.CertPool) error {
	now := time.Now()
	err := pki.VerifyClientChain(chain, roots, now, g.revoked)
	if err == nil || g.cfg.CPOAuthorities == nil || pki.ClientReason(err) != pki.ReasonUnknownCA {
		return err
	}
	ctx, cancel := context.WithTimeout(volt.NewContextWithActor(g.ctx, volt.SystemActor), 5*time.Second)
	defer cancel()
	cpo, lerr := g.cfg.CPOAuthorities.CPORoots(ctx)
	if lerr != nil {
		g.log.Error("gateway: CPO CAs", "err", lerr)
		return err
	}
	if len(cpo) == 0 {
		return err
	}
	pool := x509.NewCertPool()
	for _, c := range cpo {
		pool.AddCert(c)
	}
	return pki.VerifyClientChain(chain, pool, now, g.revoked)
}

// certIssuedForCPO reports whether a client chain that passed the
// handshake may serve a charger of cpoID: it chains to the CPO's own CA or
// to the platform's roots.
func (g *Gateway) certIssuedForCPO(ctx context.Context, chain []*x509.Certificate, cpoID string) error {
	if g.cfg.CPOAuthorities == nil {
		return nil
	}
	roots := x509.NewCertPool()
	if p := g.clientRoots.Load(); p != nil {
		roots = p.Clone()
	}
	a, err := g.cfg.CPOAuthorities.AuthorityFor(ctx, cpoID)
	if err != nil {
		return err
	}
	if a != nil {
		for _, c := range a.Roots() {
			roots.AddCert(c)
		}
	}
	return pki.VerifyClientChain(chain, roots, time.Now(), nil)
}
