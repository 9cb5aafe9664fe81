package v16

// UnlockConnectorRequest is the payload of UnlockConnector.req (OCPP 1.6 §5.18).
type UnlockConnectorRequest struct {
	ConnectorID int `json:"connectorId" ocpp:"required,connector"`
}

// UnlockConnectorResponse is the payload of UnlockConnector.conf (OCPP 1.6 §5.18).
type UnlockConnectorResponse struct {
	Status UnlockStatus `json:"status" ocpp:"required"`
}

// UnlockStatus is an enumeration of UnlockConnector (OCPP 1.6 §5.18).
type UnlockStatus string

// UnlockStatus values.
const (
	UnlockStatusUnlocked     UnlockStatus = "Unlocked"
	UnlockStatusUnlockFailed UnlockStatus = "UnlockFailed"
	UnlockStatusNotSupported UnlockStatus = "NotSupported"
)

// EnumValues implements ocpp.Enum.
func (UnlockStatus) EnumValues() []string {
	return []string{"Unlocked", "UnlockFailed", "NotSupported"}
}
