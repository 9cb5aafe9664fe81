package pki_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
	"time"

	"github.com/volt-ev/volt/pki"
	"github.com/volt-ev/volt/pki/pkitest"
)

// v2gCA is a V2G root → CPO Sub-CA 1 → CPO Sub-CA 2, loaded as Volt's V2G CA.
func v2gCA(t *testing.T) (*pki.V2GCA, *pkitest.Root) {
	t.Helper()
	root := pkitest.NewRoot(t, "V2G Root (test)")
	sub1 := root.SubCA(t, "CPO Sub-CA 1 (test)")
	sub2 := sub1.SubCA(t, "CPO Sub-CA 2 (test)")
	chain := append(append(pkitest.PEM(sub2.Cert), pkitest.PEM(sub1.Cert)...), pkitest.PEM(root.Cert)...)
	ca, err := pki.LoadV2GCA(chain, pkitest.KeyPEM(t, sub2.Key))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pki.LoadV2GCA(chain, pkitest.KeyPEM(t, sub1.Key)); err == nil {
		t.Fatal("a key that is not the sub-CA's was loaded")
	}
	if _, err := pki.LoadV2GCA(append(pkitest.PEM(sub2.Cert), pkitest.PEM(root.Cert)...), pkitest.KeyPEM(t, sub2.Key)); err == nil {
		t.Fatal("a broken chain was loaded")
	}
	return ca, root
}

// TestSignV2GCertificate: an SECC certificate is signed by the V2G CPO
// sub-CA (not the CSMS CA), verifies up to the V2G root, comes without the
// root, and the CSR checks apply with the V2G key rules.
func TestSignV2GCertificate(t *testing.T) {
	ca, root := v2gCA(t)
	ctx := context.Background()
	iss, err := ca.SignV2G(ctx, "CP-1", pkitest.CSR(t, pkitest.ECKey(t), "CP-1"))
	if err != nil {
		t.Fatal(err)
	}
	chain, err := pki.ParseCertificates([]byte(iss.ChainPEM))
	if err != nil || len(chain) != 3 {
		t.Fatalf("chain of %d certificates (%v), want leaf and two sub-CAs", len(chain), err)
	}
	if !chain[1].Equal(ca.Certificate()) || chain[0].Subject.CommonName != "CP-1" || pki.SerialHex(chain[0].SerialNumber) != iss.Serial {
		t.Fatalf("leaf %q issued by %q", chain[0].Subject.CommonName, chain[0].Issuer.CommonName)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(root.Cert)
	inter.AddCert(chain[1])
	inter.AddCert(chain[2])
	if _, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Fatalf("the SECC certificate does not chain to the V2G root: %v", err)
	}
	if chain[0].KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageKeyAgreement || chain[0].IsCA {
		t.Fatalf("key usage %v", chain[0].KeyUsage)
	}
	if d := chain[0].NotAfter.Sub(time.Now()); d > 91*24*time.Hour {
		t.Fatalf("valid for %v, want 90 days", d)
	}
	for name, csr := range map[string][]byte{
		"CN not the identity": pkitest.CSR(t, pkitest.ECKey(t), "CP-2"),
		"RSA key":             pkitest.CSR(t, pkitest.RSAKey(t, 2048), "CP-1"),
		"P-384 key":           pkitest.CSRFrom(t, p384(t), &x509.CertificateRequest{Subject: pkix.Name{CommonName: "CP-1"}}),
		"garbage":             []byte("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"),
		"SHA-384 signature":   pkitest.CSRFrom(t, pkitest.ECKey(t), &x509.CertificateRequest{Subject: pkix.Name{CommonName: "CP-1"}, SignatureAlgorithm: x509.ECDSAWithSHA384}),
	} {
		if iss, err := ca.SignV2G(ctx, "CP-1", csr); !pki.IsCSRError(err) || iss != nil {
			t.Errorf("%s: %v, want a refused CSR", name, err)
		}
	}
}

func p384(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
