package v16

import "github.com/volt-ev/volt/ocpp"

// ReserveNowRequest is the payload of ReserveNow.req (OCPP 1.6 §5.13).
type ReserveNowRequest struct {
	ConnectorID   int           `json:"connectorId" ocpp:"required"`
	ExpiryDate    ocpp.DateTime `json:"expiryDate" ocpp:"required"`
	IdTag         string        `json:"idTag" ocpp:"required,max=20"`
	ParentIdTag   string        `json:"parentIdTag,omitempty" ocpp:"max=20"`
	ReservationID int           `json:"reservationId" ocpp:"required"`
}

// ReserveNowResponse is the payload of ReserveNow.conf (OCPP 1.6 §5.13).
type ReserveNowResponse struct {
	Status ReservationStatus `json:"status" ocpp:"required"`
}

// ReservationStatus is an enumeration of ReserveNow (OCPP 1.6 §5.13).
type ReservationStatus string

// ReservationStatus values.
const (
	ReservationStatusAccepted    ReservationStatus = "Accepted"
	ReservationStatusFaulted     ReservationStatus = "Faulted"
	ReservationStatusOccupied    ReservationStatus = "Occupied"
	ReservationStatusRejected    ReservationStatus = "Rejected"
	ReservationStatusUnavailable ReservationStatus = "Unavailable"
)

// EnumValues implements ocpp.Enum.
func (ReservationStatus) EnumValues() []string {
	return []string{"Accepted", "Faulted", "Occupied", "Rejected", "Unavailable"}
}
