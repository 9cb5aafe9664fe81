// Package pkitest makes keys, CSRs and certificates for tests of the TLS
// listener and the CSMS CA: server certificates (RSA and ECDSA), client
// certificates that are good, expired, from another CA or for another
// identity. It is for tests only.
package pkitest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"testing"
	"time"
)

// Root is a test CA that signs anything it is asked to.
type Root struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewRoot makes a self-signed ECDSA P-256 CA.
func NewRoot(t testing.TB, name string) *Root {
	t.Helper()
	key := ECKey(t)
	tmpl := &x509.Certificate{SerialNumber: serial(t), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(5, 0, 0),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &Root{Cert: c, Key: key}
}

// ECKey makes a P-256 key.
func ECKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// RSAKey makes an RSA key of bits.
func RSAKey(t testing.TB, bits int) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func serial(t testing.TB) *big.Int {
	n, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	return n.Add(n, big.NewInt(1))
}

// Sign signs a certificate for key: a server certificate for 127.0.0.1 and
// localhost when server is true, else a client certificate with subject CN
// cn, valid from notBefore to notAfter.
func (r *Root) Sign(t testing.TB, key crypto.Signer, cn string, server bool, notBefore, notAfter time.Time) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: serial(t), Subject: pkix.Name{CommonName: cn},
		NotBefore: notBefore, NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature}
	if _, ok := key.(*rsa.PrivateKey); ok {
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.DNSNames = []string{"localhost"}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, r.Cert, key.Public(), r.Key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

// Client returns a valid client certificate for cn as a tls.Certificate.
func (r *Root) Client(t testing.TB, cn string) tls.Certificate {
	t.Helper()
	k := ECKey(t)
	c := r.Sign(t, k, cn, false, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
	return tls.Certificate{Certificate: [][]byte{c.Raw}, PrivateKey: k, Leaf: c}
}

// Server returns a server certificate for key as a tls.Certificate.
func (r *Root) Server(t testing.TB, key crypto.Signer) tls.Certificate {
	t.Helper()
	c := r.Sign(t, key, "volt test server", true, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
	return tls.Certificate{Certificate: [][]byte{c.Raw}, PrivateKey: key, Leaf: c}
}

// PEM encodes a certificate.
func PEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// KeyPEM encodes a key as PKCS#8.
func KeyPEM(t testing.TB, k crypto.Signer) []byte {
	t.Helper()
	d, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: d})
}

// CSR makes a PEM CSR for key with subject CN cn, as a charger does.
func CSR(t testing.TB, key crypto.Signer, cn string) []byte {
	t.Helper()
	return CSRFrom(t, key, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn, Organization: []string{"Volt test"}}})
}

// CSRFrom makes a PEM CSR from a template.
func CSRFrom(t testing.TB, key crypto.Signer, tmpl *x509.CertificateRequest) []byte {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

// SubCA issues an intermediate CA named name under r and returns it as a
// Root that can sign in turn.
func (r *Root) SubCA(t testing.TB, name string) *Root {
	t.Helper()
	key := ECKey(t)
	tmpl := &x509.Certificate{SerialNumber: serial(t), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(4, 0, 0),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, r.Cert, key.Public(), r.Key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &Root{Cert: c, Key: key}
}
