package v16

// GetInstalledCertificateIdsRequest is the payload of GetInstalledCertificateIds.req (OCPP 1.6 security extension).
type GetInstalledCertificateIdsRequest struct {
	CertificateType CertificateUse `json:"certificateType" ocpp:"required"`
}

// GetInstalledCertificateIdsResponse is the payload of GetInstalledCertificateIds.conf (OCPP 1.6 security extension).
type GetInstalledCertificateIdsResponse struct {
	CertificateHashData []CertificateHashData         `json:"certificateHashData,omitempty" ocpp:"minitems=1"`
	Status              GetInstalledCertificateStatus `json:"status" ocpp:"required"`
}

// GetInstalledCertificateStatus is an enumeration of GetInstalledCertificateIds (OCPP 1.6 security extension).
type GetInstalledCertificateStatus string

// GetInstalledCertificateStatus values.
const (
	GetInstalledCertificateStatusAccepted GetInstalledCertificateStatus = "Accepted"
	GetInstalledCertificateStatusNotFound GetInstalledCertificateStatus = "NotFound"
)

// EnumValues implements ocpp.Enum.
func (GetInstalledCertificateStatus) EnumValues() []string {
	return []string{"Accepted", "NotFound"}
}
