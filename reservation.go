package volt

import (
	"context"
	"time"
)

// ReservationStatus is where a reservation is in its life.
type ReservationStatus string

// Reservation statuses.
const (
	ReservationActive    ReservationStatus = "active"
	ReservationCancelled ReservationStatus = "cancelled"
	ReservationUsed      ReservationStatus = "used"    // a StartTransaction named it
	ReservationExpired   ReservationStatus = "expired" // reported by the store on read once ExpiresAt passed
)

// Reservation is a connector held for an idTag until ExpiresAt (OCPP 1.6
// ReserveNow, §5.13). ID is the OCPP reservationId: an integer chosen by
// Volt, random and unique.
type Reservation struct {
	ID          int64             `json:"id"`
	CPID        string            `json:"cpid"`
	ConnectorID int               `json:"connectorId"`
	IDTag       string            `json:"idTag"`
	ParentIDTag string            `json:"parentIdTag,omitempty"`
	UserID      string            `json:"userId,omitempty"`
	ExpiresAt   time.Time         `json:"expiresAt"`
	Status      ReservationStatus `json:"status"`
	CreatedAt   time.Time         `json:"createdAt"`
	UpdatedAt   time.Time         `json:"updatedAt"`
}

// LocalListEntry is one idTag of a charger's local authorisation list (OCPP
// 1.6 SendLocalList, §5.15). An empty Status removes the idTag in a
// differential update.
type LocalListEntry struct {
	IDTag       string     `json:"idTag"`
	Status      AuthStatus `json:"status,omitempty"`
	ExpiresAt   *time.Time `json:"expiryDate,omitempty"`
	ParentIDTag string     `json:"parentIdTag,omitempty"`
}

// ReservationService keeps reservations and local authorisation lists for the
// gateway's ReserveNow, CancelReservation and SendLocalList commands.
type ReservationService interface {
	// SaveReservation creates r (choosing its ID when 0) or replaces the
	// reservation with its ID (OCPP: a ReserveNow with a known id replaces).
	SaveReservation(ctx context.Context, r *Reservation) error
	CancelReservation(ctx context.Context, cpid string, id int64) error
	// FindReservations lists a charger's reservations, active ones only when
	// activeOnly.
	FindReservations(ctx context.Context, cpid string, activeOnly bool) ([]*Reservation, error)
	// SaveLocalList records a list sent to the charger: full replaces it,
	// otherwise entries are a differential update. version is the list's new
	// version.
	SaveLocalList(ctx context.Context, cpid string, version int, entries []LocalListEntry, full bool) error
	// LocalListVersion returns the version of the charger's list, 0 if none.
	LocalListVersion(ctx context.Context, cpid string) (int, error)
}
