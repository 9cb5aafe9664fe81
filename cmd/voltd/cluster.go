package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/prometheus/client_golang/prometheus"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/natsbus"
	"github.com/volt-ev/volt/store"
)

// clusterConfigError refuses settings that cannot make a cluster: NATS
// without PostgreSQL (an SQLite file belongs to one process), embedded NATS
// without a route address.
func clusterConfigError(c Config) error {
	if c.NATSURL == "" {
		return nil
	}
	if !isPostgresURL(c.DatabaseURL) {
		return volt.Errorf(volt.EINVALID, "--nats (VOLT_NATS_URL) needs a PostgreSQL database (--db postgres://...): "+
			"SQLite is the embedded database of a single node; run one node without --nats, or move to PostgreSQL")
	}
	if c.NATSURL == "embedded" {
		if _, _, err := net.SplitHostPort(c.NATSListen); err != nil {
			return volt.Errorf(volt.EINVALID, "--nats-listen (VOLT_NATS_LISTEN) %q: want HOST:PORT, this node's cluster route address", c.NATSListen)
		}
	}
	return nil
}

func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// startCluster joins the cluster when NATS is configured: the embedded NATS
// server (clustered by routes) or an external one, the node on it, and the
// outbox relay; from then on the store writes domain events to the outbox
// and m.Bus is the cluster's bus. Without NATS, m.Bus is the in-process bus.
func (m *Main) startCluster(ctx context.Context) error {
	if m.Config.NATSURL == "" {
		return nil
	}
	if err := clusterConfigError(m.Config); err != nil {
		return err
	}
	var srv *server.Server
	url := m.Config.NATSURL
	nodeID := m.Config.NodeID
	replicas := m.Config.NATSReplicas
	if url == "embedded" {
		var err error
		srv, err = natsbus.StartEmbedded(natsbus.EmbeddedConfig{
			Listen: m.Config.NATSListen, Routes: splitList(m.Config.NATSRoutes), StoreDir: m.Config.NATSStore,
		})
		if err != nil {
			return fmt.Errorf("embedded nats: %w", err)
		}
		m.onClose(func(context.Context) error { srv.Shutdown(); srv.WaitForShutdown(); return nil })
		url = ""
		if nodeID == "" {
			nodeID = natsbus.ServerName(m.Config.NATSListen)
		}
		if replicas <= 0 {
			replicas = min(3, 1+len(otherRoutes(m.Config)))
		}
	}
	if nodeID == "" {
		host, _ := os.Hostname()
		nodeID = sanitizeNode(host) + "-" + randomHex(4)
	}
	nc, err := natsbus.Connect(url, srv, "voltd "+nodeID)
	if err != nil {
		return err
	}
	m.onClose(func(context.Context) error { nc.Close(); return nil })
	node, err := natsbus.Start(ctx, natsbus.Config{
		Conn: nc, NodeID: nodeID, Replicas: replicas,
		// The outbox's events reach the stream through the relay alone:
		// one publish per event instead of two of which the stream drops one.
		Direct:      func(t string) bool { return !store.OutboxCarries(t) },
		CallTimeout: m.Config.CallTimeout + 5*time.Second,
		Logger:      m.Logger.With("component", "natsbus"),
	})
	if err != nil {
		return err
	}
	m.onClose(func(context.Context) error { return node.Close() })
	relay := node.StartRelay(m.DB, 0)
	m.DB.EnableOutbox(nodeID, relay.Committed)
	m.Node = node
	m.Bus = node
	m.Logger.Info("joined the cluster", "node", nodeID, "nats", m.Config.NATSURL, "replicas", replicas)
	return nil
}

// nodeLost records offline, at the dead node's last lease renewal, the
// chargers a node that died still held (natsbus.Node.OnNodeDead, run on
// one node): reliability and the portal stop counting them online. A
// charger that reconnected elsewhere meanwhile has a newer fence and is
// left alone.
func (m *Main) nodeLost(charging *store.ChargingService) func(context.Context, string, time.Time, map[string]int64) error {
	return func(ctx context.Context, node string, last time.Time, conns map[string]int64) error {
		lost, err := charging.RecordNodeLost(ctx, conns, last)
		if len(lost) > 0 {
			m.Logger.Warn("a node died: its chargers recorded offline at its last lease renewal",
				"node", node, "at", last, "chargers", len(lost), "of", len(conns))
		}
		return err
	}
}

// once reports whether this node runs the scheduled job name for the
// current period: always on a single node; on a cluster, one node per period.
func (m *Main) once(ctx context.Context, name string, period time.Duration) bool {
	if m.Node == nil {
		return true
	}
	return m.Node.Once(ctx, name, period, time.Now())
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// otherRoutes are the routes that do not name this node.
func otherRoutes(c Config) []string {
	var out []string
	for _, r := range splitList(c.NATSRoutes) {
		if !strings.HasSuffix(r, "//"+c.NATSListen) {
			out = append(out, r)
		}
	}
	return out
}

func sanitizeNode(s string) string {
	s = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, s)
	if s == "" {
		s = "node"
	}
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// defaultNATSStore is where embedded JetStream keeps its data.
var defaultNATSStore = filepath.Join("volt-data", "nats")

// clusterCollectors are the metrics of a node on a cluster: events waiting
// in the outbox (growing while NATS is away).
func (m *Main) clusterCollectors() []prometheus.Collector {
	if m.Node == nil {
		return nil
	}
	return []prometheus.Collector{prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "volt_outbox_pending", Help: "Domain events written to the outbox and not yet relayed to NATS.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := m.DB.OutboxLen(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})}
}

// maintainPartitions creates the coming months' partitions of meter_values
// and the message log, and drops the message log's months older than its
// retention (PostgreSQL; nothing on SQLite). Part of the hourly retention job.
func (m *Main) maintainPartitions(ctx context.Context) {
	now := time.Now()
	if err := m.DB.EnsurePartitions(ctx, now); err != nil && ctx.Err() == nil {
		m.Logger.Error("create month partitions", "err", err)
	}
	dropped, err := m.DB.DropFramePartitions(ctx, now.Add(-m.Config.FrameRetention))
	if err != nil && ctx.Err() == nil {
		m.Logger.Error("drop old message log partitions", "err", err)
	}
	if len(dropped) > 0 {
		m.Logger.Info("dropped message log partitions past retention", "partitions", dropped)
	}
}

// reportsDB is the database income reports read: the read-only URL
// (a PostgreSQL replica) when VOLT_DATABASE_READ_URL is set and opens, else
// the main database.
func (m *Main) reportsDB(ctx context.Context) *store.DB {
	if m.Config.DatabaseReadURL == "" {
		return m.DB
	}
	db, err := store.Open(ctx, m.Config.DatabaseReadURL)
	if err != nil {
		m.Logger.Error("VOLT_DATABASE_READ_URL does not open; reports read the main database", "err", err)
		return m.DB
	}
	if m.Config.DBPool > 0 {
		db.SetPool(m.Config.DBPool, m.Config.DBPool)
	}
	m.onClose(func(context.Context) error { return db.Close() })
	return db
}
