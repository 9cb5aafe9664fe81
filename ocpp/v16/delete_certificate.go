package v16

// DeleteCertificateRequest is the payload of DeleteCertificate.req (OCPP 1.6 security extension).
type DeleteCertificateRequest struct {
	CertificateHashData CertificateHashData `json:"certificateHashData" ocpp:"required"`
}

// DeleteCertificateResponse is the payload of DeleteCertificate.conf (OCPP 1.6 security extension).
type DeleteCertificateResponse struct {
	Status DeleteCertificateStatus `json:"status" ocpp:"required"`
}

// DeleteCertificateStatus is an enumeration of DeleteCertificate (OCPP 1.6 security extension).
type DeleteCertificateStatus string

// DeleteCertificateStatus values.
const (
	DeleteCertificateStatusAccepted DeleteCertificateStatus = "Accepted"
	DeleteCertificateStatusFailed   DeleteCertificateStatus = "Failed"
	DeleteCertificateStatusNotFound DeleteCertificateStatus = "NotFound"
)

// EnumValues implements ocpp.Enum.
func (DeleteCertificateStatus) EnumValues() []string {
	return []string{"Accepted", "Failed", "NotFound"}
}
