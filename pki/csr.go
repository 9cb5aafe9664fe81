package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
)

// MaxCSRLen is the longest CSR accepted, in bytes (OCPP 1.6 security
// extension and 2.0.1: csr maxLength 5500).
const MaxCSRLen = 5500

// MinRSABits is the smallest RSA key signed.
const MinRSABits = 2048

// CSRError is why a CSR was refused. Reason is short and safe to log and to
// show an operator.
type CSRError struct{ Reason string }

func (e *CSRError) Error() string { return "csr refused: " + e.Reason }

// IsCSRError reports whether err is (or wraps) a refused CSR.
func IsCSRError(err error) bool {
	var ce *CSRError
	return errors.As(err, &ce)
}

func refuse(format string, a ...any) error { return &CSRError{Reason: fmt.Sprintf(format, a...)} }

// Subject attribute OIDs a charger may put in its CSR.
var (
	oidCN = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidC  = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidO  = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOU = asn1.ObjectIdentifier{2, 5, 4, 11}

	oidExtKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtExtKeyUsage      = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidExtBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
)

// ParseCSR decodes one PEM "CERTIFICATE REQUEST" (an unwrapped base64 DER is
// accepted as well: some firmware sends no PEM armour) and checks it for a
// charger whose OCPP identity is identity. Every refusal is a *CSRError.
func ParseCSR(csr []byte, identity string) (*x509.CertificateRequest, error) {
	if len(csr) == 0 {
		return nil, refuse("empty CSR")
	}
	if len(csr) > MaxCSRLen {
		return nil, refuse("CSR longer than %d bytes", MaxCSRLen)
	}
	der, err := csrDER(csr)
	if err != nil {
		return nil, err
	}
	req, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, refuse("not a PKCS#10 request: %v", err)
	}
	if err := req.CheckSignature(); err != nil {
		return nil, refuse("bad CSR signature: %v", err)
	}
	if err := checkSubject(req, identity); err != nil {
		return nil, err
	}
	if err := checkKey(req.PublicKey); err != nil {
		return nil, err
	}
	switch req.SignatureAlgorithm {
	case x509.SHA256WithRSA, x509.SHA384WithRSA, x509.SHA512WithRSA,
		x509.SHA256WithRSAPSS, x509.SHA384WithRSAPSS, x509.SHA512WithRSAPSS,
		x509.ECDSAWithSHA256, x509.ECDSAWithSHA384, x509.ECDSAWithSHA512:
	default:
		return nil, refuse("signature algorithm %s not accepted", req.SignatureAlgorithm)
	}
	return req, nil
}

func csrDER(csr []byte) ([]byte, error) {
	block, rest := pem.Decode(csr)
	if block == nil {
		return nil, refuse("no PEM block")
	}
	if block.Type != "CERTIFICATE REQUEST" && block.Type != "NEW CERTIFICATE REQUEST" {
		return nil, refuse("PEM block %q is not a CERTIFICATE REQUEST", block.Type)
	}
	if b, _ := pem.Decode(rest); b != nil {
		return nil, refuse("more than one PEM block")
	}
	return block.Bytes, nil
}

func checkSubject(req *x509.CertificateRequest, identity string) error {
	if len(req.DNSNames)+len(req.EmailAddresses)+len(req.IPAddresses)+len(req.URIs) > 0 {
		return refuse("CSR requests subject alternative names")
	}
	cn := 0
	for _, atv := range req.Subject.Names {
		switch {
		case atv.Type.Equal(oidCN):
			cn++
		case atv.Type.Equal(oidO), atv.Type.Equal(oidOU), atv.Type.Equal(oidC):
		default:
			return refuse("subject attribute %s not accepted", atv.Type)
		}
	}
	if cn != 1 {
		return refuse("subject must hold exactly one CN")
	}
	if req.Subject.CommonName != identity {
		return refuse("subject CN %q is not the charger identity %q", req.Subject.CommonName, identity)
	}
	for _, ext := range req.Extensions {
		if !ext.Id.Equal(oidExtKeyUsage) && !ext.Id.Equal(oidExtExtKeyUsage) && !ext.Id.Equal(oidExtBasicConstraints) {
			return refuse("extension %s not accepted", ext.Id)
		}
	}
	return nil
}

func checkKey(pub any) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < MinRSABits {
			return refuse("RSA key of %d bits, want at least %d", k.N.BitLen(), MinRSABits)
		}
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() && k.Curve != elliptic.P384() {
			return refuse("ECDSA curve %s not accepted (P-256 or P-384)", k.Curve.Params().Name)
		}
	default:
		return refuse("key type %T not accepted (RSA or ECDSA)", pub)
	}
	return nil
}
