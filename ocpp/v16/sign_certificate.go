package v16

// SignCertificateRequest is the payload of SignCertificate.req (OCPP 1.6 security extension).
type SignCertificateRequest struct {
	CSR string `json:"csr" ocpp:"required,max=5500"`
}

// SignCertificateResponse is the payload of SignCertificate.conf (OCPP 1.6 security extension).
type SignCertificateResponse struct {
	Status GenericStatus `json:"status" ocpp:"required"`
}

// GenericStatus is an enumeration of SignCertificate (OCPP 1.6 security extension).
type GenericStatus string

// GenericStatus values.
const (
	GenericStatusAccepted GenericStatus = "Accepted"
	GenericStatusRejected GenericStatus = "Rejected"
)

// EnumValues implements ocpp.Enum.
func (GenericStatus) EnumValues() []string {
	return []string{"Accepted", "Rejected"}
}
