package natsbus

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// EmbeddedConfig configures the NATS server a node runs in its own process
// (--nats embedded).
type EmbeddedConfig struct {
	// Listen is this node's cluster (route) address, HOST:PORT: the other
	// nodes' Routes name it.
	Listen string
	// Routes are the route URLs of the cluster's nodes (nats://HOST:PORT);
	// this node's own may be among them. Empty: a cluster of one.
	Routes []string
	// StoreDir is where JetStream keeps its streams and key-value buckets.
	StoreDir string
	// ClusterName names the cluster; every node must use the same. Default
	// "volt".
	ClusterName string
}

// ServerName is the stable name of a node's embedded NATS server, from its
// route address: JetStream's Raft groups know a server by it across restarts.
func ServerName(listen string) string {
	r := strings.NewReplacer(":", "-", ".", "-", "[", "", "]", "")
	return "volt-" + r.Replace(listen)
}

// StartEmbedded starts a NATS server with JetStream in this process,
// clustered with Routes, its client port on loopback: the node connects to
// it in process (Connect with the server). It returns once the server accepts
// connections.
func StartEmbedded(cfg EmbeddedConfig) (*server.Server, error) {
	host, portStr, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("nats listen address %q: %w", cfg.Listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("nats listen port %q: %w", cfg.Listen, err)
	}
	if cfg.ClusterName == "" {
		cfg.ClusterName = "volt"
	}
	name := ServerName(cfg.Listen)
	opts := &server.Options{
		ServerName: name,
		// The client port is on loopback only, on a random port: the node
		// itself connects in process. (A server that does not listen for
		// clients never starts its routes.)
		Host:      "127.0.0.1",
		Port:      server.RANDOM_PORT,
		NoSigs:    true,
		NoLog:     true,
		JetStream: true,
		StoreDir:  filepath.Join(cfg.StoreDir, name),
	}
	var routes []*url.URL
	for _, r := range cfg.Routes {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		u, err := url.Parse(r)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("nats route %q: not a nats://HOST:PORT URL", r)
		}
		if u.Host == cfg.Listen {
			continue // ourselves
		}
		routes = append(routes, u)
	}
	if len(routes) > 0 {
		opts.Cluster = server.ClusterOpts{Name: cfg.ClusterName, Host: host, Port: port}
		opts.Routes = routes
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("nats server: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		s.Shutdown()
		return nil, errors.New("nats server: not ready after 30s")
	}
	return s, nil
}

// Connect connects to the NATS URL, or in process to srv when srv is not
// nil. The connection reconnects for ever: a NATS outage is waited out.
func Connect(natsURL string, srv *server.Server, name string) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.RetryOnFailedConnect(true),
	}
	if srv != nil {
		opts = append(opts, nats.InProcessServer(srv))
	}
	nc, err := nats.Connect(natsURL, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to nats: %w", err)
	}
	return nc, nil
}
