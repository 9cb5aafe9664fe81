package v16

// SendLocalListRequest is the payload of SendLocalList.req (OCPP 1.6 §5.15).
type SendLocalListRequest struct {
	ListVersion            int                 `json:"listVersion" ocpp:"required"`
	LocalAuthorizationList []AuthorizationData `json:"localAuthorizationList,omitempty"`
	UpdateType             UpdateType          `json:"updateType" ocpp:"required"`
}

// SendLocalListResponse is the payload of SendLocalList.conf (OCPP 1.6 §5.15).
type SendLocalListResponse struct {
	Status UpdateStatus `json:"status" ocpp:"required"`
}

// AuthorizationData is a part of SendLocalList (OCPP 1.6 §5.15).
type AuthorizationData struct {
	IdTag     string     `json:"idTag" ocpp:"required,max=20"`
	IdTagInfo *IdTagInfo `json:"idTagInfo,omitempty"`
}

// UpdateStatus is an enumeration of SendLocalList (OCPP 1.6 §5.15).
type UpdateStatus string

// UpdateStatus values.
const (
	UpdateStatusAccepted        UpdateStatus = "Accepted"
	UpdateStatusFailed          UpdateStatus = "Failed"
	UpdateStatusNotSupported    UpdateStatus = "NotSupported"
	UpdateStatusVersionMismatch UpdateStatus = "VersionMismatch"
)

// EnumValues implements ocpp.Enum.
func (UpdateStatus) EnumValues() []string {
	return []string{"Accepted", "Failed", "NotSupported", "VersionMismatch"}
}

// UpdateType is an enumeration of SendLocalList (OCPP 1.6 §5.15).
type UpdateType string

// UpdateType values.
const (
	UpdateTypeDifferential UpdateType = "Differential"
	UpdateTypeFull         UpdateType = "Full"
)

// EnumValues implements ocpp.Enum.
func (UpdateType) EnumValues() []string {
	return []string{"Differential", "Full"}
}
