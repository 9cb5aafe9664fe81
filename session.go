package volt

import (
	"encoding/json"
	"time"
)

// AuthStatus is the outcome of authorising an idTag (OCPP 1.6 §7.2
// AuthorizationStatus).
type AuthStatus string

// Authorisation outcomes.
const (
	AuthAccepted     AuthStatus = "Accepted"
	AuthBlocked      AuthStatus = "Blocked"
	AuthExpired      AuthStatus = "Expired"
	AuthInvalid      AuthStatus = "Invalid"
	AuthConcurrentTx AuthStatus = "ConcurrentTx"
)

// AuthResult is the answer to an idTag: the status, and when accepted, who it
// is. Reason explains a refusal for the message log and the support console.
type AuthResult struct {
	Status      AuthStatus
	UserID      string
	ExpiresAt   *time.Time
	ParentIDTag string
	Reason      string
	FreeVend    bool // engineers charging for testing
}

// SessionStatus is where a session is in its life.
type SessionStatus string

// Session statuses.
const (
	SessionActive    SessionStatus = "active"
	SessionCompleted SessionStatus = "completed"
)

// Session flags: facts about a session an operator should review.
const (
	FlagOfflineStart      = "offline_start"       // started while the charger was offline, reported late
	FlagUnknownStop       = "unknown_transaction" // StopTransaction for an id Volt never issued
	FlagZombieClosed      = "zombie_closed"       // closed by status/boot, no StopTransaction came
	FlagMeterBackwards    = "meter_backwards"     // meterStop < meterStart: energy set to 0
	FlagEnergyImplausible = "energy_implausible"  // more energy than the connector could deliver
	FlagIDTagRejected     = "idtag_rejected"      // started with an idTag that was not accepted
	FlagLateStop          = "late_stop"           // StopTransaction came after the session was closed
)

