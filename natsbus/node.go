// Package natsbus carries Volt between nodes over NATS JetStream: the event
// bus (volt.EventBus) fed by the PostgreSQL outbox, charger commands routed
// to the node holding the connection (volt.ChargerCommander), the registry of
// which node holds which charger, and the leases that run a scheduled job
// once per period across the cluster. The inmem package is the same bus in
// one process.
//
// Subjects, streams and buckets:
//
//	volt.events.<type>        stream VOLT_EVENTS (24 h): every domain event
//	volt.node.<id>.call       a node's command inbox (request/reply)
//	KV volt_registry          CPID → holding node and its boot, written on connect, deleted on close
//	KV volt_nodes             node → boot: the node's one lease, renewed every LeaseTTL/3
//	KV volt_chargers          protocol 2's registry (per-charger leases), kept for rolling upgrades
//	KV volt_jobs              job.<name>.<period>: created once per period
//	KV volt_leaders           lead.<name> → node: a lease renewed by its holder (Lead)
//
// PostgreSQL stays the system of record (LESSONS 36-37): JetStream only
// carries what the outbox can replay, and every consumer is idempotent.
package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/inmem"
)

// Names of the JetStream objects Volt uses.
const (
	EventStream    = "VOLT_EVENTS"
	eventPrefix    = "volt.events."
	ChargersBucket = "volt_registry"
	NodesBucket    = "volt_nodes"
	// LegacyChargersBucket is cluster protocol 2's registry, whose entries
	// are leases of their own (version.go: what a mixed cluster does).
	LegacyChargersBucket = "volt_chargers"
	JobsBucket           = "volt_jobs"
	LeadersBucket        = "volt_leaders"
)

// Gateway is what a node needs of its own charger gateway.
type Gateway interface {
	volt.ChargerCommander
	// Connected reports whether the charger is connected to this node.
	Connected(cpid string) bool
	// Release closes the charger's connection on this node without
	// recording it offline: a newer connection on another node holds it.
	Release(cpid, reason string) bool
}

// Config configures a Node.
type Config struct {
	// Conn is the node's NATS connection.
	Conn *nats.Conn
	// NodeID names this node uniquely in the cluster.
	NodeID string
	// Replicas of the stream and buckets (1 to 5). Default 1.
	Replicas int
	// Direct tells which event types Publish sends straight to NATS; the
	// others are left to the outbox relay. Nil: every event is published
	// directly (and the stream drops the relay's copy, or the other way
	// round: eventID).
	Direct func(eventType string) bool
	// LeaseTTL is how long a node's lease lives without renewal: a node
	// that dies loses its chargers (their registry entries stop being
	// valid) after it. Default 30 s.
	LeaseTTL time.Duration
	// CallTimeout bounds a command forwarded to another node when the
	// caller's context has no deadline. Default 35 s.
	CallTimeout time.Duration
	// Logger logs trouble. Nil: discarded.
	Logger *slog.Logger
}

// Node is one voltd node's presence on NATS.
type Node struct {
	cfg   Config
	nc    *nats.Conn
	js    jetstream.JetStream
	local *inmem.Bus
	log   *slog.Logger

	chargers jetstream.KeyValue // the registry: CPID → holder
	nodes    jetstream.KeyValue // node → its lease (TTL LeaseTTL)
	legacy   jetstream.KeyValue // protocol 2's registry (rolling upgrades)
	jobs     jetstream.KeyValue
	leaders  jetstream.KeyValue

	// boot names this run of the node: an entry is valid only while its
	// node's lease carries the same boot, so a node restarted under the
	// same name does not vouch for its previous run's entries.
	boot     string
	leaseRev atomic.Uint64 // revision of this node's lease, 0 before the first write
	sweeping atomic.Bool   // a sweep of dead nodes' entries is running
	cache    *registryCache

	mu   sync.Mutex
	gw   Gateway
	held map[string]*lease // CPIDs connected here → their registry lease
	ops  []chan leaseOp    // claims and releases, by shardOf(cpid): applied in order per charger

	// OnNodeDead, when set before Attach, is called on the one node that
	// sweeps the registry (the leader of "registry.sweep") when another
	// node's lease has expired, with the time of its last renewal and the
	// connections its entries still name (CPID → fence), before the entries
	// are removed: the store records those chargers offline (issue 17). An
	// error leaves the entries for the next sweep, so it is called again.
	OnNodeDead func(ctx context.Context, node string, lastRenewal time.Time, chargers map[string]int64) error

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	subs   []*nats.Subscription
	stops  []func()
}

