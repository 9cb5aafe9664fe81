// Package pnc holds Plug & Charge contract certificate providers (issue
// 18): Local, which verifies contract chains against the V2G roots it is
// given and knows the contract certificates an eMSP registered with it (its
// stand-in for OCSP); OCSP, which asks the CAs' OCSP responders (RFC 6960);
// and Pool, a contract certificate pool that installs contracts in
// vehicles. HTTPPool relays installations, EXI untouched, to a real pool
// over HTTPS, and Composite puts it behind a provider that checks
// contracts. A provider reaching a real eMSP or PKI (Hubject, Gireve)
// implements volt.ContractProvider the same way.
package pnc

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/pki"
)

// ErrUnavailable is returned while the provider is marked down (its OCSP
// responder unreachable).
var ErrUnavailable = errors.New("pnc: contract provider unavailable")

// Local is a volt.ContractProvider over V2G roots and registered contract
// certificates.
type Local struct {
	roots *x509.CertPool
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Pool, when set, installs contract certificates in vehicles
	// (Get15118EVCertificate); set it before use.
	Pool *Pool

	mu      sync.Mutex
	known   map[string]*x509.Certificate // by hash key
	revoked map[string]bool              // serials
	down    bool
}

var _ volt.ContractProvider = (*Local)(nil)

// NewLocal returns a provider trusting roots (V2G root certificates).
func NewLocal(roots ...*x509.Certificate) *Local {
	p := &Local{roots: x509.NewCertPool(), known: map[string]*x509.Certificate{}, revoked: map[string]bool{}}
	for _, r := range roots {
		p.roots.AddCert(r)
	}
	return p
}

func hashKey(h volt.ContractHashData) string {
	return strings.ToLower(h.IssuerNameHash + "/" + h.IssuerKeyHash + "/" + strings.TrimLeft(h.SerialNumber, "0"))
}

// Register makes a contract chain (leaf first, each certificate followed by
// its issuer, up to the root) known for look-ups by hash data.
func (p *Local) Register(chain ...*x509.Certificate) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, c := range chain {
		issuer := c
		if i+1 < len(chain) {
			issuer = chain[i+1]
		}
		h, err := pki.HashOf(c, issuer)
		if err != nil {
			return err
		}
		p.known[hashKey(volt.ContractHashData{IssuerNameHash: h.IssuerNameHash, IssuerKeyHash: h.IssuerKeyHash, SerialNumber: h.SerialNumber})] = c
	}
	return nil
}

// Revoke marks a certificate revoked by serial (lower-case hex).
func (p *Local) Revoke(serial string) {
	p.mu.Lock()
	p.revoked[serial] = true
	p.mu.Unlock()
}

// SetDown makes every call fail with ErrUnavailable (tests).
func (p *Local) SetDown(down bool) {
	p.mu.Lock()
	p.down = down
	p.mu.Unlock()
}

func (p *Local) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// CheckContract implements volt.ContractProvider.
func (p *Local) CheckContract(_ context.Context, c volt.ContractCheck) (volt.ContractCertificateStatus, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return "", ErrUnavailable
	}
	var chain []*x509.Certificate
	switch {
	case c.Certificate != "":
		certs, err := pki.ParseCertificates([]byte(c.Certificate))
		if err != nil {
			return volt.ContractCertChainError, nil
		}
		chain = certs
	case len(c.HashData) > 0:
		for _, h := range c.HashData {
			cert := p.known[hashKey(h)]
			if cert == nil {
				return volt.ContractCertChainError, nil
			}
			chain = append(chain, cert)
		}
	default:
		return volt.ContractNoCertificate, nil
	}
	return p.judge(chain, c.EMAID), nil
}

// judge verifies a chain (leaf first) at now against the V2G roots, its
// revocations, and that the leaf names the eMAID.
func (p *Local) judge(chain []*x509.Certificate, emaid string) volt.ContractCertificateStatus {
	now := p.now()
	for _, c := range chain {
		if now.After(c.NotAfter) || now.Before(c.NotBefore) {
			return volt.ContractExpired
		}
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	verified, err := chain[0].Verify(x509.VerifyOptions{Roots: p.roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return volt.ContractCertChainError
	}
	for _, c := range verified[0] {
		if p.revoked[pki.SerialHex(c.SerialNumber)] {
			return volt.ContractRevoked
		}
	}
	leaf, _ := volt.NormalizeEMAID(chain[0].Subject.CommonName)
	want, _ := volt.NormalizeEMAID(emaid)
	if leaf == "" || leaf != want {
		return volt.ContractCertChainError
	}
	return volt.ContractAccepted
}

// Get15118EVCertificate implements volt.ContractProvider: the request is
// answered by Pool, or Failed without one.
func (p *Local) Get15118EVCertificate(ctx context.Context, schemaVersion, action, exiRequest string) (string, string, error) {
	p.mu.Lock()
	down, pool := p.down, p.Pool
	p.mu.Unlock()
	if down {
		return "", "", ErrUnavailable
	}
	if pool == nil {
		return "Failed", "", nil
	}
	return pool.Get15118EVCertificate(ctx, schemaVersion, action, exiRequest)
}

// CertificateStatus implements volt.ContractProvider: Accepted for a known,
// live, unrevoked certificate. The OCSP response it returns is a marker, not
// DER: Local has no responder to ask; the OCSP provider relays real signed
// responses (RFC 6960).
func (p *Local) CertificateStatus(_ context.Context, h volt.ContractHashData) (string, string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return "", "", ErrUnavailable
	}
	c := p.known[hashKey(h)]
	if c == nil || p.revoked[pki.SerialHex(c.SerialNumber)] || p.now().After(c.NotAfter) {
		return "Failed", "", nil
	}
	return "Accepted", base64.StdEncoding.EncodeToString([]byte("good:" + pki.SerialHex(c.SerialNumber))), nil
}