// Session is one transaction: power transfer on a connector with its payment.
// Hierarchy ids are copied at start so moving a charger keeps history.
type Session struct {
	ID            string `json:"id"`
	TransactionID int64  `json:"transactionId"` // OCPP transactionId, random, unique
	// ChargerTransactionID is the transactionId an OCPP 2.0.1/2.1 charger
	// chose (TransactionEvent); empty for 1.6 sessions.
	ChargerTransactionID string        `json:"chargerTransactionId,omitempty"`
	CPID                 string        `json:"cpid"`
	ConnectorID          int           `json:"connectorId"`
	CPOID                string        `json:"cpoId"`
	OwnerID              string        `json:"ownerId"`
	SiteID               string        `json:"siteId"`
	ChargerGroupID       string        `json:"chargerGroupId"`
	IDTag                string        `json:"idTag"`
	UserID               string        `json:"userId,omitempty"`
	Status               SessionStatus `json:"status"`
	StartedAt            time.Time     `json:"startedAt"`
	StoppedAt            *time.Time    `json:"stoppedAt"`
	MeterStart           int64         `json:"meterStart"` // Wh
	MeterStop            *int64        `json:"meterStop"`  // Wh
	LastMeterWh          int64         `json:"lastMeterWh"`
	LastMeterAt          *time.Time    `json:"lastMeterAt"`
	PowerW               int64         `json:"powerW"` // last reported active power import
	SoCPercent           *int          `json:"socPercent,omitempty"`
	EnergyWh             int64         `json:"energyWh"`
	// ExportedWh is the energy the car gave back (V2X, OCPP 2.1): the rise
	// of the station's Energy.Active.Export.Register over the session,
	// set when the session completes.
	ExportedWh    int64    `json:"exportedWh,omitempty"`
	StopReason    string   `json:"stopReason,omitempty"`
	Flags         []string `json:"flags"`
	ReservationID *int64   `json:"reservationId,omitempty"`
	PaymentMethod string   `json:"paymentMethod,omitempty"`
	// TariffSnapshot is the tariff in force at start, frozen (see Tariff).
	TariffSnapshot json.RawMessage `json:"tariffSnapshot,omitempty"`
	// LiveCost is the cost at the last meter reading, from the same pricing
	// function as the CDR.
	LiveCost  *Cost     `json:"liveCost,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Ref returns the session's place in the hierarchy.
func (s *Session) Ref() Ref {
	return Ref{CPOID: s.CPOID, OwnerID: s.OwnerID, ChargerGroupID: s.ChargerGroupID}
}

// EnergyBetween returns the energy of a transaction from its register
// readings and the flags to set: a meter that went backwards (meter swap)
// yields 0 and FlagMeterBackwards, never a negative bill.
func EnergyBetween(meterStart, meterStop int64) (wh int64, flags []string) {
	if meterStop < meterStart {
		return 0, []string{FlagMeterBackwards}
	}
	return meterStop - meterStart, nil
}

// CDR is the charge detail record written once when a session ends. It is
// never changed afterwards: corrections are new CDRs that reference it.
type CDR struct {
	ID              string    `json:"id"`
	SessionID       string    `json:"sessionId"`
	TransactionID   int64     `json:"transactionId"`
	CPID            string    `json:"cpid"`
	ConnectorID     int       `json:"connectorId"`
	CPOID           string    `json:"cpoId"`
	OwnerID         string    `json:"ownerId"`
	SiteID          string    `json:"siteId"`
	ChargerGroupID  string    `json:"chargerGroupId"`
	IDTag           string    `json:"idTag"`
	UserID          string    `json:"userId,omitempty"`
	StartedAt       time.Time `json:"startedAt"`
	StoppedAt       time.Time `json:"stoppedAt"`
	DurationSeconds int64     `json:"durationSeconds"`
	MeterStart      int64     `json:"meterStart"`
	MeterStop       int64     `json:"meterStop"`
	EnergyWh        int64     `json:"energyWh"`
	ExportedWh      int64     `json:"exportedWh,omitempty"` // given back (V2X), credited in TotalCost
	StopReason      string    `json:"stopReason"`
	Flags           []string  `json:"flags"`
	PaymentMethod   string    `json:"paymentMethod,omitempty"`
	TotalCost       *Cost     `json:"totalCost,omitempty"`
	CreditsCDRID    string    `json:"creditsCdrId,omitempty"` // a correction of that CDR
	CreatedAt       time.Time `json:"createdAt"`
}

// NewCDR assembles the CDR of a completed session. cost is nil until the money
// layer prices it (see PriceSession).
func NewCDR(s *Session, cost *Cost) *CDR {
	stop := s.StartedAt
	if s.StoppedAt != nil {
		stop = *s.StoppedAt
	}
	var meterStop int64 = s.LastMeterWh
	if s.MeterStop != nil {
		meterStop = *s.MeterStop
	}
	dur := int64(stop.Sub(s.StartedAt) / time.Second)
	if dur < 0 {
		dur = 0
	}
	return &CDR{
		SessionID: s.ID, TransactionID: s.TransactionID, CPID: s.CPID, ConnectorID: s.ConnectorID,
		CPOID: s.CPOID, OwnerID: s.OwnerID, SiteID: s.SiteID, ChargerGroupID: s.ChargerGroupID,
		IDTag: s.IDTag, UserID: s.UserID, StartedAt: s.StartedAt, StoppedAt: stop,
		DurationSeconds: dur, MeterStart: s.MeterStart, MeterStop: meterStop, EnergyWh: s.EnergyWh, ExportedWh: s.ExportedWh,
		StopReason: s.StopReason, Flags: s.Flags, PaymentMethod: s.PaymentMethod, TotalCost: cost,
	}
}

// MeterSample is one sampled value of a MeterValues message, kept as sent
// (value as a decimal string) with every measurand, phase and context.
type MeterSample struct {
	Timestamp time.Time `json:"timestamp"`
	Measurand string    `json:"measurand"` // default Energy.Active.Import.Register
	Phase     string    `json:"phase,omitempty"`
	Location  string    `json:"location,omitempty"`
	Context   string    `json:"context,omitempty"`
	Unit      string    `json:"unit,omitempty"`
	Format    string    `json:"format,omitempty"`
	Value     string    `json:"value"`
}

// SessionFilter narrows a list of sessions or CDRs.
type SessionFilter struct {
	ID             string
	CPID           string
	CPOID          string
	OwnerID        string
	SiteID         string
	ChargerGroupID string
	UserID         string
	Status         SessionStatus
	From, To       *time.Time // on StartedAt
	Page
}
