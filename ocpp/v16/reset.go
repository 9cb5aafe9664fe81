package v16

// ResetRequest is the payload of Reset.req (OCPP 1.6 §5.14).
type ResetRequest struct {
	Type ResetType `json:"type" ocpp:"required"`
}

// ResetResponse is the payload of Reset.conf (OCPP 1.6 §5.14).
type ResetResponse struct {
	Status ResetStatus `json:"status" ocpp:"required"`
}

// ResetStatus is an enumeration of Reset (OCPP 1.6 §5.14).
type ResetStatus string

// ResetStatus values.
const (
	ResetStatusAccepted ResetStatus = "Accepted"
	ResetStatusRejected ResetStatus = "Rejected"
)

// EnumValues implements ocpp.Enum.
func (ResetStatus) EnumValues() []string {
	return []string{"Accepted", "Rejected"}
}

// ResetType is an enumeration of Reset (OCPP 1.6 §5.14).
type ResetType string

// ResetType values.
const (
	ResetTypeHard ResetType = "Hard"
	ResetTypeSoft ResetType = "Soft"
)

// EnumValues implements ocpp.Enum.
func (ResetType) EnumValues() []string {
	return []string{"Hard", "Soft"}
}
