package v16

// CancelReservationRequest is the payload of CancelReservation.req (OCPP 1.6 §5.1).
type CancelReservationRequest struct {
	ReservationID int `json:"reservationId" ocpp:"required"`
}

// CancelReservationResponse is the payload of CancelReservation.conf (OCPP 1.6 §5.1).
type CancelReservationResponse struct {
	Status CancelReservationStatus `json:"status" ocpp:"required"`
}

// CancelReservationStatus is an enumeration of CancelReservation (OCPP 1.6 §5.1).
type CancelReservationStatus string

// CancelReservationStatus values.
const (
	CancelReservationStatusAccepted CancelReservationStatus = "Accepted"
	CancelReservationStatusRejected CancelReservationStatus = "Rejected"
)

// EnumValues implements ocpp.Enum.
func (CancelReservationStatus) EnumValues() []string {
	return []string{"Accepted", "Rejected"}
}
