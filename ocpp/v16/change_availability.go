package v16

// ChangeAvailabilityRequest is the payload of ChangeAvailability.req (OCPP 1.6 §5.2).
type ChangeAvailabilityRequest struct {
	ConnectorID int              `json:"connectorId" ocpp:"required"`
	Type        AvailabilityType `json:"type" ocpp:"required"`
}

// ChangeAvailabilityResponse is the payload of ChangeAvailability.conf (OCPP 1.6 §5.2).
type ChangeAvailabilityResponse struct {
	Status AvailabilityStatus `json:"status" ocpp:"required"`
}

// AvailabilityStatus is an enumeration of ChangeAvailability (OCPP 1.6 §5.2).
type AvailabilityStatus string

// AvailabilityStatus values.
const (
	AvailabilityStatusAccepted  AvailabilityStatus = "Accepted"
	AvailabilityStatusRejected  AvailabilityStatus = "Rejected"
	AvailabilityStatusScheduled AvailabilityStatus = "Scheduled"
)

// EnumValues implements ocpp.Enum.
func (AvailabilityStatus) EnumValues() []string {
	return []string{"Accepted", "Rejected", "Scheduled"}
}

// AvailabilityType is an enumeration of ChangeAvailability (OCPP 1.6 §5.2).
type AvailabilityType string

// AvailabilityType values.
const (
	AvailabilityTypeInoperative AvailabilityType = "Inoperative"
	AvailabilityTypeOperative   AvailabilityType = "Operative"
)

// EnumValues implements ocpp.Enum.
func (AvailabilityType) EnumValues() []string {
	return []string{"Inoperative", "Operative"}
}
