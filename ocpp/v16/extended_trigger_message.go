package v16

// ExtendedTriggerMessageRequest is the payload of ExtendedTriggerMessage.req (OCPP 1.6 security extension).
type ExtendedTriggerMessageRequest struct {
	RequestedMessage ExtendedMessageTrigger `json:"requestedMessage" ocpp:"required"`
	ConnectorID      *int                   `json:"connectorId,omitempty" ocpp:"connector"`
}

// ExtendedTriggerMessageResponse is the payload of ExtendedTriggerMessage.conf (OCPP 1.6 security extension).
type ExtendedTriggerMessageResponse struct {
	Status TriggerMessageStatus `json:"status" ocpp:"required"`
}

// ExtendedMessageTrigger is an enumeration of ExtendedTriggerMessage (OCPP 1.6 security extension).
type ExtendedMessageTrigger string

// ExtendedMessageTrigger values.
const (
	ExtendedMessageTriggerBootNotification           ExtendedMessageTrigger = "BootNotification"
	ExtendedMessageTriggerLogStatusNotification      ExtendedMessageTrigger = "LogStatusNotification"
	ExtendedMessageTriggerFirmwareStatusNotification ExtendedMessageTrigger = "FirmwareStatusNotification"
	ExtendedMessageTriggerHeartbeat                  ExtendedMessageTrigger = "Heartbeat"
	ExtendedMessageTriggerMeterValues                ExtendedMessageTrigger = "MeterValues"
	ExtendedMessageTriggerSignChargePointCertificate ExtendedMessageTrigger = "SignChargePointCertificate"
	ExtendedMessageTriggerStatusNotification         ExtendedMessageTrigger = "StatusNotification"
)

// EnumValues implements ocpp.Enum.
func (ExtendedMessageTrigger) EnumValues() []string {
	return []string{"BootNotification", "LogStatusNotification", "FirmwareStatusNotification", "Heartbeat", "MeterValues", "SignChargePointCertificate", "StatusNotification"}
}