// Start creates (or joins) the stream and buckets and starts following the
// events for this node's subscribers. Attach the gateway before serving.
func Start(ctx context.Context, cfg Config) (*Node, error) {
	if cfg.Conn == nil || cfg.NodeID == "" {
		return nil, errors.New("natsbus: Conn and NodeID are required")
	}
	if cfg.Replicas <= 0 {
		cfg.Replicas = 1
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = 30 * time.Second
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = 35 * time.Second
	}
	if cfg.Direct == nil {
		cfg.Direct = func(string) bool { return true }
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	js, err := jetstream.New(cfg.Conn)
	if err != nil {
		return nil, fmt.Errorf("natsbus: jetstream: %w", err)
	}
	n := &Node{cfg: cfg, nc: cfg.Conn, js: js, local: inmem.NewBus(), log: log,
		held: map[string]*lease{}, ops: newLeaseQueues(),
		boot: randomBoot(), cache: newRegistryCache()}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	if err := n.setup(ctx); err != nil {
		n.cancel()
		return nil, err
	}
	if err := n.follow(ctx); err != nil {
		n.cancel()
		return nil, err
	}
	return n, nil
}

// setup creates the stream and buckets, retrying while the JetStream cluster
// elects its leader (a fresh cluster takes a few seconds).
func (n *Node) setup(ctx context.Context) error {
	return retry(ctx, 60*time.Second, func(ctx context.Context) error {
		_, err := n.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name:       EventStream,
			Subjects:   []string{eventPrefix + ">"},
			Retention:  jetstream.LimitsPolicy,
			MaxAge:     24 * time.Hour,
			Duplicates: 2 * time.Minute,
			Replicas:   n.cfg.Replicas,
			Storage:    jetstream.FileStorage,
		})
		if err != nil {
			return fmt.Errorf("stream %s: %w", EventStream, err)
		}
		n.chargers, err = n.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: ChargersBucket, Description: "CPID -> node holding its connection, valid while the node's lease lives",
			Replicas: n.cfg.Replicas, Storage: jetstream.FileStorage,
		})
		if err != nil {
			return fmt.Errorf("bucket %s: %w", ChargersBucket, err)
		}
		n.nodes, err = n.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: NodesBucket, Description: "node -> its boot, a lease renewed while the node runs",
			TTL: n.cfg.LeaseTTL, Replicas: n.cfg.Replicas, Storage: jetstream.FileStorage,
		})
		if err != nil {
			return fmt.Errorf("bucket %s: %w", NodesBucket, err)
		}
		n.legacy, err = n.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: LegacyChargersBucket, Description: "CPID -> node holding its connection (cluster protocol 2)",
			TTL: n.cfg.LeaseTTL, Replicas: n.cfg.Replicas, Storage: jetstream.FileStorage,
		})
		if err != nil {
			return fmt.Errorf("bucket %s: %w", LegacyChargersBucket, err)
		}
		n.jobs, err = n.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: JobsBucket, Description: "scheduled job runs, one key per job and period",
			TTL: 25 * time.Hour, Replicas: n.cfg.Replicas, Storage: jetstream.FileStorage,
		})
		if err != nil {
			return fmt.Errorf("bucket %s: %w", JobsBucket, err)
		}
		n.leaders, err = n.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: LeadersBucket, Description: "name -> node leading it (a site's load management loop)",
			TTL: n.cfg.LeaseTTL, Replicas: n.cfg.Replicas, Storage: jetstream.FileStorage,
		})
		if err != nil {
			return fmt.Errorf("bucket %s: %w", LeadersBucket, err)
		}
		return nil
	})
}

