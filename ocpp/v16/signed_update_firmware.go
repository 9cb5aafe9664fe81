package v16

import "github.com/volt-ev/volt/ocpp"

// SignedUpdateFirmwareRequest is the payload of SignedUpdateFirmware.req (OCPP 1.6 security extension).
type SignedUpdateFirmwareRequest struct {
	Retries       *int     `json:"retries,omitempty"`
	RetryInterval *int     `json:"retryInterval,omitempty"`
	RequestID     int      `json:"requestId" ocpp:"required"`
	Firmware      Firmware `json:"firmware" ocpp:"required"`
}

// SignedUpdateFirmwareResponse is the payload of SignedUpdateFirmware.conf (OCPP 1.6 security extension).
type SignedUpdateFirmwareResponse struct {
	Status UpdateFirmwareStatus `json:"status" ocpp:"required"`
}

// Firmware is a part of SignedUpdateFirmware (OCPP 1.6 security extension).
type Firmware struct {
	Location           string         `json:"location" ocpp:"required,max=512"`
	RetrieveDateTime   ocpp.DateTime  `json:"retrieveDateTime" ocpp:"required"`
	InstallDateTime    *ocpp.DateTime `json:"installDateTime,omitempty"`
	SigningCertificate string         `json:"signingCertificate" ocpp:"required,max=5500"`
	Signature          string         `json:"signature" ocpp:"required,max=800"`
}

// UpdateFirmwareStatus is an enumeration of SignedUpdateFirmware (OCPP 1.6 security extension).
type UpdateFirmwareStatus string

// UpdateFirmwareStatus values.
const (
	UpdateFirmwareStatusAccepted           UpdateFirmwareStatus = "Accepted"
	UpdateFirmwareStatusRejected           UpdateFirmwareStatus = "Rejected"
	UpdateFirmwareStatusAcceptedCanceled   UpdateFirmwareStatus = "AcceptedCanceled"
	UpdateFirmwareStatusInvalidCertificate UpdateFirmwareStatus = "InvalidCertificate"
	UpdateFirmwareStatusRevokedCertificate UpdateFirmwareStatus = "RevokedCertificate"
)

// EnumValues implements ocpp.Enum.
func (UpdateFirmwareStatus) EnumValues() []string {
	return []string{"Accepted", "Rejected", "AcceptedCanceled", "InvalidCertificate", "RevokedCertificate"}
}
