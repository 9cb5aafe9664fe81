package volt

import "context"

// EventAuthorization is published after Volt answered an idTag for a charger:
// an Authorize, or the idTagInfo of a StartTransaction that was not
// accepted. Data is an AuthorizationDecision.
const EventAuthorization = "authorization.decided"

// AuthorizationDecision is the Data of EventAuthorization.
type AuthorizationDecision struct {
	CPID        string     `json:"cpid"`
	ConnectorID int        `json:"connectorId"` // 0 for Authorize
	IDTag       string     `json:"idTag"`
	Action      string     `json:"action"` // "Authorize" or "StartTransaction"
	Status      AuthStatus `json:"status"`
	Reason      string     `json:"reason,omitempty"`
}

// RemoteStartRequest asks a charger to start charging for an idTag;
// ConnectorID 0 lets the charger choose.
type RemoteStartRequest struct {
	ConnectorID int
	IDTag       string
}

// Outcomes of a remote start that waited.
const (
	RemoteStartStarted    = "started"     // a session started: Session
	RemoteStartRejected   = "rejected"    // the charger refused the command itself
	RemoteStartRefused    = "refused"     // the card was refused (AuthStatus, Reason)
	RemoteStartNotPlugged = "not_plugged" // no cable within the connection timeout
	RemoteStartNoSession  = "no_session"  // the charger accepted, then nothing came in time
)

// RemoteStartOutcome is what came of a remote start: the charger's answer to
// the command and, when it accepted, whether a session started.
type RemoteStartOutcome struct {
	// Status is the charger's answer to the command (Accepted, Rejected).
	Status     string     `json:"status"`
	Outcome    string     `json:"outcome"`
	Reason     string     `json:"reason,omitempty"`
	AuthStatus AuthStatus `json:"authStatus,omitempty"`
	Session    *Session   `json:"session,omitempty"`
}

// RemoteStarter starts charging remotely and waits for the outcome, from the
// domain events of the bus (so the outcome is seen on any node).
// Errors: those of ChargerCommander (offline, timeout, CALLERROR).
type RemoteStarter interface {
	RemoteStartAndWait(ctx context.Context, cpid string, r RemoteStartRequest) (*RemoteStartOutcome, error)
}
