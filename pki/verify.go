package pki

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Refusal reasons of a client certificate, as logged and recorded.
const (
	ReasonNoCertificate = "no client certificate"
	ReasonUnknownCA     = "unknown CA"
	ReasonExpired       = "expired or not yet valid"
	ReasonRevoked       = "revoked"
	ReasonCNMismatch    = "CN is not the charger identity"
	ReasonBadUsage      = "not a client certificate"
)

// ClientCertError is why a charger's client certificate was refused.
type ClientCertError struct {
	Reason string // one of the Reason constants
	Detail string
}

func (e *ClientCertError) Error() string {
	if e.Detail == "" {
		return "client certificate refused: " + e.Reason
	}
	return "client certificate refused: " + e.Reason + ": " + e.Detail
}

// ClientReason returns the Reason of a *ClientCertError in err, or "".
func ClientReason(err error) string {
	var ce *ClientCertError
	if errors.As(err, &ce) {
		return ce.Reason
	}
	return ""
}

// VerifyClientChain checks a client certificate chain as presented in a TLS
// handshake (leaf first) against roots at now: a chain to one of the roots,
// within validity, for client authentication, and none of its certificates
// revoked (revoked may be nil). It does not look at the subject: the
// identity is known only from the request path (see CheckIdentity).
func VerifyClientChain(chain []*x509.Certificate, roots *x509.CertPool, now time.Time, revoked func(serial string) bool) error {
	if len(chain) == 0 {
		return &ClientCertError{Reason: ReasonNoCertificate}
	}
	leaf := chain[0]
	if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		return &ClientCertError{Reason: ReasonExpired, Detail: fmt.Sprintf("valid %s to %s", leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339))}
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	verified, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		var inv x509.CertificateInvalidError
		switch {
		case errors.As(err, &inv) && inv.Reason == x509.Expired:
			return &ClientCertError{Reason: ReasonExpired, Detail: err.Error()}
		case errors.As(err, &inv) && inv.Reason == x509.IncompatibleUsage:
			return &ClientCertError{Reason: ReasonBadUsage, Detail: err.Error()}
		}
		return &ClientCertError{Reason: ReasonUnknownCA, Detail: err.Error()}
	}
	if revoked != nil {
		for _, c := range verified[0] {
			if revoked(SerialHex(c.SerialNumber)) {
				return &ClientCertError{Reason: ReasonRevoked, Detail: "serial " + SerialHex(c.SerialNumber)}
			}
		}
	}
	return nil
}

// CheckIdentity checks that a verified leaf names the charger: its subject
// CN equals the identity of the URL (OCPP 2.0.1 A00.FR.405, B01.FR.12).
func CheckIdentity(leaf *x509.Certificate, identity string) error {
	if leaf.Subject.CommonName != identity {
		return &ClientCertError{Reason: ReasonCNMismatch, Detail: fmt.Sprintf("CN %q, identity %q", leaf.Subject.CommonName, identity)}
	}
	return nil
}

// HashData is OCPP's CertificateHashDataType (1.6 security extension, 2.0.1
// A00): SHA-256 of the issuer's DN and of its public key, and the serial.
type HashData struct {
	HashAlgorithm  string `json:"hashAlgorithm"`
	IssuerNameHash string `json:"issuerNameHash"`
	IssuerKeyHash  string `json:"issuerKeyHash"`
	SerialNumber   string `json:"serialNumber"`
}

// HashOf returns the hash data of cert. issuer is the certificate that
// signed it (cert itself for a root).
func HashOf(cert, issuer *x509.Certificate) (HashData, error) {
	var spki struct {
		Algorithm asn1.RawValue
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(issuer.RawSubjectPublicKeyInfo, &spki); err != nil {
		return HashData{}, fmt.Errorf("issuer key: %w", err)
	}
	nh := sha256.Sum256(cert.RawIssuer)
	kh := sha256.Sum256(spki.PublicKey.Bytes)
	return HashData{HashAlgorithm: "SHA256", IssuerNameHash: hex.EncodeToString(nh[:]),
		IssuerKeyHash: hex.EncodeToString(kh[:]), SerialNumber: SerialHex(cert.SerialNumber)}, nil
}
