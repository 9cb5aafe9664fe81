package pnc

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	_ "crypto/sha512" // SHA-384 and SHA-512 OCSP CertID hashes
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/pki"
	"golang.org/x/crypto/ocsp"
)

// OCSP is a volt.ContractProvider that asks the certificate authorities'
// OCSP responders (RFC 6960) about contract certificates, so Plug & Charge
// works for contracts no one registered with this node:
//
//   - a chain (Authorize with a certificate) is verified against the V2G
//     roots, its leaf must name the eMAID, and each certificate naming an
//     OCSP responder in its AIA extension is checked there;
//   - hash data alone (iso15118CertificateHashData) is checked at the
//     responderURL of each entry; the issuer each entry names must be one of
//     the configured CAs (a V2G root or a sub-CA that chains to one), whose
//     key verifies the response (directly, or through a delegated responder
//     certificate it issued with the OCSPSigning usage). Hash data cannot
//     show the eMAID: Volt's token check of the eMAID does that part;
//   - GetCertificateStatus relays the request to the responder named and
//     returns its signed DER response: Accepted whenever a verified response
//     came back, whatever status it carries (good, revoked, unknown: the
//     vehicle reads it), Failed when none did.
//
// Good is accepted, revoked is CertificateRevoked, unknown is
// CertChainError; a responder that is down, answers an error status, a
// stale, unsigned or mis-signed response is an error (Volt then answers
// CertChainError/Invalid, never accepting).
type OCSP struct {
	// Client makes the requests; default one with a 10 s timeout.
	Client *http.Client
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Pool, when set, answers Get15118EVCertificate.
	Pool *Pool
	// ResponderHosts, when not empty, are the only hosts (host or
	// host:port) Volt sends OCSP requests to: hash data names its
	// responder, and a charger should not choose where the CSMS connects.
	ResponderHosts []string
	// CacheFor, when positive, keeps each verified response for reuse up
	// to this long and never past its nextUpdate (a response without one
	// is not kept): an Authorize then costs no round trip, and a
	// revocation is seen once the kept answer lapses. Set before use.
	CacheFor time.Duration

	mu    sync.Mutex
	cache map[string]cachedOCSP

	roots *x509.CertPool
	cas   []*x509.Certificate
}

var _ volt.ContractProvider = (*OCSP)(nil)

