package main

import (
	"context"
	"encoding/pem"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/pki"
	"github.com/volt-ev/volt/pki/pkitest"
	"github.com/volt-ev/volt/pnc/pnctest"
	"golang.org/x/crypto/ocsp"
)

// TestContractProviderChecksOCSP (issue 18): VOLT_PNC_V2G_ROOTS_FILE with
// a V2G root and a sub-CA gives an OCSP-backed provider, so a hash-only
// Plug & Charge Authorize for a contract this node was never told about is
// judged by the responder; VOLT_PNC_OCSP_HOSTS keeps other responders out.
func TestContractProviderChecksOCSP(t *testing.T) {
	v2g := pnctest.New(t)
	resp := v2g.StartOCSP(t)
	good := v2g.Contract(t, "GBVOLC123456789", time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
	revoked := v2g.Contract(t, "GBVOLC000000002", time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0))
	resp.Set(revoked.Leaf, ocsp.Revoked)
	file := filepath.Join(t.TempDir(), "v2g.pem")
	var b []byte
	for _, c := range []*pnctest.Contract{good} {
		for _, x := range c.Chain[1:] {
			b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: x.Raw})...)
		}
	}
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	hashes := func(c *pnctest.Contract) []volt.ContractHashData {
		var out []volt.ContractHashData
		for i := range 2 {
			h, err := pki.HashOf(c.Chain[i], c.Chain[i+1])
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, volt.ContractHashData{HashAlgorithm: h.HashAlgorithm, IssuerNameHash: h.IssuerNameHash,
				IssuerKeyHash: h.IssuerKeyHash, SerialNumber: h.SerialNumber, ResponderURL: resp.URL})
		}
		return out
	}
	u, _ := url.Parse(resp.URL)
	for _, tc := range []struct {
		hosts string
		c     *pnctest.Contract
		want  volt.ContractCertificateStatus
	}{
		{"", good, volt.ContractAccepted},
		{"", revoked, volt.ContractRevoked},
		{u.Host, good, volt.ContractAccepted},
		{"ocsp.example.invalid", good, volt.ContractCertChainError},
	} {
		m := &Main{Config: Config{PnCRootsFile: file, PnCOCSPHosts: tc.hosts}}
		p, err := m.contractProvider()
		if err != nil || p == nil {
			t.Fatalf("provider: %v", err)
		}
		got, err := p.CheckContract(context.Background(), volt.ContractCheck{EMAID: tc.c.EMAID, HashData: hashes(tc.c)})
		if err != nil || got != tc.want {
			t.Errorf("hosts %q, %s: %s %v, want %s", tc.hosts, tc.c.EMAID, got, err, tc.want)
		}
	}
}

// TestV2GAuthorityFromFiles: VOLT_V2G_CA_CERT_FILE and _KEY_FILE load the
// V2G CPO sub-CA that signs SECC certificates; a key that is not the
// sub-CA's stops the start; unset, there is none.
func TestV2GAuthorityFromFiles(t *testing.T) {
	root := pkitest.NewRoot(t, "V2G Root (test)")
	sub := root.SubCA(t, "CPO Sub-CA (test)")
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	certFile := write("v2g.pem", append(pkitest.PEM(sub.Cert), pkitest.PEM(root.Cert)...))
	m := &Main{Config: Config{V2GCACertFile: certFile, V2GCAKeyFile: write("v2g.key", pkitest.KeyPEM(t, sub.Key))}}
	ca, err := m.v2gAuthority()
	if err != nil || ca == nil {
		t.Fatalf("load: %v", err)
	}
	if _, err := ca.SignV2G(context.Background(), "CP-1", pkitest.CSR(t, pkitest.ECKey(t), "CP-1")); err != nil {
		t.Fatal(err)
	}
	m.Config.V2GCAKeyFile = write("wrong.key", pkitest.KeyPEM(t, root.Key))
	if _, err := m.v2gAuthority(); err == nil {
		t.Fatal("a key that is not the sub-CA's was loaded")
	}
	if ca, err := (&Main{}).v2gAuthority(); ca != nil || err != nil {
		t.Fatalf("unset: %v %v", ca, err)
	}
}
