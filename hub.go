package volt

import "context"

// Hubs (issue 16 item 5): one OCPP connection whose sockets are separate
// chargers, each with its own CPID, everywhere (portal, app, stickers,
// prices, sessions, CDRs, reports).

// MaxHubSockets is the most sockets one hub may have.
const MaxHubSockets = 64

// HubCreate is what onboarding a hub takes.
type HubCreate struct {
	ChargerGroupID string
	OCPPIdentity   string // empty: the first socket's CPID
	Sockets        int
}

// HubCredentials is the one-time answer of onboarding a hub: its sockets'
// CPIDs and the OCPP password of its connection.
type HubCredentials struct {
	Hub
	OCPPPassword string `json:"ocppPassword"`
}

// HubService onboards and lists hubs. Reads are scoped like the hubs'
// chargers; onboarding needs write access to the charger group.
type HubService interface {
	CreateHub(ctx context.Context, h HubCreate) (*HubCredentials, error)
	FindHubs(ctx context.Context, f Filter) ([]*Hub, int, error)
	FindHubByID(ctx context.Context, id string) (*Hub, error)
	// HubTransactionCPID returns the socket CPID of the hub that holds
	// the session of a transaction id (the gateway routes a StopTransaction,
	// which names no connector, by it).
	HubTransactionCPID(ctx context.Context, hubID string, transactionID int64) (string, error)
}

// Socket returns the hub's socket with hub connector n.
func (h *Hub) Socket(n int) (HubSocket, bool) {
	for _, s := range h.Sockets {
		if s.HubConnectorID == n {
			return s, true
		}
	}
	return HubSocket{}, false
}

// SocketOf returns the hub's socket of a charger connector.
func (h *Hub) SocketOf(cpid string) (HubSocket, bool) {
	for _, s := range h.Sockets {
		if s.CPID == cpid {
			return s, true
		}
	}
	return HubSocket{}, false
}
