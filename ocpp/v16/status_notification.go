package v16

import "github.com/volt-ev/volt/ocpp"

// StatusNotificationRequest is the payload of StatusNotification.req (OCPP 1.6 §4.9).
type StatusNotificationRequest struct {
	ConnectorID     int                  `json:"connectorId" ocpp:"required"`
	ErrorCode       ChargePointErrorCode `json:"errorCode" ocpp:"required"`
	Info            string               `json:"info,omitempty" ocpp:"max=50"`
	Status          ChargePointStatus    `json:"status" ocpp:"required"`
	Timestamp       *ocpp.DateTime       `json:"timestamp,omitempty"`
	VendorID        string               `json:"vendorId,omitempty" ocpp:"max=255"`
	VendorErrorCode string               `json:"vendorErrorCode,omitempty" ocpp:"max=50"`
}

// StatusNotificationResponse is the payload of StatusNotification.conf (OCPP 1.6 §4.9).
type StatusNotificationResponse struct {
}
