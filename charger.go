package volt

import (
	"context"
	"time"
)

// ConnectorStatus is a connector's OCPP status (1.6 ChargePointStatus; 2.0.1
// ConnectorStatus maps onto it).
type ConnectorStatus string

// Connector statuses.
const (
	StatusAvailable     ConnectorStatus = "Available"
	StatusPreparing     ConnectorStatus = "Preparing"
	StatusCharging      ConnectorStatus = "Charging"
	StatusSuspendedEVSE ConnectorStatus = "SuspendedEVSE"
	StatusSuspendedEV   ConnectorStatus = "SuspendedEV"
	StatusFinishing     ConnectorStatus = "Finishing"
	StatusReserved      ConnectorStatus = "Reserved"
	StatusUnavailable   ConnectorStatus = "Unavailable"
	StatusFaulted       ConnectorStatus = "Faulted"
	StatusUnknown       ConnectorStatus = "Unknown"
)

// Connector is one socket (EVSE) of a charger. ConnectorID 0 is the charger as
// a whole, as in OCPP 1.6.
type Connector struct {
	CPID        string          `json:"cpid"`
	ConnectorID int             `json:"connectorId"`
	Type        ConnectorType   `json:"type"`
	PowerType   PowerType       `json:"powerType"`
	Format      ConnectorFormat `json:"format"` // follows Type
	MaxPowerW   int             `json:"maxPowerW"`
	MaxCurrentA int             `json:"maxCurrentA"`
	MaxVoltageV int             `json:"maxVoltageV"`
	Status      ConnectorStatus `json:"status"`
	ErrorCode   string          `json:"errorCode"`
	Info        string          `json:"info,omitempty"`
	VendorError string          `json:"vendorErrorCode,omitempty"`
	StatusAt    time.Time       `json:"statusAt"`
}

// Charger is a charge point, identified platform-wide by its CPID. Its OCPP
// identity (the last path element of its websocket URL) may be the CPID or its
// serial. A charger behind a hub has HubID set and shares the hub's connection.
type Charger struct {
	CPID           string      `json:"cpid"`
	OCPPIdentity   string      `json:"ocppIdentity"`
	HubID          string      `json:"hubId,omitempty"`
	CPOID          string      `json:"cpoId"`
	OwnerID        string      `json:"ownerId"`
	SiteID         string      `json:"siteId"`
	ChargerGroupID string      `json:"chargerGroupId"`
	Name           string      `json:"name"`
	Vendor         string      `json:"vendor"`
	Model          string      `json:"model"`
	SerialNumber   string      `json:"serialNumber"`
	Firmware       string      `json:"firmwareVersion"`
	ICCID          string      `json:"iccid,omitempty"`
	IMSI           string      `json:"imsi,omitempty"`
	MeterType      string      `json:"meterType,omitempty"`
	OCPPVersion    string      `json:"ocppVersion"` // subprotocol of the last connection
	Online         bool        `json:"online"`
	LastSeenAt     *time.Time  `json:"lastSeenAt"`
	BootedAt       *time.Time  `json:"bootedAt"`
	Connectors     []Connector `json:"connectors"`
	CreatedAt      time.Time   `json:"createdAt"`
	UpdatedAt      time.Time   `json:"updatedAt"`

	// PasswordHash is the hash of the OCPP Basic-auth password. The plain
	// password exists only in the onboarding answer.
	PasswordHash string `json:"-"`
	// Handshake is what ChargingService.AuthenticateCharger reads with the
	// password, so that a connection needs no further read to start. Nil
	// everywhere else.
	Handshake *ChargerHandshake `json:"-"`
}

// ChargerHandshake is what a connection needs besides the charger, read
// with its password by ChargingService.AuthenticateCharger.
type ChargerHandshake struct {
	// Security is the charger's security state, as
	// ChargerSecurityService.FindChargerSecurity returns it.
	Security ChargerSecurity
	// Relaxations are the OCPP relaxations of the charger's stored make and
	// model, as ChargingService.ChargerRelaxations returns them, when
	// RelaxationsRead: a stored list that does not decode is left to that
	// method, which reports it.
	Relaxations     []string
	RelaxationsRead bool
}

