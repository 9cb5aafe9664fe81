package volt

import (
	"context"
	"encoding/json"
	"time"
)

// BootInfo is what a charger reports about itself at boot.
type BootInfo struct {
	Vendor, Model, SerialNumber, Firmware, ICCID, IMSI, MeterType string
	OCPPVersion                                                   string
	At                                                            time.Time
}

// StatusReport is a connector status change reported by a charger.
type StatusReport struct {
	CPID        string
	ConnectorID int
	Status      ConnectorStatus
	ErrorCode   string
	Info        string
	VendorError string
	At          time.Time // the charger's time stamp, or receipt time
}

// StartRequest is a charger's StartTransaction.
type StartRequest struct {
	CPID          string
	ConnectorID   int
	IDTag         string
	MeterStart    int64 // Wh
	At            time.Time
	ReservationID *int64
	ReceivedAt    time.Time // when Volt got it: At much earlier means an offline start
	Flags         []string  // noticed on the way in (FlagSanitizedInput), kept on the session
	// ChargerTransactionID is the transactionId an OCPP 2.0.1/2.1 charger
	// chose. When set, it alone identifies a replay of the start: a second
	// start with the same id answers the first session, Replayed.
	ChargerTransactionID string
	// NoAuthorization is a start no token was asked for: an OCPP 2.x
	// idToken of type NoAuthorization, from a station that lets anyone
	// charge (C02.FR.02). It is accepted as free vend (issue #13).
	NoAuthorization bool
}

// StartResult answers a StartTransaction. The answer is always a normal one:
// refusals are in Auth, the transaction id is always issued so the charger can
// stop it (OCPP 1.6 §5.? "transactionId shall be returned").
type StartResult struct {
	TransactionID int64
	Auth          AuthResult
	Session       *Session
	Replayed      bool // the same start was recorded before; same answer
	// Superseded are the CDRs of sessions this start closed: a connector's
	// new transaction ends the one still open there (the charger has moved
	// on). Empty on a replay: they were closed by the first one.
	Superseded []*CDR
}

// StopRequest is a charger's StopTransaction.
type StopRequest struct {
	CPID          string
	TransactionID int64
	IDTag         string
	MeterStop     int64 // Wh
	At            time.Time
	Reason        string
	Samples       []MeterSample // transactionData
	Flags         []string      // noticed on the way in (FlagSanitizedInput), kept on the session
}

// StopResult answers a StopTransaction.
type StopResult struct {
	Auth     *AuthResult // status of the stop idTag, when one was sent
	Session  *Session
	CDR      *CDR
	Replayed bool
}

// MeterReport is a MeterValues message: samples for a connector, optionally
// of a transaction.
type MeterReport struct {
	CPID          string
	ConnectorID   int
	TransactionID *int64
	Samples       []MeterSample
}

// FrameLog is one OCPP frame in or out of a charger connection.
type FrameLog struct {
	ID        int64     `json:"id"`
	CPID      string    `json:"cpid"`
	Identity  string    `json:"identity"`
	Direction string    `json:"direction"` // "in" (from charger) or "out"
	Action    string    `json:"action,omitempty"`
	UniqueID  string    `json:"uniqueId,omitempty"`
	Frame     string    `json:"frame"`
	At        time.Time `json:"at"`
	// Flags says what was wrong with the frame's text (FlagSanitizedInput:
	// control characters or invalid UTF-8, replaced before use).
	Flags string `json:"flags,omitempty"`
}

// ChargingService is what the OCPP gateway needs from the domain. Each method
// is idempotent for replayed charger messages and runs in one transaction.
type ChargingService interface {
	// AuthenticateCharger checks an OCPP identity and Basic-auth password.
	// Unknown identity and wrong password are the same EUNAUTHORIZED.
	AuthenticateCharger(ctx context.Context, identity, password string) (*Charger, error)
	// ChargerRelaxations returns the relaxations switched on for the model.
	ChargerRelaxations(ctx context.Context, cpid string) ([]string, error)
	RecordConnection(ctx context.Context, cpid string, online bool, ocppVersion string, at time.Time) error
	RecordBoot(ctx context.Context, cpid string, b BootInfo) error
	RecordHeartbeat(ctx context.Context, cpid string, at time.Time) error
	RecordStatus(ctx context.Context, r StatusReport) error
	RecordConfiguration(ctx context.Context, cpid string, keys []ConfigKey) error
	AuthorizeIDTag(ctx context.Context, cpid, idTag string) (AuthResult, error)
	StartTransaction(ctx context.Context, r StartRequest) (*StartResult, error)
	RecordMeterValues(ctx context.Context, r MeterReport) (*Session, error)
	StopTransaction(ctx context.Context, r StopRequest) (*StopResult, error)
	// CloseZombieSessions closes sessions open on a connector (0: all of
	// the charger) that the charger says are over (Available, or a reboot).
	CloseZombieSessions(ctx context.Context, cpid string, connectorID int, reason string, at time.Time) ([]*CDR, error)
	// LogFrames stores frames in the message log, all or none. A frame
	// without an ID gets one, kept if the same batch is given again.
	LogFrames(ctx context.Context, frames []FrameLog) error

	FindSessionByID(ctx context.Context, id string) (*Session, error)
	// FindMeterValues returns every sampled value stored for a session the
	// actor may see, in time order, as the charger sent them.
	FindMeterValues(ctx context.Context, sessionID string) ([]MeterSample, error)
	FindSessions(ctx context.Context, f SessionFilter) ([]*Session, int, error)
	FindCDRs(ctx context.Context, f SessionFilter) ([]*CDR, int, error)
	FindFrames(ctx context.Context, cpid string, before int64, limit int) ([]*FrameLog, error)
	FindConfiguration(ctx context.Context, cpid string) ([]ConfigKey, error)
}

// ConfigKey is one configuration key of a charger, as read by GetConfiguration.
type ConfigKey struct {
	Key      string  `json:"key"`
	Value    *string `json:"value"`
	Readonly bool    `json:"readonly"`
}

// ChargerCommander sends a CSMS-initiated OCPP call to a charger and waits for
// its answer. In one process it is the gateway; across nodes it routes over
// NATS to the node that holds the connection. Errors: ECHARGEROFFLINE,
// ETIMEOUT, ECALLERROR (Details holds the CALLERROR), ENOTFOUND.
type ChargerCommander interface {
	Call(ctx context.Context, cpid, action string, request any) (json.RawMessage, error)
}
