package v16

// CertificateSignedRequest is the payload of CertificateSigned.req (OCPP 1.6 security extension).
type CertificateSignedRequest struct {
	CertificateChain string `json:"certificateChain" ocpp:"required,max=10000"`
}

// CertificateSignedResponse is the payload of CertificateSigned.conf (OCPP 1.6 security extension).
type CertificateSignedResponse struct {
	Status CertificateSignedStatus `json:"status" ocpp:"required"`
}

// CertificateSignedStatus is an enumeration of CertificateSigned (OCPP 1.6 security extension).
type CertificateSignedStatus string

// CertificateSignedStatus values.
const (
	CertificateSignedStatusAccepted CertificateSignedStatus = "Accepted"
	CertificateSignedStatusRejected CertificateSignedStatus = "Rejected"
)

// EnumValues implements ocpp.Enum.
func (CertificateSignedStatus) EnumValues() []string {
	return []string{"Accepted", "Rejected"}
}
