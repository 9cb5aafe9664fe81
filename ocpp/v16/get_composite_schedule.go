package v16

import "github.com/volt-ev/volt/ocpp"

// GetCompositeScheduleRequest is the payload of GetCompositeSchedule.req (OCPP 1.6 §5.7).
type GetCompositeScheduleRequest struct {
	ConnectorID      int                  `json:"connectorId" ocpp:"required"`
	Duration         int                  `json:"duration" ocpp:"required"`
	ChargingRateUnit ChargingRateUnitType `json:"chargingRateUnit,omitempty"`
}

// GetCompositeScheduleResponse is the payload of GetCompositeSchedule.conf (OCPP 1.6 §5.7).
type GetCompositeScheduleResponse struct {
	Status           GetCompositeScheduleStatus `json:"status" ocpp:"required"`
	ConnectorID      *int                       `json:"connectorId,omitempty"`
	ScheduleStart    *ocpp.DateTime             `json:"scheduleStart,omitempty"`
	ChargingSchedule *ChargingSchedule          `json:"chargingSchedule,omitempty"`
}

// GetCompositeScheduleStatus is an enumeration of GetCompositeSchedule (OCPP 1.6 §5.7).
type GetCompositeScheduleStatus string

// GetCompositeScheduleStatus values.
const (
	GetCompositeScheduleStatusAccepted GetCompositeScheduleStatus = "Accepted"
	GetCompositeScheduleStatusRejected GetCompositeScheduleStatus = "Rejected"
)

// EnumValues implements ocpp.Enum.
func (GetCompositeScheduleStatus) EnumValues() []string {
	return []string{"Accepted", "Rejected"}
}