// Ref returns the charger's place in the hierarchy.
func (c *Charger) Ref() Ref {
	return Ref{CPOID: c.CPOID, OwnerID: c.OwnerID, ChargerGroupID: c.ChargerGroupID, CPID: c.CPID}
}

// ChargerModel is a make/model of charger in the platform's catalogue:
// whether it is certified (who certified it, when, on which firmware and OCPP
// versions, with which test report), and the named OCPP validation
// relaxations its firmware needs (never switched on globally).
type ChargerModel struct {
	ID               string     `json:"id"`
	Vendor           string     `json:"vendor"`
	Model            string     `json:"model"`
	Certified        bool       `json:"certified"`
	FirmwareVersions []string   `json:"firmwareVersions"`
	OCPPVersions     []string   `json:"ocppVersions"`
	Relaxations      []string   `json:"relaxations"`
	Notes            string     `json:"notes"`
	CertifiedBy      string     `json:"certifiedBy,omitempty"` // the super admin's e-mail
	CertifiedAt      *time.Time `json:"certifiedAt"`
	// ConnectorDefaults fill the facts of a booting charger's connectors
	// that nobody set (issue 16 item 6).
	ConnectorDefaults ConnectorDefaults `json:"connectorDefaults"`
	Report            *ModelReport      `json:"report"`
	UpdatedAt         time.Time         `json:"updatedAt"`
}

// Hub is one OCPP connection whose connectors appear as several chargers
// (CPIDs): hub connector N is socket N, the charger's connector Sockets[i].
// The hub's OCPP identity and password are those of its first socket's
// charger; the gateway routes each connector's frames to its socket's CPID
// and each CPID's commands to the hub (gateway/hub.go).
type Hub struct {
	ID             string      `json:"id"`
	OCPPIdentity   string      `json:"ocppIdentity"`
	CPOID          string      `json:"cpoId"`
	OwnerID        string      `json:"ownerId"`
	ChargerGroupID string      `json:"chargerGroupId"`
	Sockets        []HubSocket `json:"sockets"`
	CreatedAt      time.Time   `json:"createdAt"`
}

// HubSocket maps a hub connector to a charger's connector.
type HubSocket struct {
	HubConnectorID int    `json:"hubConnectorId"`
	CPID           string `json:"cpid"`
	ConnectorID    int    `json:"connectorId"`
}

// ChargerFilter narrows a list of chargers.
type ChargerFilter struct {
	CPID           string
	CPOID          string
	OwnerID        string
	SiteID         string
	ChargerGroupID string
	Online         *bool
	Status         ConnectorStatus // any connector in this status
	Query          string          // CPID, identity, name, serial prefix
	Page
}

// ChargerCredentials is the one-time answer of onboarding.
type ChargerCredentials struct {
	CPID         string `json:"cpid"`
	OCPPIdentity string `json:"ocppIdentity"`
	OCPPPassword string `json:"ocppPassword"`
}

// ChargerService manages chargers and their connectors.
type ChargerService interface {
	FindChargerByCPID(ctx context.Context, cpid string) (*Charger, error)
	FindChargerByIdentity(ctx context.Context, identity string) (*Charger, error)
	FindChargers(ctx context.Context, f ChargerFilter) ([]*Charger, int, error)
	// CreateCharger allocates the next CPID (never reused), defaults the OCPP
	// identity to the CPID, generates a password and stores only its hash.
	CreateCharger(ctx context.Context, c *Charger, connectors int) (*ChargerCredentials, error)
	// UpdateCharger changes name and charger group (moving keeps history).
	UpdateCharger(ctx context.Context, c *Charger) error
	DeleteCharger(ctx context.Context, cpid string) error
	// ResetChargerPassword issues a new OCPP password.
	ResetChargerPassword(ctx context.Context, cpid string) (*ChargerCredentials, error)
	// UpdateConnector changes a connector's facts (type, power type,
	// ratings) on a charger the actor may write.
	UpdateConnector(ctx context.Context, cpid string, connectorID int, u ConnectorUpdate) (*Connector, error)

	FindChargerModels(ctx context.Context) ([]*ChargerModel, error)
	UpsertChargerModel(ctx context.Context, m *ChargerModel) error
}
