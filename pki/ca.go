package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// Issued is a certificate the authority signed for a charger.
type Issued struct {
	Identity string
	// Serial is the certificate's serial number in lower-case hex, the key
	// of its revocation.
	Serial    string
	NotBefore time.Time
	NotAfter  time.Time
	// ChainPEM is the leaf followed by every CA certificate up to and
	// including the root, as sent in CertificateSigned.
	ChainPEM string
}

// Authority signs charger certificates. The built-in CA implements it; an
// external CA (an HTTP service, an HSM) can replace it.
type Authority interface {
	// SignCharger checks csr (PEM) for the charger whose OCPP identity is
	// identity and signs it. A refused CSR is a *CSRError.
	SignCharger(ctx context.Context, identity string, csr []byte) (*Issued, error)
	// Roots returns the CA certificates a charger's client certificate must
	// chain to.
	Roots() []*x509.Certificate
}

// CA is the built-in certificate authority: one self-signed ECDSA P-256 root
// that signs charger client certificates directly.
type CA struct {
	cert *x509.Certificate
	key  crypto.Signer
	// Validity is the lifetime of a signed certificate. Default 365 days.
	Validity time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// NewCA generates a root valid for 20 years named commonName.
func NewCA(commonName string, now time.Time) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate CA key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName, Organization: []string{"Volt"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(20, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("self-sign CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse CA: %w", err)
	}
	return &CA{cert: cert, key: key}, nil
}

// LoadCA reads a CA from its certificate and PKCS#8 key in PEM.
func LoadCA(certPEM, keyPEM []byte) (*CA, error) {
	certs, err := ParseCertificates(certPEM)
	if err != nil {
		return nil, fmt.Errorf("CA certificate: %w", err)
	}
	if !certs[0].IsCA {
		return nil, errors.New("CA certificate: not a CA")
	}
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return nil, errors.New("CA key: no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		if ek, err2 := x509.ParseECPrivateKey(kb.Bytes); err2 == nil {
			k = ek
		} else {
			return nil, fmt.Errorf("CA key: %w", err)
		}
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("CA key: not a signing key")
	}
	return &CA{cert: certs[0], key: signer}, nil
}

// PEM returns the CA's certificate and PKCS#8 key in PEM.
func (ca *CA) PEM() (certPEM, keyPEM []byte, err error) {
	kd, err := x509.MarshalPKCS8PrivateKey(ca.key)
	if err != nil {
		return nil, nil, fmt.Errorf("marshal CA key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), nil
}

// Certificate returns the CA's root certificate.
func (ca *CA) Certificate() *x509.Certificate { return ca.cert }

// Roots implements Authority.
func (ca *CA) Roots() []*x509.Certificate { return []*x509.Certificate{ca.cert} }

func (ca *CA) now() time.Time {
	if ca.Now != nil {
		return ca.Now()
	}
	return time.Now()
}

// SignCharger implements Authority: ParseCSR's checks, then a client
// certificate with the CSR's subject, valid from now for Validity.
func (ca *CA) SignCharger(_ context.Context, identity string, csr []byte) (*Issued, error) {
	req, err := ParseCSR(csr, identity)
	if err != nil {
		return nil, err
	}
	der, tmpl, err := issue(req, ca.cert, ca.key, ca.now(), ca.Validity, 365*24*time.Hour, x509.ExtKeyUsageClientAuth)
	if err != nil {
		return nil, fmt.Errorf("sign certificate for %q: %w", identity, err)
	}
	var chain bytes.Buffer
	_ = pem.Encode(&chain, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	_ = pem.Encode(&chain, &pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw})
	return &Issued{Identity: identity, Serial: SerialHex(tmpl.SerialNumber), NotBefore: tmpl.NotBefore,
		NotAfter: tmpl.NotAfter, ChainPEM: chain.String()}, nil
}

// issue signs req's subject and key as issuer (key) for validity (def when
// 0) from now, cut at the issuer's own expiry, for digital signature and
// key agreement and the extended key usages given. An expired issuer signs
// nothing: its certificates would be dead on arrival.
func issue(req *x509.CertificateRequest, issuer *x509.Certificate, key crypto.Signer, now time.Time, validity, def time.Duration, ext ...x509.ExtKeyUsage) ([]byte, *x509.Certificate, error) {
	if validity <= 0 {
		validity = def
	}
	if now.After(issuer.NotAfter) {
		return nil, nil, errors.New("the issuing CA certificate has expired")
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, nil, err
	}
	notAfter := now.Add(validity)
	if notAfter.After(issuer.NotAfter) {
		notAfter = issuer.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      req.Subject,
		NotBefore:    now.Add(-5 * time.Minute),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyAgreement,
		ExtKeyUsage:  ext,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, req.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	return der, tmpl, nil
}

// SerialHex is a serial number as Volt stores it: lower-case hex.
func SerialHex(n *big.Int) string { return hex.EncodeToString(n.Bytes()) }

func randomSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("serial: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

// MaxCertificateLen bounds the PEM parsed by ParseCertificates (OCPP 2.0.1
// CertificateSigned certificateChain maxLength 10000; InstallCertificate
// certificate 5500).
const MaxCertificateLen = 10000

// ParseCertificates decodes one or more PEM "CERTIFICATE" blocks, leaf
// first. Anything else in the input is an error.
func ParseCertificates(b []byte) ([]*x509.Certificate, error) {
	if len(b) > MaxCertificateLen {
		return nil, fmt.Errorf("certificate longer than %d bytes", MaxCertificateLen)
	}
	var out []*x509.Certificate
	rest := bytes.TrimSpace(b)
	for len(rest) > 0 {
		block, r := pem.Decode(rest)
		if block == nil {
			return nil, errors.New("not PEM")
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block %q is not a CERTIFICATE", block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate: %w", err)
		}
		out = append(out, c)
		rest = bytes.TrimSpace(r)
	}
	if len(out) == 0 {
		return nil, errors.New("no certificate")
	}
	return out, nil
}
