package v16

// TriggerMessageRequest is the payload of TriggerMessage.req (OCPP 1.6 §5.17).
type TriggerMessageRequest struct {
	RequestedMessage MessageTrigger `json:"requestedMessage" ocpp:"required"`
	ConnectorID      *int           `json:"connectorId,omitempty" ocpp:"connector"`
}

// TriggerMessageResponse is the payload of TriggerMessage.conf (OCPP 1.6 §5.17).
type TriggerMessageResponse struct {
	Status TriggerMessageStatus `json:"status" ocpp:"required"`
}

// MessageTrigger is an enumeration of TriggerMessage (OCPP 1.6 §5.17).
type MessageTrigger string

// MessageTrigger values.
const (
	MessageTriggerBootNotification              MessageTrigger = "BootNotification"
	MessageTriggerDiagnosticsStatusNotification MessageTrigger = "DiagnosticsStatusNotification"
	MessageTriggerFirmwareStatusNotification    MessageTrigger = "FirmwareStatusNotification"
	MessageTriggerHeartbeat                     MessageTrigger = "Heartbeat"
	MessageTriggerMeterValues                   MessageTrigger = "MeterValues"
	MessageTriggerStatusNotification            MessageTrigger = "StatusNotification"
)

// EnumValues implements ocpp.Enum.
func (MessageTrigger) EnumValues() []string {
	return []string{"BootNotification", "DiagnosticsStatusNotification", "FirmwareStatusNotification", "Heartbeat", "MeterValues", "StatusNotification"}
}
