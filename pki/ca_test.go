package pki_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt/pki"
	"github.com/volt-ev/volt/pki/pkitest"
)

func newCA(t *testing.T) *pki.CA {
	t.Helper()
	ca, err := pki.NewCA("Volt test CSMS CA", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func TestSignChargerIssuesClientCertificateForIdentity(t *testing.T) {
	ca := newCA(t)
	key := pkitest.ECKey(t)
	iss, err := ca.SignCharger(context.Background(), "CP-1", pkitest.CSR(t, key, "CP-1"))
	if err != nil {
		t.Fatal(err)
	}
	chain, err := pki.ParseCertificates([]byte(iss.ChainPEM))
	if err != nil {
		t.Fatal(err)
	}
	if len(chain) != 2 || !chain[1].Equal(ca.Certificate()) {
		t.Fatalf("chain holds %d certificates, want leaf and CA", len(chain))
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Certificate())
	if err := pki.VerifyClientChain(chain[:1], roots, time.Now(), nil); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if err := pki.CheckIdentity(chain[0], "CP-1"); err != nil {
		t.Fatal(err)
	}
	if err := pki.CheckIdentity(chain[0], "CP-2"); pki.ClientReason(err) != pki.ReasonCNMismatch {
		t.Fatalf("CN mismatch: %v", err)
	}
	if pki.SerialHex(chain[0].SerialNumber) != iss.Serial {
		t.Fatalf("serial %s, issued %s", pki.SerialHex(chain[0].SerialNumber), iss.Serial)
	}
	revoked := func(s string) bool { return s == iss.Serial }
	if err := pki.VerifyClientChain(chain[:1], roots, time.Now(), revoked); pki.ClientReason(err) != pki.ReasonRevoked {
		t.Fatalf("revoked: %v", err)
	}
	if err := pki.VerifyClientChain(chain[:1], roots, iss.NotAfter.Add(time.Minute), nil); pki.ClientReason(err) != pki.ReasonExpired {
		t.Fatalf("expired: %v", err)
	}
	other := x509.NewCertPool()
	other.AddCert(pkitest.NewRoot(t, "other").Cert)
	if err := pki.VerifyClientChain(chain[:1], other, time.Now(), nil); pki.ClientReason(err) != pki.ReasonUnknownCA {
		t.Fatalf("unknown CA: %v", err)
	}
}

func TestLoadCARoundTrip(t *testing.T) {
	ca := newCA(t)
	c, k, err := ca.PEM()
	if err != nil {
		t.Fatal(err)
	}
	back, err := pki.LoadCA(c, k)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := back.SignCharger(context.Background(), "CP-9", pkitest.CSR(t, pkitest.ECKey(t), "CP-9")); err != nil {
		t.Fatal(err)
	}
}

func TestSignChargerRefusesBadCSR(t *testing.T) {
	ca := newCA(t)
	ec := pkitest.ECKey(t)
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	good := pkitest.CSR(t, ec, "CP-1")
	tampered := []byte(strings.Replace(string(good), string(good[80:84]), "AAAA", 1))
	cases := []struct {
		name, want string
		csr        []byte
	}{
		{"empty", "empty", nil},
		{"not PEM", "no PEM block", []byte("hello")},
		{"other identity", "not the charger identity", pkitest.CSR(t, ec, "CP-2")},
		{"weak RSA", "RSA key of 1024 bits", pkitest.CSR(t, pkitest.RSAKey(t, 1024), "CP-1")},
		{"P-224", "curve", pkitest.CSR(t, p224, "CP-1")},
		{"tampered", "", tampered},
		{"SAN", "alternative names", pkitest.CSRFrom(t, ec, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "CP-1"}, DNSNames: []string{"evil.example"}})},
		{"IP SAN", "alternative names", pkitest.CSRFrom(t, ec, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "CP-1"}, IPAddresses: []net.IP{net.IPv4(1, 2, 3, 4)}})},
		{"two CNs", "exactly one CN", pkitest.CSRFrom(t, ec, &x509.CertificateRequest{Subject: pkix.Name{ExtraNames: []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "CP-1"}, {Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "CP-2"}}}})},
		{"unknown attribute", "subject attribute", pkitest.CSRFrom(t, ec, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "CP-1", Locality: []string{"Leeds"}}})},
		{"unknown extension", "extension", pkitest.CSRFrom(t, ec, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "CP-1"}, ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 4}, Value: []byte{5, 0}}}})},
		{"two blocks", "more than one", append(append([]byte{}, good...), good...)},
		{"too long", "longer than", []byte(strings.Repeat("A", pki.MaxCSRLen+1))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			iss, err := ca.SignCharger(context.Background(), "CP-1", tc.csr)
			if err == nil || iss != nil {
				t.Fatalf("signed: %+v", iss)
			}
			if !pki.IsCSRError(err) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want a CSRError with %q", err, tc.want)
			}
		})
	}
}

func TestHashOfRoot(t *testing.T) {
	ca := newCA(t)
	h, err := pki.HashOf(ca.Certificate(), ca.Certificate())
	if err != nil {
		t.Fatal(err)
	}
	if h.HashAlgorithm != "SHA256" || len(h.IssuerNameHash) != 64 || len(h.IssuerKeyHash) != 64 || h.SerialNumber == "" {
		t.Fatalf("hash data %+v", h)
	}
}

func FuzzParseCSR(f *testing.F) {
	f.Add(pkitest.CSR(f, pkitest.ECKey(f), "CP-1"))
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := pki.ParseCSR(b, "CP-1")
		if err == nil && req.Subject.CommonName != "CP-1" {
			t.Fatalf("accepted CN %q", req.Subject.CommonName)
		}
		if err != nil && !pki.IsCSRError(err) {
			t.Fatalf("error not a CSRError: %v", err)
		}
	})
}

func FuzzParseCertificates(f *testing.F) {
	ca, _ := pki.NewCA("fuzz", time.Now())
	c, _, _ := ca.PEM()
	f.Add(c)
	f.Add(append(append([]byte{}, c...), c...))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		certs, err := pki.ParseCertificates(b)
		if err == nil && len(certs) == 0 {
			t.Fatal("no error and no certificate")
		}
		for _, cert := range certs {
			_, _ = pki.HashOf(cert, cert)
		}
	})
}

// An expired CSMS CA signs nothing: the certificate would have expired
// before the charger installed it (its validity is cut at the CA's).
func TestExpiredCASignsNothing(t *testing.T) {
	ca := newCA(t)
	ca.Now = func() time.Time { return ca.Certificate().NotAfter.Add(time.Hour) }
	key := pkitest.ECKey(t)
	if iss, err := ca.SignCharger(context.Background(), "CP-1", pkitest.CSR(t, key, "CP-1")); err == nil {
		t.Fatalf("an expired CA signed serial %s valid until %s", iss.Serial, iss.NotAfter)
	}
	ca.Now = nil
	if _, err := ca.SignCharger(context.Background(), "CP-1", pkitest.CSR(t, key, "CP-1")); err != nil {
		t.Fatalf("a current CA refused: %v", err)
	}
}
