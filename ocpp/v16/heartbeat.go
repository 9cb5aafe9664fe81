package v16

import "github.com/volt-ev/volt/ocpp"

// HeartbeatRequest is the payload of Heartbeat.req (OCPP 1.6 §4.6).
type HeartbeatRequest struct {
}

// HeartbeatResponse is the payload of Heartbeat.conf (OCPP 1.6 §4.6).
type HeartbeatResponse struct {
	CurrentTime ocpp.DateTime `json:"currentTime" ocpp:"required"`
}
