package volt

import (
	"context"
	"time"
)

// OCPIConnectorState is a connector as OCPI status pushes read it: its
// status, its charger's, and the position of its latest change.
type OCPIConnectorState struct {
	CPID           string
	CPOID          string
	SiteID         string
	ChargerGroupID string
	ConnectorID    int
	Type           ConnectorType
	Status         ConnectorStatus
	StatusAt       time.Time // as the charger reported it
	Online         bool
	// ChargerUpdatedAt is when the charger last changed (online or
	// offline among others).
	ChargerUpdatedAt time.Time
	// Position is the server's time (Unix ms) of the latest change of the
	// connector's status or of its charger: what a feed's position counts.
	Position int64
}

// OCPIStatusFeed is one eMSP partner's status pushes as a node holds
// them: every change up to Position has been delivered; Resync is the
// generation of its last full resync (a new one sends every EVSE again).
type OCPIStatusFeed struct {
	PartnerID string
	Position  int64
	Resync    int64
	// Until is when the node's claim of the feed ends.
	Until time.Time
}

// OCPIStatusFeedStore keeps status pushes without a row per change:
// each partner's feed reads the connectors changed since its position
// (reads only) and moves the position once they are delivered.
type OCPIStatusFeedStore interface {
	// ChangedConnectors returns the connectors of live chargers whose
	// status or charger changed after since (a position), by position.
	ChangedConnectors(ctx context.Context, since int64) ([]OCPIConnectorState, error)
	// ClaimOCPIStatusFeeds returns the feeds of the partners that holder
	// holds until at least now+lease/2, claiming (for now+lease) the ones
	// free, expired or its own about to expire; feeds another holder holds
	// are left out. A partner's first claim creates its feed (position 0:
	// every EVSE).
	ClaimOCPIStatusFeeds(ctx context.Context, holder string, partnerIDs []string, now time.Time, lease time.Duration) ([]OCPIStatusFeed, error)
	// AdvanceOCPIStatusFeed records that holder delivered the partner's
	// changes up to position (it never goes back) and extends its claim to
	// until; false when holder no longer holds the feed or its resync
	// generation is no longer resync (a resync came meanwhile).
	AdvanceOCPIStatusFeed(ctx context.Context, holder, partnerID string, resync, position int64, until time.Time) (bool, error)
	// ReleaseOCPIStatusFeeds ends holder's claims (a node stopping).
	ReleaseOCPIStatusFeeds(ctx context.Context, holder string) error
	// ResyncOCPIStatusFeeds sends every EVSE to the partners again (nil:
	// every partner): position 0 and a new resync generation.
	ResyncOCPIStatusFeeds(ctx context.Context, partnerIDs []string) error
}
