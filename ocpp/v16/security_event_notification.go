package v16

import "github.com/volt-ev/volt/ocpp"

// SecurityEventNotificationRequest is the payload of SecurityEventNotification.req (OCPP 1.6 security extension).
type SecurityEventNotificationRequest struct {
	Type      string        `json:"type" ocpp:"required,max=50"`
	Timestamp ocpp.DateTime `json:"timestamp" ocpp:"required"`
	TechInfo  string        `json:"techInfo,omitempty" ocpp:"max=255"`
}

// SecurityEventNotificationResponse is the payload of SecurityEventNotification.conf (OCPP 1.6 security extension).
type SecurityEventNotificationResponse struct {
}
