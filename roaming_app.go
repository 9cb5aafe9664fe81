package volt

import (
	"context"
	"time"
)

// Charging on a partner CPO's network from the driver app (issue 14,
// eMSP side): the app sends START_SESSION with the driver's APP_USER
// token, follows the command's result and the session the partner
// pushes, and sends STOP_SESSION.

// RoamingStart is a driver's start on a partner CPO's EVSE.
type RoamingStart struct {
	ID         string    `json:"id"`
	UserID     string    `json:"userId"`
	PartnerID  string    `json:"partnerId"`
	LocationID string    `json:"locationId"`
	EVSEUID    string    `json:"evseUid"`
	TokenUID   string    `json:"tokenUid"`
	CreatedAt  time.Time `json:"createdAt"`
	// SessionID is the partner's session the start led to, once seen.
	SessionID string `json:"sessionId,omitempty"`
}

// RoamingAppStore keeps drivers' APP_USER tokens and their starts on
// partner networks (system level; the caller authorises).
type RoamingAppStore interface {
	// OCPIAppToken returns the driver's APP_USER token uid, made on
	// first use (at most 20 characters: an OCPP 1.6 idTag).
	OCPIAppToken(ctx context.Context, userID, cpoID string) (string, error)
	CreateRoamingStart(ctx context.Context, s *RoamingStart) error
	// FindRoamingStart reads a start (ENOTFOUND).
	FindRoamingStart(ctx context.Context, id string) (*RoamingStart, error)
	// ClaimRoamingSession binds a partner's session to a start that has
	// none; false when another start of the partner has it.
	ClaimRoamingSession(ctx context.Context, startID, sessionID string) (bool, error)
	// FindDriverToken finds a card (RFID) or app token (APP_USER) of one
	// of the CPO's drivers (ENOTFOUND), for real-time authorisation.
	FindDriverToken(ctx context.Context, cpoID, uid, tokenType string) (*DriverToken, error)
	// FindDriverTokens lists every card and app token of the CPO's
	// drivers with its last change, for a partner CPO's pull.
	FindDriverTokens(ctx context.Context, cpoID string) ([]DriverToken, error)
}

// RoamingEVSE is one EVSE of a partner's location as the app shows it.
type RoamingEVSE struct {
	UID        string
	EVSEID     string
	Status     string // OCPI EVSE status: AVAILABLE, CHARGING, ...
	Connectors []string
}

// RoamingChargeView is what the app shows of a driver's start on a
// partner network: the command's results and the session the partner
// pushed (empty SessionID until it did).
type RoamingChargeView struct {
	Start        RoamingStart
	PartnerName  string
	LocationName string
	StartResult  string // "" until the partner posted it: ACCEPTED, REJECTED, TIMEOUT, ...
	StopResult   string
	SessionID    string
	Status       string // OCPI session status: ACTIVE, COMPLETED, ...
	EnergyWh     int64
	Currency     string
	CostInclVAT  string // the partner's running cost, as sent
	// Billed is the driver's charge once the CDR arrived (minor units,
	// margin included; 0 before).
	Billed int64
	CDRID  string
	// Receipt is the session's receipt once the CDR was billed.
	Receipt *RoamingReceipt
	// ChargeLimit is the partner's charging limit on the active session
	// now, from its active charging profile ("16 A"; "": none known).
	ChargeLimit string
}

// RoamingCharging is the driver app's charging on partner networks; every
// method authorises the driver in ctx (another driver's start, or a
// partner of another CPO, is ENOTFOUND).
type RoamingCharging interface {
	FindRoamingLocation(ctx context.Context, partnerID, locationID string) (*RoamingLocation, []RoamingEVSE, error)
	StartRoaming(ctx context.Context, partnerID, locationID, evseUID string) (*RoamingStart, error)
	FindRoamingCharge(ctx context.Context, startID string) (*RoamingChargeView, error)
	StopRoaming(ctx context.Context, startID string) error
}

// RoamingAuthorizer asks an eMSP partner in real time whether one of its
// tokens may charge at a location (OCPI 2.2.1 §12.2.1 POST
// tokens/{uid}/authorize), for whitelist NEVER and ALLOWED tokens. It
// answers within its own short deadline (an OCPP answer never waits
// longer): an error means no answer.
type RoamingAuthorizer interface {
	AuthorizeRealTime(ctx context.Context, partnerID, uid, tokenType, locationID string) (allowed string, err error)
}
