package main

import (
	"context"
	"sync"
	"time"

	"crypto/x509"
	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/pki"
	"github.com/volt-ev/volt/store"
)

// cpoCATTL is how long a node keeps a CPO's CA (or its absence) before
// reading it again: a CA created on another node is used here within it.
const cpoCATTL = 30 * time.Second

// cpoCAs is the CA per CPO (issue 18): volt.CPOAuthorityService for the
// API (generate or import, the key sealed with VOLT_SECRET_KEY) and
// pki.CPOAuthorities for the gateway, cached for cpoCATTL.
type cpoCAs struct {
	st     *store.CPOAuthorityStore
	sec    *store.SecurityService
	secret string
	now    func() time.Time

	mu       sync.Mutex
	byCPO    map[string]cpoCAEntry
	roots    []*x509.Certificate
	rootsAt  time.Time
	rootsSet bool
}

type cpoCAEntry struct {
	ca *pki.CA // nil: the CPO has none
	at time.Time
}

var (
	_ volt.CPOAuthorityService = (*cpoCAs)(nil)
	_ pki.CPOAuthorities       = (*cpoCAs)(nil)
)

func newCPOCAs(db *store.DB, sec *store.SecurityService, secret string) *cpoCAs {
	return &cpoCAs{st: store.NewCPOAuthorityStore(db), sec: sec, secret: secret, now: time.Now, byCPO: map[string]cpoCAEntry{}}
}

// FindCPOAuthority implements volt.CPOAuthorityService.
func (c *cpoCAs) FindCPOAuthority(ctx context.Context, cpoID string) (*volt.CPOAuthority, error) {
	return c.st.FindCPOAuthority(ctx, cpoID)
}

// CreateCPOAuthority implements volt.CPOAuthorityService: a new P-256 CA,
// or the imported certificate and key (which must be a CA and match).
func (c *cpoCAs) CreateCPOAuthority(ctx context.Context, cpoID, certPEM, keyPEM string) (*volt.CPOAuthority, error) {
	switch {
	case certPEM != "" && keyPEM == "":
		return nil, volt.FieldError("keyPem", "Give the CA's key with its certificate.")
	case certPEM == "" && keyPEM != "":
		return nil, volt.FieldError("certificatePem", "Give the CA's certificate with its key.")
	}
	a, err := c.st.CreateCPOAuthority(ctx, cpoID, func() (string, string, error) {
		var ca *pki.CA
		if certPEM == "" {
			var err error
			if ca, err = pki.NewCA("Volt CPO CA "+cpoID, c.now()); err != nil {
				return "", "", err
			}
		} else {
			var err error
			if ca, err = pki.LoadCA([]byte(certPEM), []byte(keyPEM)); err != nil {
				return "", "", volt.FieldError("certificatePem", "Not a usable CA certificate and key: %v.", err)
			}
			if !ca.Certificate().IsCA || c.now().After(ca.Certificate().NotAfter) {
				return "", "", volt.FieldError("certificatePem", "The certificate is not a live CA certificate.")
			}
		}
		cp, kp, err := ca.PEM()
		if err != nil {
			return "", "", volt.FieldError("keyPem", "The key cannot be stored: %v.", err)
		}
		sealed, err := sealKey(c.secret, kp)
		return string(cp), sealed, err
	})
	c.mu.Lock()
	delete(c.byCPO, cpoID)
	c.rootsSet = false
	c.mu.Unlock()
	return a, err
}

// AuthorityFor implements pki.CPOAuthorities.
func (c *cpoCAs) AuthorityFor(ctx context.Context, cpoID string) (pki.Authority, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.byCPO[cpoID]
	c.mu.Unlock()
	if !ok || now.Sub(e.at) > cpoCATTL {
		sctx := volt.NewContextWithActor(ctx, volt.SystemActor)
		certPEM, sealed, err := c.sec.FindAuthority(sctx, cpoID)
		switch {
		case volt.IsCode(err, volt.ENOTFOUND):
			e = cpoCAEntry{at: now}
		case err != nil:
			return nil, err
		default:
			key, err := unsealKey(c.secret, sealed)
			if err != nil {
				return nil, err
			}
			ca, err := pki.LoadCA([]byte(certPEM), key)
			if err != nil {
				return nil, err
			}
			e = cpoCAEntry{ca: ca, at: now}
		}
		c.mu.Lock()
		c.byCPO[cpoID] = e
		c.mu.Unlock()
	}
	if e.ca == nil {
		return nil, nil
	}
	return e.ca, nil
}

// CPORoots implements pki.CPOAuthorities.
func (c *cpoCAs) CPORoots(ctx context.Context) ([]*x509.Certificate, error) {
	now := c.now()
	c.mu.Lock()
	if c.rootsSet && now.Sub(c.rootsAt) <= cpoCATTL {
		r := c.roots
		c.mu.Unlock()
		return r, nil
	}
	c.mu.Unlock()
	all, err := c.st.CPOAuthorityCertificates(volt.NewContextWithActor(ctx, volt.SystemActor))
	if err != nil {
		return nil, err
	}
	var roots []*x509.Certificate
	for _, p := range all {
		if certs, err := pki.ParseCertificates([]byte(p)); err == nil {
			roots = append(roots, certs[0])
		}
	}
	c.mu.Lock()
	c.roots, c.rootsAt, c.rootsSet = roots, now, true
	c.mu.Unlock()
	return roots, nil
}
