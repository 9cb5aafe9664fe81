package volt

import (
	"context"
	"strings"
	"time"
)

// Terminal is a contactless payment terminal (Payter-style) mounted on a
// charger: a card tapped on it is pre-authorised for a connector of that
// charger, and the session that follows is captured at its CDR. ConnectorID
// 0 means the terminal serves every connector (the tap names one).
// The terminal authenticates to the API with an API key shown once at
// registration and stored hashed.
type Terminal struct {
	ID             string    `json:"id"`
	CPID           string    `json:"chargerCpid"`
	ConnectorID    int       `json:"connectorId,omitempty"`
	Provider       string    `json:"provider"` // the terminal maker ("payter", "sandbox")
	Serial         string    `json:"serial"`
	CPOID          string    `json:"cpoId"`
	OwnerID        string    `json:"ownerId"`
	ChargerGroupID string    `json:"chargerGroupId"`
	CreatedAt      time.Time `json:"createdAt"`
}

// Ref locates the terminal in the hierarchy: its charger's place.
func (t *Terminal) Ref() Ref {
	return Ref{CPOID: t.CPOID, OwnerID: t.OwnerID, ChargerGroupID: t.ChargerGroupID}
}

// Validate checks a terminal before it is registered.
func (t *Terminal) Validate() error {
	t.Provider, t.Serial = strings.TrimSpace(t.Provider), strings.TrimSpace(t.Serial)
	switch {
	case t.CPID == "":
		return FieldError("chargerCpid", "A terminal is registered to a charger.")
	case t.ConnectorID < 0:
		return FieldError("connectorId", "Connector must be from 1 (or absent for all), got %d.", t.ConnectorID)
	case t.Provider == "" || len(t.Provider) > 40:
		return FieldError("provider", "Provider must be 1 to 40 characters.")
	case t.Serial == "" || len(t.Serial) > 64:
		return FieldError("serial", "Serial must be 1 to 64 characters.")
	}
	return nil
}

// TerminalFilter selects terminals.
type TerminalFilter struct {
	CPID string
	Page Page
}

// TerminalTap is a card tapped on a terminal: pre-authorise Amount (0: the
// CPO's hold amount) on the card for ConnectorID (0: the terminal's own).
type TerminalTap struct {
	TerminalID     string
	ConnectorID    int
	Amount         int64  // minor units; 0 for the CPO's default hold
	Currency       string // of Amount; empty: the CPO's
	Card           string
	IdempotencyKey string
}

// TerminalAuthorization is the answer to a tap: the payment held and the
// idTag the charger is started with (RemoteStartTransaction), which binds
// the session to the hold.
type TerminalAuthorization struct {
	Payment *Payment `json:"payment"`
	IDTag   string   `json:"idTag"`
	// Start is the charger's answer to the remote start ("Accepted",
	// "Rejected") or why it could not be sent; set by the API.
	Start string `json:"start,omitempty"`
	// Replayed is true when the idempotency key was seen before: the
	// payment of the first tap, and no second start.
	Replayed bool `json:"replayed,omitempty"`
}

// TerminalReceipt is what a terminal shows once a session it paid for is
// settled: the energy, the CDR cost and what was captured and released.
type TerminalReceipt struct {
	PaymentID string       `json:"paymentId"`
	State     PaymentState `json:"state"`
	CPID      string       `json:"cpid"`
	Connector int          `json:"connectorId"`
	SessionID string       `json:"sessionId,omitempty"`
	EnergyWh  int64        `json:"energyWh"`
	Cost      *Cost        `json:"cost,omitempty"`
	Currency  string       `json:"currency"`
	Held      int64        `json:"held"`
	Captured  int64        `json:"captured"`
	Released  int64        `json:"released"`
}

// TerminalService registers contactless terminals and serves their calls.
// Operators register terminals on chargers in their write scope; a terminal
// acts only through its own key (an Actor with TerminalID) and only on its
// charger.
type TerminalService interface {
	// CreateTerminal registers t and returns its API key (shown once).
	CreateTerminal(ctx context.Context, t *Terminal) (apiKey string, err error)
	FindTerminalByID(ctx context.Context, id string) (*Terminal, error)
	FindTerminals(ctx context.Context, f TerminalFilter) ([]*Terminal, int, error)
	DeleteTerminal(ctx context.Context, id string) error
	// AuthenticateTerminal resolves an API key to the terminal's actor; a
	// wrong or revoked key is EUNAUTHORIZED.
	AuthenticateTerminal(ctx context.Context, apiKey string) (*Actor, error)
	// Tap pre-authorises a card tapped on the terminal. A declined card is
	// EUNPROCESSABLE, a provider outage EUNAVAILABLE: nothing is held.
	Tap(ctx context.Context, tap TerminalTap) (*TerminalAuthorization, error)
	// TerminalReceipt is the summary of a payment taken on the terminal.
	TerminalReceipt(ctx context.Context, terminalID, paymentID string) (*TerminalReceipt, error)
}

// IsTerminalKey reports whether a bearer token is a terminal API key rather
// than a user's session token.
func IsTerminalKey(token string) bool { return strings.HasPrefix(token, TerminalKeyPrefix) }

// TerminalKeyPrefix starts every terminal API key.
const TerminalKeyPrefix = "vtk_"
