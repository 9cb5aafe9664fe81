// Package pnctest generates a V2G PKI for Plug & Charge tests: a V2G root,
// a contract sub-CA and contract certificates whose subject CN is the
// eMAID, as an eMSP issues them (ISO 15118-2 Annex F, simplified to one
// sub-CA). For tests only.
package pnctest

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/volt-ev/volt/pki/pkitest"
	"golang.org/x/crypto/ocsp"
)

// PKI is a V2G root and a contract sub-CA.
type PKI struct {
	Root, SubCA       *x509.Certificate
	rootKey, subCAKey *ecdsa.PrivateKey
	ocsp              *Responder
}

// Contract is a contract certificate and its chain.
type Contract struct {
	EMAID string
	Leaf  *x509.Certificate
	Key   *ecdsa.PrivateKey
	// Chain is leaf, sub-CA, root.
	Chain []*x509.Certificate
}

// New makes a V2G root and a contract sub-CA.
func New(t testing.TB) *PKI {
	t.Helper()
	p := &PKI{rootKey: pkitest.ECKey(t), subCAKey: pkitest.ECKey(t)}
	p.Root = sign(t, &x509.Certificate{Subject: pkix.Name{CommonName: "V2G Root CA (test)"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}, nil, p.rootKey, p.rootKey, time.Now().AddDate(-1, 0, 0), time.Now().AddDate(10, 0, 0))
	p.SubCA = sign(t, &x509.Certificate{Subject: pkix.Name{CommonName: "MO Sub-CA (test)"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}, p.Root, p.rootKey, p.subCAKey, time.Now().AddDate(-1, 0, 0), time.Now().AddDate(5, 0, 0))
	return p
}

// Contract issues a contract certificate for emaid valid from notBefore to
// notAfter.
func (p *PKI) Contract(t testing.TB, emaid string, notBefore, notAfter time.Time) *Contract {
	t.Helper()
	k := pkitest.ECKey(t)
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: emaid}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyAgreement,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if p.ocsp != nil {
		tmpl.OCSPServer = []string{p.ocsp.URL}
	}
	leaf := sign(t, tmpl, p.SubCA, p.subCAKey, k, notBefore, notAfter)
	if p.ocsp != nil {
		p.ocsp.Set(leaf, ocsp.Good)
	}
	return &Contract{EMAID: emaid, Leaf: leaf, Key: k, Chain: []*x509.Certificate{leaf, p.SubCA, p.Root}}
}

// PEM returns the chain without the root, leaf first, as a vehicle sends it.
func (c *Contract) PEM() string {
	var out []byte
	for _, cert := range c.Chain[:2] {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})...)
	}
	return string(out)
}

func sign(t testing.TB, tmpl, parent *x509.Certificate, parentKey, key *ecdsa.PrivateKey, nb, na time.Time) *x509.Certificate {
	t.Helper()
	n, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl.SerialNumber, tmpl.NotBefore, tmpl.NotAfter = n.Add(n, big.NewInt(1)), nb, na
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// OEM is a vehicle maker's provisioning PKI: a root and the provisioning
// certificates it puts in vehicles (their CN is the PCID).
type OEM struct {
	Root    *x509.Certificate
	rootKey *ecdsa.PrivateKey
}

// NewOEM makes an OEM provisioning root.
func NewOEM(t testing.TB) *OEM {
	t.Helper()
	o := &OEM{rootKey: pkitest.ECKey(t)}
	o.Root = sign(t, &x509.Certificate{Subject: pkix.Name{CommonName: "OEM Root CA (test)"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}, nil, o.rootKey, o.rootKey, time.Now().AddDate(-1, 0, 0), time.Now().AddDate(10, 0, 0))
	return o
}

// Provisioning issues a vehicle's OEM provisioning certificate for pcid and
// returns it with its key.
func (o *OEM) Provisioning(t testing.TB, pcid string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	k := pkitest.ECKey(t)
	c := sign(t, &x509.Certificate{Subject: pkix.Name{CommonName: pcid}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyAgreement},
		o.Root, o.rootKey, k, time.Now().Add(-time.Hour), time.Now().AddDate(5, 0, 0))
	return c, k
}
