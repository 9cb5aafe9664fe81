package volt

import (
	"context"
	"time"
)

// CertificateRevocation is one certificate's revocation status as its CA's
// responder gave it (OCPP 2.1 CertificateStatusType): Good, Revoked or
// Unknown, valid until NextUpdate (zero: the responder set none).
type CertificateRevocation struct {
	Status     string
	NextUpdate time.Time
}

// Revocation statuses of OCPP 2.1 CertificateStatusEnumType.
const (
	RevocationGood    = "Good"
	RevocationRevoked = "Revoked"
	RevocationUnknown = "Unknown"
	RevocationFailed  = "Failed"
)

// CertificateRevocationChecker is a ContractProvider that also reports one
// certificate's revocation status, for OCPP 2.1 GetCertificateChainStatus
// (a station checking a V2G or contract chain certificate by certificate).
// h.ResponderURL is the responder to ask. An error means no verified answer
// could be had (the certificate's status is then Failed).
type CertificateRevocationChecker interface {
	CertificateRevocation(ctx context.Context, h ContractHashData) (CertificateRevocation, error)
}
