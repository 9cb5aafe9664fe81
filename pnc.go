package volt

import (
	"context"
	"strings"
)

// Plug & Charge (ISO 15118-2/-20 through OCPP 2.0.1; issue 18): the vehicle
// presents a contract certificate whose subject is the driver's contract id
// (eMAID); the charger sends it, or its OCSP hash data, in Authorize. A
// ContractProvider (an eMSP's or a PKI's service: OCSP, eMAID look-up)
// judges the certificate; Volt's own authorisation judges the eMAID, which a
// driver registered in the app as one of their tokens, so the session is
// billed to them.

// ContractCertificateStatus is what a ContractProvider says of a contract
// certificate: OCPP 2.0.1 AuthorizeCertificateStatusEnumType.
type ContractCertificateStatus string

// Contract certificate statuses.
const (
	ContractAccepted          ContractCertificateStatus = "Accepted"
	ContractSignatureError    ContractCertificateStatus = "SignatureError"
	ContractExpired           ContractCertificateStatus = "CertificateExpired"
	ContractRevoked           ContractCertificateStatus = "CertificateRevoked"
	ContractNoCertificate     ContractCertificateStatus = "NoCertificateAvailable"
	ContractCertChainError    ContractCertificateStatus = "CertChainError"
	ContractContractCancelled ContractCertificateStatus = "ContractCancelled"
)

// ContractHashData is one certificate of a contract chain as OCSP names it
// (OCPP 2.0.1 OCSPRequestDataType).
type ContractHashData struct {
	HashAlgorithm  string `json:"hashAlgorithm"`
	IssuerNameHash string `json:"issuerNameHash"`
	IssuerKeyHash  string `json:"issuerKeyHash"`
	SerialNumber   string `json:"serialNumber"`
	ResponderURL   string `json:"responderURL"`
}

// ContractCheck is a contract certificate to judge: the eMAID the vehicle
// claims, and its chain (PEM, leaf first) or its hash data.
type ContractCheck struct {
	EMAID       string
	Certificate string
	HashData    []ContractHashData
}

// ContractProvider validates contract certificates and relays the 15118
// certificate messages. An error means the provider could not answer (an
// OCSP responder down); Volt then answers CertChainError, never accepting.
type ContractProvider interface {
	CheckContract(ctx context.Context, c ContractCheck) (ContractCertificateStatus, error)
	// Get15118EVCertificate relays an EV's certificate installation or
	// update request (EXI, base64) and returns the status and EXI answer.
	Get15118EVCertificate(ctx context.Context, schemaVersion, action, exiRequest string) (status, exiResponse string, err error)
	// CertificateStatus answers an OCSP request for one certificate: the
	// status (Accepted/Failed) and the DER OCSP response, base64.
	CertificateStatus(ctx context.Context, h ContractHashData) (status, ocspResult string, err error)
}

// PnCDecision is the answer pair of a Plug & Charge Authorize (OCPP 2.0.1
// C07): the certificate status and the idToken's status.
type PnCDecision struct {
	CertificateStatus ContractCertificateStatus
	TokenStatus       AuthStatus
}

// DecidePnC combines the provider's verdict on the certificate (err: it
// could not answer) with Volt's on the eMAID into the C07 pairs
// (LESSONS.md item 28): an expired chain is CertificateExpired/Expired; a
// chain that cannot be verified, or a provider that cannot answer, is
// CertChainError/Invalid; a revoked one CertificateRevoked/Invalid; a valid
// chain whose token is not Accepted is ContractCancelled with the token's
// status; else Accepted with the token's status.
func DecidePnC(cert ContractCertificateStatus, err error, token AuthStatus) PnCDecision {
	switch {
	case err != nil:
		return PnCDecision{ContractCertChainError, AuthInvalid}
	case cert == ContractExpired:
		return PnCDecision{ContractExpired, AuthExpired}
	case cert == ContractRevoked:
		return PnCDecision{ContractRevoked, AuthInvalid}
	case cert == ContractAccepted && token != AuthAccepted:
		return PnCDecision{ContractContractCancelled, token}
	case cert == ContractAccepted:
		return PnCDecision{ContractAccepted, AuthAccepted}
	case cert == "" || cert == ContractNoCertificate:
		return PnCDecision{ContractNoCertificate, AuthInvalid}
	}
	return PnCDecision{cert, AuthInvalid} // SignatureError, CertChainError, ContractCancelled
}

// NormalizeEMAID returns an eMAID (contract id, ISO 15118-2 Annex H / eMI3)
// in the form Volt stores it as a token: upper case without separators,
// country (2 letters), provider (3), instance (9) and an optional check
// character. It reports false for anything else.
func NormalizeEMAID(s string) (string, bool) {
	s = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), "-", ""))
	if len(s) != 14 && len(s) != 15 {
		return "", false
	}
	for i, r := range s {
		letter := r >= 'A' && r <= 'Z'
		if !letter && !(r >= '0' && r <= '9') || i < 2 && !letter {
			return "", false
		}
	}
	return s, true
}
