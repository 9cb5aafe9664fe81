package pnctest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt/pki/pkitest"
	"golang.org/x/crypto/ocsp"
)

// Responder is an OCSP responder (RFC 6960) for a test PKI, over HTTP: it
// signs real responses for the certificates the PKI issued, with the key
// of their issuer (the root for the sub-CA, the sub-CA for contracts) or,
// when Delegate is set, with a delegated responder certificate the sub-CA
// issued. Certificates it was not told about are unknown.
type Responder struct {
	// URL is the responder's address (POST, or GET with the request in
	// the path, RFC 6960 Appendix A).
	URL string

	p         *PKI
	delCert   *x509.Certificate
	delKey    *ecdsa.PrivateKey
	forgedKey *ecdsa.PrivateKey

	mu                    sync.Mutex
	status                map[string]int // serial (decimal) → ocsp.Good/Revoked
	down, forge, delegate bool
	requests              int
}

// StartOCSP starts p's responder; contracts issued after it name it in
// their AIA extension. The sub-CA is good.
func (p *PKI) StartOCSP(t testing.TB) *Responder {
	t.Helper()
	r := &Responder{p: p, status: map[string]int{}, delKey: pkitest.ECKey(t), forgedKey: pkitest.ECKey(t)}
	r.delCert = sign(t, &x509.Certificate{Subject: pkix.Name{CommonName: "MO OCSP responder (test)"}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}}, p.SubCA, p.subCAKey, r.delKey, time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	p.ocsp = r
	r.Set(p.SubCA, ocsp.Good)
	return r
}

// Set makes the responder answer status (ocsp.Good, ocsp.Revoked) for c;
// ocsp.Unknown forgets it.
func (r *Responder) Set(c *x509.Certificate, status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if status == ocsp.Unknown {
		delete(r.status, c.SerialNumber.String())
		return
	}
	r.status[c.SerialNumber.String()] = status
}

// SetDown makes the responder answer 503 to everything.
func (r *Responder) SetDown(down bool) { r.mu.Lock(); r.down = down; r.mu.Unlock() }

// SetForge makes the responder sign with a key no CA vouches for.
func (r *Responder) SetForge(forge bool) { r.mu.Lock(); r.forge = forge; r.mu.Unlock() }

// SetDelegate makes the responder sign contract answers with its delegated
// responder certificate (embedded in the response).
func (r *Responder) SetDelegate(d bool) { r.mu.Lock(); r.delegate = d; r.mu.Unlock() }

// Requests is how many requests the responder answered.
func (r *Responder) Requests() int { r.mu.Lock(); defer r.mu.Unlock(); return r.requests }

func (r *Responder) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	down, forge, delegate := r.down, r.forge, r.delegate
	r.requests++
	r.mu.Unlock()
	if down {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	var der []byte
	switch req.Method {
	case http.MethodPost:
		der, _ = io.ReadAll(io.LimitReader(req.Body, 1<<16))
	case http.MethodGet:
		der, _ = base64.StdEncoding.DecodeString(strings.TrimPrefix(req.URL.Path, "/"))
	}
	q, err := ocsp.ParseRequest(der)
	if err != nil {
		w.Write(ocsp.MalformedRequestErrorResponse)
		return
	}
	var (
		issuer *x509.Certificate
		key    crypto.Signer
	)
	for _, ca := range []struct {
		c *x509.Certificate
		k *ecdsa.PrivateKey
	}{{r.p.Root, r.p.rootKey}, {r.p.SubCA, r.p.subCAKey}} {
		h := q.HashAlgorithm.New()
		h.Write(ca.c.RawSubject)
		if bytes.Equal(h.Sum(nil), q.IssuerNameHash) {
			issuer, key = ca.c, ca.k
		}
	}
	if issuer == nil {
		w.Write(ocsp.UnauthorizedErrorResponse)
		return
	}
	r.mu.Lock()
	st, ok := r.status[q.SerialNumber.String()]
	r.mu.Unlock()
	if !ok {
		st = ocsp.Unknown
	}
	now := time.Now()
	tmpl := ocsp.Response{Status: st, SerialNumber: new(big.Int).Set(q.SerialNumber), IssuerHash: q.HashAlgorithm,
		ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour)}
	if st == ocsp.Revoked {
		tmpl.RevokedAt, tmpl.RevocationReason = now.Add(-time.Hour), ocsp.KeyCompromise
	}
	responder := issuer
	switch {
	case forge:
		key = r.forgedKey
	case delegate && issuer == r.p.SubCA:
		responder, key, tmpl.Certificate = r.delCert, r.delKey, r.delCert
	}
	out, err := ocsp.CreateResponse(issuer, responder, tmpl, key)
	if err != nil {
		w.Write(ocsp.InternalErrorErrorResponse)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	w.Write(out)
}
