package v16

// SetChargingProfileRequest is the payload of SetChargingProfile.req (OCPP 1.6 §5.16).
type SetChargingProfileRequest struct {
	ConnectorID        int             `json:"connectorId" ocpp:"required"`
	CsChargingProfiles ChargingProfile `json:"csChargingProfiles" ocpp:"required"`
}

// SetChargingProfileResponse is the payload of SetChargingProfile.conf (OCPP 1.6 §5.16).
type SetChargingProfileResponse struct {
	Status ChargingProfileStatus `json:"status" ocpp:"required"`
}

// ChargingProfileStatus is an enumeration of SetChargingProfile (OCPP 1.6 §5.16).
type ChargingProfileStatus string

// ChargingProfileStatus values.
const (
	ChargingProfileStatusAccepted     ChargingProfileStatus = "Accepted"
	ChargingProfileStatusRejected     ChargingProfileStatus = "Rejected"
	ChargingProfileStatusNotSupported ChargingProfileStatus = "NotSupported"
)

// EnumValues implements ocpp.Enum.
func (ChargingProfileStatus) EnumValues() []string {
	return []string{"Accepted", "Rejected", "NotSupported"}
}
