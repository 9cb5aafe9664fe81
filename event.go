package volt

import (
	"context"
	"time"
)

// Event types published on the bus after the change they describe is
// committed.
const (
	EventChargerConnected    = "charger.connected"
	EventChargerDisconnected = "charger.disconnected"
	EventChargerBooted       = "charger.booted"
	EventConnectorStatus     = "connector.status"
	EventSessionStarted      = "session.started"
	EventSessionUpdated      = "session.updated" // meter values, live cost
	EventSessionStopped      = "session.stopped"
	EventCDRCreated          = "cdr.created"
)

// Event is something that happened, for live views, load management, OCPI and
// other nodes. Data is the resource as it is now (a *Session, a *Connector...).
type Event struct {
	Type  string    `json:"type"`
	CPID  string    `json:"cpid,omitempty"`
	CPOID string    `json:"cpoId,omitempty"`
	At    time.Time `json:"at"`
	Data  any       `json:"data,omitempty"`
}

// EventBus carries events in process (inmem) or between nodes (natsbus).
// Publish never blocks on a slow subscriber: a subscriber whose buffer is full
// loses events and is told so by a closed channel.
type EventBus interface {
	Publish(ctx context.Context, e Event)
	// Subscribe returns a channel of events and a function that ends the
	// subscription.
	Subscribe() (<-chan Event, func())
}
