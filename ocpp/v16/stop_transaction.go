package v16

import "github.com/volt-ev/volt/ocpp"

// StopTransactionRequest is the payload of StopTransaction.req (OCPP 1.6 §4.10).
type StopTransactionRequest struct {
	IdTag           string            `json:"idTag,omitempty" ocpp:"max=20"`
	MeterStop       int               `json:"meterStop" ocpp:"required"`
	Timestamp       ocpp.DateTime     `json:"timestamp" ocpp:"required"`
	TransactionID   int               `json:"transactionId" ocpp:"required"`
	Reason          Reason            `json:"reason,omitempty"`
	TransactionData []TransactionData `json:"transactionData,omitempty"`
}

// StopTransactionResponse is the payload of StopTransaction.conf (OCPP 1.6 §4.10).
type StopTransactionResponse struct {
	IdTagInfo *IdTagInfo `json:"idTagInfo,omitempty"`
}

// Reason is an enumeration of StopTransaction (OCPP 1.6 §4.10).
type Reason string

// Reason values.
const (
	ReasonEmergencyStop  Reason = "EmergencyStop"
	ReasonEVDisconnected Reason = "EVDisconnected"
	ReasonHardReset      Reason = "HardReset"
	ReasonLocal          Reason = "Local"
	ReasonOther          Reason = "Other"
	ReasonPowerLoss      Reason = "PowerLoss"
	ReasonReboot         Reason = "Reboot"
	ReasonRemote         Reason = "Remote"
	ReasonSoftReset      Reason = "SoftReset"
	ReasonUnlockCommand  Reason = "UnlockCommand"
	ReasonDeAuthorized   Reason = "DeAuthorized"
)

// EnumValues implements ocpp.Enum.
func (Reason) EnumValues() []string {
	return []string{"EmergencyStop", "EVDisconnected", "HardReset", "Local", "Other", "PowerLoss", "Reboot", "Remote", "SoftReset", "UnlockCommand", "DeAuthorized"}
}

// TransactionData is a meter value sent in StopTransaction (OCPP 1.6 §4.10).
// It has the fields of MeterValue, so MeterValue(td) converts it, but its
// sampledValue list may be empty: only the MeterValues schema asks for one.
type TransactionData struct {
	Timestamp    ocpp.DateTime  `json:"timestamp" ocpp:"required"`
	SampledValue []SampledValue `json:"sampledValue" ocpp:"required"`
}