// retry calls f until it succeeds, ctx ends or the time is up.
func retry(ctx context.Context, within time.Duration, f func(context.Context) error) error {
	deadline := time.Now().Add(within)
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := f(cctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("natsbus: %w", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("natsbus: %w", ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// NodeID returns this node's name in the cluster.
func (n *Node) NodeID() string { return n.cfg.NodeID }

// Close stops following events, serving commands and renewing leases, and
// removes this node's registry entries. It does not close the connection.
func (n *Node) Close() error {
	for _, s := range n.subs {
		_ = s.Unsubscribe()
	}
	for _, stop := range n.stops {
		stop()
	}
	n.mu.Lock()
	attached := n.gw != nil
	n.mu.Unlock()
	if attached { // let the lease workers apply the releases of the last disconnections
		n.drainLeases(3 * time.Second)
	}
	n.cancel()
	n.wg.Wait()
	n.mu.Lock()
	held := n.held
	n.held = map[string]*lease{}
	n.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for cpid, l := range held {
		if rev := l.revision(); rev != 0 {
			_ = n.chargers.Delete(ctx, cpid, jetstream.LastRevision(rev))
		}
	}
	if rev := n.leaseRev.Load(); rev != 0 { // the others see this node gone at once
		_ = n.nodes.Delete(ctx, n.cfg.NodeID, jetstream.LastRevision(rev))
	}
	return nil
}

// wireEvent is an event on NATS: Data stays JSON until a consumer decodes it
// into the type it expects.
type wireEvent struct {
	Type  string          `json:"type"`
	CPID  string          `json:"cpid,omitempty"`
	CPOID string          `json:"cpoId,omitempty"`
	At    time.Time       `json:"at"`
	Data  json.RawMessage `json:"data,omitempty"`
}

// encodeEvent returns the event as sent on NATS and its message id (see
// eventID).
func encodeEvent(e volt.Event) ([]byte, string, error) {
	var raw json.RawMessage
	switch d := e.Data.(type) {
	case json.RawMessage:
		raw = d
	case nil:
	default:
		b, err := json.Marshal(d)
		if err != nil {
			return nil, "", fmt.Errorf("encode %s: %w", e.Type, err)
		}
		raw = b
	}
	b, err := json.Marshal(wireEvent{Type: e.Type, CPID: e.CPID, CPOID: e.CPOID, At: e.At, Data: raw})
	return b, eventID(e.Type, e.CPID, raw), err
}

// eventKey is what eventID reads of an event's data.
type eventKey struct {
	ID          string     `json:"id"`
	IDTag       string     `json:"idTag"`
	ConnectorID int        `json:"connectorId"`
	Status      string     `json:"status"`
	StatusAt    *time.Time `json:"statusAt"`
	LastMeterWh int64      `json:"lastMeterWh"`
	LastMeterAt *time.Time `json:"lastMeterAt"`
	PowerW      int64      `json:"powerW"`
}

// eventID names a domain event by what it says, so that two copies of it
// have the same JetStream message id and the stream keeps one (within its
// duplicate window): an outbox row relayed twice (a batch sent again after
// its commit failed, a lagging node's row also taken as stale), or, where
// Config.Direct lets the gateway's copy through as well, that copy and the
// relay's. "" for events without a natural key.
func eventID(typ, cpid string, data json.RawMessage) string {
	var k eventKey
	if len(data) == 0 || json.Unmarshal(data, &k) != nil {
		return ""
	}
	ms := func(t *time.Time) int64 {
		if t == nil {
			return 0
		}
		return t.UnixMilli()
	}
	switch typ {
	case volt.EventSessionStarted, volt.EventSessionStopped, volt.EventCDRCreated:
		if k.ID != "" {
			return typ + ":" + k.ID
		}
	case volt.EventSessionUpdated:
		if k.ID != "" {
			// The idTag too: a token adopted after the start (OCPP 2.x E03)
			// changes the session without a new reading.
			return fmt.Sprintf("%s:%s:%d:%d:%d:%s", typ, k.ID, k.LastMeterWh, ms(k.LastMeterAt), k.PowerW, k.IDTag)
		}
	case volt.EventConnectorStatus:
		return fmt.Sprintf("%s:%s:%d:%s:%d", typ, cpid, k.ConnectorID, k.Status, ms(k.StatusAt))
	}
	return ""
}

func decodeEvent(b []byte) (volt.Event, error) {
	var w wireEvent
	if err := json.Unmarshal(b, &w); err != nil {
		return volt.Event{}, fmt.Errorf("decode event: %w", err)
	}
	e := volt.Event{Type: w.Type, CPID: w.CPID, CPOID: w.CPOID, At: w.At}
	if len(w.Data) > 0 {
		e.Data = w.Data
	}
	return e, nil
}

// subject is the NATS subject of an event type.
func subject(eventType string) string { return eventPrefix + eventType }
