package v16

// InstallCertificateRequest is the payload of InstallCertificate.req (OCPP 1.6 security extension).
type InstallCertificateRequest struct {
	CertificateType CertificateUse `json:"certificateType" ocpp:"required"`
	Certificate     string         `json:"certificate" ocpp:"required,max=5500"`
}

// InstallCertificateResponse is the payload of InstallCertificate.conf (OCPP 1.6 security extension).
type InstallCertificateResponse struct {
	Status InstallCertificateStatus `json:"status" ocpp:"required"`
}

// InstallCertificateStatus is an enumeration of InstallCertificate (OCPP 1.6 security extension).
type InstallCertificateStatus string

// InstallCertificateStatus values.
const (
	InstallCertificateStatusAccepted InstallCertificateStatus = "Accepted"
	InstallCertificateStatusFailed   InstallCertificateStatus = "Failed"
	InstallCertificateStatusRejected InstallCertificateStatus = "Rejected"
)

// EnumValues implements ocpp.Enum.
func (InstallCertificateStatus) EnumValues() []string {
	return []string{"Accepted", "Failed", "Rejected"}
}
