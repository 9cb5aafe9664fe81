package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"
)

// V2GAuthority signs chargers' ISO 15118 SECC certificates (OCPP 2.0.1
// SignCertificate with certificateType V2GCertificate, and the 1.6 Plug &
// Charge extension): the certificate the charger presents to a vehicle in
// the 15118 TLS handshake, which chains to a V2G root the vehicle knows,
// not to the CSMS CA. A CPO's sub-CA of a V2G PKI (V2GCA) implements it;
// a PKI's signing service can replace it.
type V2GAuthority interface {
	// SignV2G checks csr (PEM) for the charger whose OCPP identity is
	// identity and signs it. A refused CSR is a *CSRError.
	SignV2G(ctx context.Context, identity string, csr []byte) (*Issued, error)
}

// V2GCA is a CPO sub-CA of a V2G PKI (ISO 15118-2 Annex F: V2G root → CPO
// Sub-CA 1 → CPO Sub-CA 2 → SECC certificate), loaded with its key and the
// certificates above it.
type V2GCA struct {
	cert  *x509.Certificate
	above []*x509.Certificate // its issuers, up to the V2G root
	key   crypto.Signer
	// Validity is the lifetime of a signed SECC certificate. Default 90
	// days: SECC certificates are short-lived and renewed.
	Validity time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

var _ V2GAuthority = (*V2GCA)(nil)

// LoadV2GCA reads a V2G CPO sub-CA: chainPEM is its certificate then its
// issuers up to the V2G root (which may be left out), keyPEM its PKCS#8 or
// SEC 1 key. The chain must be consistent: each certificate signed by the
// next.
func LoadV2GCA(chainPEM, keyPEM []byte) (*V2GCA, error) {
	certs, err := ParseCertificates(chainPEM)
	if err != nil {
		return nil, fmt.Errorf("V2G CA certificate: %w", err)
	}
	for i, c := range certs {
		if !c.IsCA {
			return nil, fmt.Errorf("V2G CA certificate %q: not a CA", c.Subject.CommonName)
		}
		if i+1 < len(certs) {
			if err := c.CheckSignatureFrom(certs[i+1]); err != nil {
				return nil, fmt.Errorf("V2G CA chain: %q is not signed by %q: %w", c.Subject.CommonName, certs[i+1].Subject.CommonName, err)
			}
		}
	}
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return nil, errors.New("V2G CA key: no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		ek, err2 := x509.ParseECPrivateKey(kb.Bytes)
		if err2 != nil {
			return nil, fmt.Errorf("V2G CA key: %w", err)
		}
		k = ek
	}
	signer, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("V2G CA key: not an ECDSA key (the V2G PKI is ECDSA)")
	}
	if !signer.PublicKey.Equal(certs[0].PublicKey) {
		return nil, errors.New("V2G CA key: does not match the certificate")
	}
	return &V2GCA{cert: certs[0], above: certs[1:], key: signer}, nil
}

// Certificate returns the sub-CA's certificate.
func (ca *V2GCA) Certificate() *x509.Certificate { return ca.cert }

func (ca *V2GCA) now() time.Time {
	if ca.Now != nil {
		return ca.Now()
	}
	return time.Now()
}

// SignV2G implements V2GAuthority: ParseCSR's checks, and the key must be
// ECDSA P-256 signed with SHA-256 (ISO 15118-2 secp256r1); the SECC
// certificate keeps the CSR's subject, is for digital signature and key
// agreement, and its chain (PEM, leaf first) runs up to but not including
// a self-signed V2G root, which the vehicle already holds.
func (ca *V2GCA) SignV2G(_ context.Context, identity string, csr []byte) (*Issued, error) {
	req, err := ParseCSR(csr, identity)
	if err != nil {
		return nil, err
	}
	if k, ok := req.PublicKey.(*ecdsa.PublicKey); !ok || k.Curve != elliptic.P256() {
		return nil, refuse("a V2G certificate needs an ECDSA P-256 key")
	}
	if req.SignatureAlgorithm != x509.ECDSAWithSHA256 {
		return nil, refuse("a V2G CSR must be signed with ECDSA-SHA256, not %s", req.SignatureAlgorithm)
	}
	der, tmpl, err := issue(req, ca.cert, ca.key, ca.now(), ca.Validity, 90*24*time.Hour)
	if err != nil {
		return nil, fmt.Errorf("sign V2G certificate for %q: %w", identity, err)
	}
	var chain bytes.Buffer
	_ = pem.Encode(&chain, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	for _, c := range append([]*x509.Certificate{ca.cert}, ca.above...) {
		if bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil {
			break // the root
		}
		_ = pem.Encode(&chain, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return &Issued{Identity: identity, Serial: SerialHex(tmpl.SerialNumber), NotBefore: tmpl.NotBefore, NotAfter: tmpl.NotAfter, ChainPEM: chain.String()}, nil
}