// NewOCSP returns a provider trusting the self-signed certificates among
// certs as V2G roots and the others as sub-CAs, each of which must chain
// to a root.
func NewOCSP(certs ...*x509.Certificate) (*OCSP, error) {
	p := &OCSP{roots: x509.NewCertPool()}
	var subs []*x509.Certificate
	for _, c := range certs {
		if !c.IsCA {
			return nil, fmt.Errorf("pnc: %q is not a CA certificate", c.Subject.CommonName)
		}
		if bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil {
			p.roots.AddCert(c)
		} else {
			subs = append(subs, c)
		}
		p.cas = append(p.cas, c)
	}
	inter := x509.NewCertPool()
	for _, c := range subs {
		inter.AddCert(c)
	}
	for _, c := range subs {
		if _, err := c.Verify(x509.VerifyOptions{Roots: p.roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			return nil, fmt.Errorf("pnc: sub-CA %q does not chain to a V2G root: %w", c.Subject.CommonName, err)
		}
	}
	return p, nil
}

func (p *OCSP) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *OCSP) client() *http.Client {
	if p.Client != nil {
		return p.Client
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// ocspHash maps OCPP's HashAlgorithmEnumType.
func ocspHash(name string) (crypto.Hash, bool) {
	switch strings.ToUpper(name) {
	case "SHA256":
		return crypto.SHA256, true
	case "SHA384":
		return crypto.SHA384, true
	case "SHA512":
		return crypto.SHA512, true
	}
	return 0, false
}

// issuerKeyBytes is the subject public key bit string OCSP hashes.
func issuerKeyBytes(c *x509.Certificate) []byte {
	var spki struct {
		Algorithm asn1.RawValue
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(c.RawSubjectPublicKeyInfo, &spki); err != nil {
		return nil
	}
	return spki.PublicKey.RightAlign()
}

// issuerOf finds the configured CA the hash data names.
func (p *OCSP) issuerOf(h crypto.Hash, nameHash, keyHash []byte) *x509.Certificate {
	for _, c := range p.cas {
		n := h.New()
		n.Write(c.RawSubject)
		k := h.New()
		k.Write(issuerKeyBytes(c))
		if bytes.Equal(n.Sum(nil), nameHash) && bytes.Equal(k.Sum(nil), keyHash) {
			return c
		}
	}
	return nil
}

// errNoIssuer: the hash data names an issuer that is not a configured CA.
var errNoIssuer = errors.New("pnc: the certificate's issuer is not a known V2G CA")

// cachedOCSP is a verified response kept until until.
type cachedOCSP struct {
	r     *ocsp.Response
	der   []byte
	until time.Time
}

// maxCachedOCSP bounds the cache; past it the cache starts over.
const maxCachedOCSP = 10000

// query is fetch through the cache (CacheFor).
func (p *OCSP) query(ctx context.Context, responder string, h crypto.Hash, issuer *x509.Certificate, serial *big.Int) (*ocsp.Response, []byte, error) {
	if p.CacheFor <= 0 {
		return p.fetch(ctx, responder, h, issuer, serial)
	}
	sum := sha256.Sum256(issuer.Raw)
	key := hex.EncodeToString(sum[:]) + "/" + serial.String()
	now := p.now()
	p.mu.Lock()
	c, ok := p.cache[key]
	p.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.r, c.der, nil
	}
	r, der, err := p.fetch(ctx, responder, h, issuer, serial)
	if err != nil || r.NextUpdate.IsZero() {
		return r, der, err
	}
	until := now.Add(p.CacheFor)
	if r.NextUpdate.Before(until) {
		until = r.NextUpdate
	}
	p.mu.Lock()
	if p.cache == nil || len(p.cache) >= maxCachedOCSP {
		p.cache = map[string]cachedOCSP{}
	}
	p.cache[key] = cachedOCSP{r: r, der: der, until: until}
	p.mu.Unlock()
	return r, der, nil
}

// fetch is one OCSP exchange: the request for serial under issuer, sent to
// responder, and the verified response (its DER too).
func (p *OCSP) fetch(ctx context.Context, responder string, h crypto.Hash, issuer *x509.Certificate, serial *big.Int) (*ocsp.Response, []byte, error) {
	u, err := url.Parse(responder)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, nil, fmt.Errorf("pnc: OCSP responder URL %q", responder)
	}
	if len(p.ResponderHosts) > 0 && !slices.ContainsFunc(p.ResponderHosts, func(h string) bool { return strings.EqualFold(h, u.Host) || strings.EqualFold(h, u.Hostname()) }) {
		return nil, nil, fmt.Errorf("pnc: OCSP responder %s is not an allowed host: %w", u.Host, errNoIssuer)
	}
	n := h.New()
	n.Write(issuer.RawSubject)
	k := h.New()
	k.Write(issuerKeyBytes(issuer))
	reqDER, err := (&ocsp.Request{HashAlgorithm: h, IssuerNameHash: n.Sum(nil), IssuerKeyHash: k.Sum(nil), SerialNumber: serial}).Marshal()
	if err != nil {
		return nil, nil, fmt.Errorf("pnc: OCSP request: %w", err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(reqDER))
	if err != nil {
		return nil, nil, fmt.Errorf("pnc: OCSP request: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/ocsp-request")
	hreq.Header.Set("Accept", "application/ocsp-response")
	res, err := p.client().Do(hreq)
	if err != nil {
		return nil, nil, fmt.Errorf("pnc: OCSP responder %s: %w", u.Host, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("pnc: OCSP responder %s: HTTP %d", u.Host, res.StatusCode)
	}
	der, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("pnc: OCSP responder %s: %w", u.Host, err)
	}
	r, err := p.verify(der, issuer, serial)
	if err != nil {
		return nil, nil, fmt.Errorf("pnc: OCSP responder %s: %w", u.Host, err)
	}
	return r, der, nil
}

// verify parses a response and checks it answers for serial, is signed by
// issuer or by a responder certificate issued by it for OCSP signing, and
// is current.
func (p *OCSP) verify(der []byte, issuer *x509.Certificate, serial *big.Int) (*ocsp.Response, error) {
	r, err := ocsp.ParseResponseForCert(der, &x509.Certificate{SerialNumber: serial}, issuer)
	if err != nil {
		return nil, err
	}
	now := p.now()
	if d := r.Certificate; d != nil && !d.Equal(issuer) {
		// A delegated responder (RFC 6960 §4.2.2.2): issued by the CA
		// itself (checked by the parser), for OCSP signing, and live.
		ok := false
		for _, u := range d.ExtKeyUsage {
			ok = ok || u == x509.ExtKeyUsageOCSPSigning
		}
		if !ok || now.After(d.NotAfter) || now.Before(d.NotBefore) {
			return nil, errors.New("the responder certificate is not a live OCSP signer of the issuer")
		}
	}
	const skew = 5 * time.Minute
	if r.ThisUpdate.After(now.Add(skew)) || (!r.NextUpdate.IsZero() && r.NextUpdate.Before(now.Add(-skew))) {
		return nil, errors.New("the response is not current")
	}
	return r, nil
}

// CheckContract implements volt.ContractProvider.
func (p *OCSP) CheckContract(ctx context.Context, c volt.ContractCheck) (volt.ContractCertificateStatus, error) {
	switch {
	case c.Certificate != "":
		return p.checkChain(ctx, c)
	case len(c.HashData) > 0:
		for _, h := range c.HashData {
			st, _, err := p.status(ctx, h)
			if err != nil {
				if errors.Is(err, errNoIssuer) {
					return volt.ContractCertChainError, nil
				}
				return "", err
			}
			if s := judgeOCSP(st); s != volt.ContractAccepted {
				return s, nil
			}
		}
		return volt.ContractAccepted, nil
	}
	return volt.ContractNoCertificate, nil
}

func judgeOCSP(st int) volt.ContractCertificateStatus {
	switch st {
	case ocsp.Good:
		return volt.ContractAccepted
	case ocsp.Revoked:
		return volt.ContractRevoked
	}
	return volt.ContractCertChainError
}

func (p *OCSP) checkChain(ctx context.Context, c volt.ContractCheck) (volt.ContractCertificateStatus, error) {
	chain, err := pki.ParseCertificates([]byte(c.Certificate))
	if err != nil || len(chain) == 0 {
		return volt.ContractCertChainError, nil
	}
	now := p.now()
	for _, x := range chain {
		if now.After(x.NotAfter) || now.Before(x.NotBefore) {
			return volt.ContractExpired, nil
		}
	}
	inter := x509.NewCertPool()
	for _, x := range chain[1:] {
		inter.AddCert(x)
	}
	verified, err := chain[0].Verify(x509.VerifyOptions{Roots: p.roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return volt.ContractCertChainError, nil
	}
	leaf, _ := volt.NormalizeEMAID(chain[0].Subject.CommonName)
	want, _ := volt.NormalizeEMAID(c.EMAID)
	if leaf == "" || leaf != want {
		return volt.ContractCertChainError, nil
	}
	v := verified[0]
	for i := 0; i+1 < len(v); i++ {
		if len(v[i].OCSPServer) == 0 {
			continue // no responder named: the chain's verification stands
		}
		r, _, err := p.query(ctx, v[i].OCSPServer[0], crypto.SHA256, v[i+1], v[i].SerialNumber)
		if err != nil {
			return "", err
		}
		if s := judgeOCSP(r.Status); s != volt.ContractAccepted {
			return s, nil
		}
	}
	return volt.ContractAccepted, nil
}

// status asks the responder of h about the certificate it names.
func (p *OCSP) status(ctx context.Context, h volt.ContractHashData) (int, []byte, error) {
	r, der, err := p.response(ctx, h)
	if err != nil {
		return 0, nil, err
	}
	return r.Status, der, nil
}

// response is status's verified OCSP response, whole (its nextUpdate too).
func (p *OCSP) response(ctx context.Context, h volt.ContractHashData) (*ocsp.Response, []byte, error) {
	alg, ok := ocspHash(h.HashAlgorithm)
	if !ok {
		return nil, nil, fmt.Errorf("pnc: hash algorithm %q: %w", h.HashAlgorithm, errNoIssuer)
	}
	nameHash, err1 := hex.DecodeString(h.IssuerNameHash)
	keyHash, err2 := hex.DecodeString(h.IssuerKeyHash)
	serial, ok := new(big.Int).SetString(strings.TrimSpace(h.SerialNumber), 16)
	if err1 != nil || err2 != nil || !ok {
		return nil, nil, fmt.Errorf("pnc: malformed hash data: %w", errNoIssuer)
	}
	issuer := p.issuerOf(alg, nameHash, keyHash)
	if issuer == nil {
		return nil, nil, errNoIssuer
	}
	return p.query(ctx, h.ResponderURL, alg, issuer, serial)
}

// Get15118EVCertificate implements volt.ContractProvider through Pool.
func (p *OCSP) Get15118EVCertificate(ctx context.Context, schemaVersion, action, exiRequest string) (string, string, error) {
	if p.Pool == nil {
		return "Failed", "", nil
	}
	return p.Pool.Get15118EVCertificate(ctx, schemaVersion, action, exiRequest)
}

// CertificateStatus implements volt.ContractProvider: the responder's
// verified DER response, base64, Accepted whatever status it carries;
// Failed when no verified response could be had.
func (p *OCSP) CertificateStatus(ctx context.Context, h volt.ContractHashData) (string, string, error) {
	_, der, err := p.status(ctx, h)
	if err != nil {
		if errors.Is(err, errNoIssuer) {
			return "Failed", "", nil
		}
		return "", "", err
	}
	return "Accepted", base64.StdEncoding.EncodeToString(der), nil
}
