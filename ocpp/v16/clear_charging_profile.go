package v16

// ClearChargingProfileRequest is the payload of ClearChargingProfile.req (OCPP 1.6 §5.5).
type ClearChargingProfileRequest struct {
	ID                     *int                       `json:"id,omitempty"`
	ConnectorID            *int                       `json:"connectorId,omitempty"`
	ChargingProfilePurpose ChargingProfilePurposeType `json:"chargingProfilePurpose,omitempty"`
	StackLevel             *int                       `json:"stackLevel,omitempty"`
}

// ClearChargingProfileResponse is the payload of ClearChargingProfile.conf (OCPP 1.6 §5.5).
type ClearChargingProfileResponse struct {
	Status ClearChargingProfileStatus `json:"status" ocpp:"required"`
}

// ClearChargingProfileStatus is an enumeration of ClearChargingProfile (OCPP 1.6 §5.5).
type ClearChargingProfileStatus string

// ClearChargingProfileStatus values.
const (
	ClearChargingProfileStatusAccepted ClearChargingProfileStatus = "Accepted"
	ClearChargingProfileStatusUnknown  ClearChargingProfileStatus = "Unknown"
)

// EnumValues implements ocpp.Enum.
func (ClearChargingProfileStatus) EnumValues() []string {
	return []string{"Accepted", "Unknown"}
}
