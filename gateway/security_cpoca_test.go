package gateway

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/pki"
	"github.com/volt-ev/volt/pki/pkitest"
)

// fakeCPOCAs holds the CAs of the CPOs that have their own.
type fakeCPOCAs map[string]*pki.CA

func (f fakeCPOCAs) AuthorityFor(_ context.Context, cpoID string) (pki.Authority, error) {
	if ca := f[cpoID]; ca != nil {
		return ca, nil
	}
	return nil, nil
}

func (f fakeCPOCAs) CPORoots(context.Context) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, ca := range f {
		out = append(out, ca.Roots()...)
	}
	return out, nil
}

// TestCPOCertificateAuthority: a charger of a CPO with its own CA gets its
// CSR signed by that CA (not the platform's), connects on profile 3 with
// it, and is refused with a certificate from another CPO's CA; a charger of
// a CPO without one is refused with a CPO CA's certificate and accepted
// with the platform's.
func TestCPOCertificateAuthority(t *testing.T) {
	caA, err := pki.NewCA("CPO A CA", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	caB, err := pki.NewCA("CPO B CA", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	h := newTLSHarness(t, func(c *Config) { c.CPOAuthorities = fakeCPOCAs{"cpo-1": caA, "cpo-2": caB} })
	h.fake.mu.Lock()
	h.sec.cpoOf = map[string]string{"CP-2": "cpo-3"} // a CPO without its own CA
	h.fake.mu.Unlock()

	// CP-1 (CPO A) asks for a certificate over profile 2.
	ws, _, err := h.dialTLS(h.clientT, "CP-1", "secret-1")
	if err != nil {
		t.Fatal(err)
	}
	c := &charger{t: t, ws: ws}
	key := pkitest.ECKey(t)
	var ans struct{ Status string }
	c.callOK("SignCertificate", map[string]any{"csr": string(pkitest.CSR(t, key, "CP-1"))}, &ans)
	if ans.Status != "Accepted" {
		t.Fatalf("CSR: %s", ans.Status)
	}
	f := c.read()
	var signed struct{ CertificateChain string }
	if f.typ() != 2 || f.str(2) != "CertificateSigned" || json.Unmarshal(f[3], &signed) != nil {
		t.Fatalf("want CertificateSigned, got %s", f)
	}
	c.sendRaw(`[3,` + string(f[1]) + `,{"status":"Accepted"}]`)
	chain, err := pki.ParseCertificates([]byte(signed.CertificateChain))
	if err != nil {
		t.Fatal(err)
	}
	if chain[0].CheckSignatureFrom(caA.Certificate()) != nil || chain[0].CheckSignatureFrom(h.ca.Certificate()) == nil {
		t.Fatalf("CP-1's certificate was issued by %q, want CPO A's CA", chain[0].Issuer.CommonName)
	}
	ws.Close()
	waitFor(t, "CP-1 to disconnect", func() bool { return h.g.Stats().Connections == 0 })

	rootA, rootB := caRoot(t, caA), caRoot(t, caB)
	cases := []struct {
		name, identity string
		cert           tls.Certificate
		ok             bool
	}{
		{"CPO A charger, the certificate CPO A's CA signed", "CP-1", tls.Certificate{Certificate: [][]byte{chain[0].Raw}, PrivateKey: key, Leaf: chain[0]}, true},
		{"CPO A charger, CPO B's CA", "CP-1", rootB.Client(t, "CP-1"), false},
		{"CPO A charger, the platform CA", "CP-1", h.signedClient(t, "CP-1"), true},
		{"charger of a CPO without a CA, CPO A's CA", "CP-2", rootA.Client(t, "CP-2"), false},
		{"charger of a CPO without a CA, the platform CA", "CP-2", h.signedClient(t, "CP-2"), true},
	}
	for _, tc := range cases {
		before := len(h.sec.eventTypes())
		cfg := h.clientT.Clone()
		cfg.Certificates = []tls.Certificate{tc.cert}
		ws, resp, err := h.dialTLS(cfg, tc.identity, "")
		if tc.ok {
			if err != nil {
				t.Fatalf("%s: %v %v", tc.name, err, resp)
			}
			ws.Close()
			waitFor(t, "the charger to disconnect", func() bool { return h.g.Stats().Connections == 0 })
			continue
		}
		if err == nil {
			ws.Close()
			t.Fatalf("%s: connected", tc.name)
		}
		if resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("%s: %v %v, want 403", tc.name, err, resp)
		}
		waitFor(t, "a security event", func() bool { return len(h.sec.eventTypes()) > before })
		if got := h.sec.eventTypes()[before]; got != volt.SecurityEventClientCertRefused {
			t.Fatalf("%s: event %s", tc.name, got)
		}
	}
}

// caRoot is ca as a test signer.
func caRoot(t *testing.T, ca *pki.CA) *pkitest.Root {
	t.Helper()
	c, k, err := ca.PEM()
	if err != nil {
		t.Fatal(err)
	}
	return rootFromPEM(t, c, k)
}
