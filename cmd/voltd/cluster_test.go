package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/sim"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// loadBalancer is a TCP load balancer for the cluster test: each connection
// goes to the first backend that is not marked dead and accepts, as HAProxy
// in TCP mode with health checks would; kill drops a backend's connections
// at once, as a crashed node's would.
type loadBalancer struct {
	ln       net.Listener
	mu       sync.Mutex
	backends []string
	dead     map[string]bool
	conns    map[string][]net.Conn
}

func newLoadBalancer(t *testing.T, backends ...string) *loadBalancer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lb := &loadBalancer{ln: ln, backends: backends, dead: map[string]bool{}, conns: map[string][]net.Conn{}}
	go lb.serve()
	t.Cleanup(func() { _ = ln.Close() })
	return lb
}

func (lb *loadBalancer) serve() {
	for {
		c, err := lb.ln.Accept()
		if err != nil {
			return
		}
		go lb.forward(c)
	}
}

func (lb *loadBalancer) forward(c net.Conn) {
	lb.mu.Lock()
	backends := append([]string(nil), lb.backends...)
	dead := make(map[string]bool, len(lb.dead))
	for k, v := range lb.dead {
		dead[k] = v
	}
	lb.mu.Unlock()
	for _, b := range backends {
		if dead[b] {
			continue
		}
		up, err := net.DialTimeout("tcp", b, time.Second)
		if err != nil {
			continue
		}
		lb.mu.Lock()
		lb.conns[b] = append(lb.conns[b], c, up)
		lb.mu.Unlock()
		go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
		_, _ = io.Copy(c, up)
		_ = c.Close()
		return
	}
	_ = c.Close()
}

func (lb *loadBalancer) kill(backend string) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	lb.dead[backend] = true
	for _, c := range lb.conns[backend] {
		_ = c.Close()
	}
	lb.conns[backend] = nil
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startCluster boots n voltd nodes on one PostgreSQL database, each with an
// embedded NATS server clustered by routes on loopback ports, as
// `voltd --nats embedded --nats-listen ... --nats-routes ...` would.
func startCluster(t *testing.T, dsn string, n int) []*Main {
	t.Helper()
	return startClusterWith(t, dsn, n, nil)
}

// startClusterWith is startCluster with each node's configuration changed
// by set (nil: none) before it starts.
func startClusterWith(t *testing.T, dsn string, n int, set func(i int, c *Config)) []*Main {
	t.Helper()
	// Migrate and create the first admin once, as an operator would before
	// starting the nodes.
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := store.BootstrapSuperAdmin(context.Background(), db, "root@volt.test", "root-password-123"); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()

	listen := make([]string, n)
	routes := make([]string, n)
	for i := range n {
		listen[i] = freeAddr(t)
		routes[i] = "nats://" + listen[i]
	}
	nodes := make([]*Main, n)
	logs := make([]*bytes.Buffer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		cfg := defaultConfig()
		cfg.HTTPAddr = "127.0.0.1:0"
		cfg.DatabaseURL = dsn
		cfg.AdminEmail, cfg.AdminPassword = "root@volt.test", "root-password-123"
		cfg.CallTimeout = 5 * time.Second
		cfg.NATSURL = "embedded"
		cfg.NATSListen = listen[i]
		cfg.NATSRoutes = strings.Join(routes, ",")
		cfg.NATSStore = t.TempDir()
		cfg.SecretKey = "cluster-test-secret"
		if set != nil {
			set(i, &cfg)
		}
		logs[i] = &bytes.Buffer{}
		nodes[i] = NewMain(cfg, slog.New(slog.NewTextHandler(&syncWriter{w: logs[i]}, &slog.HandlerOptions{Level: slog.LevelWarn})), io.Discard)
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = nodes[i].Run(context.Background()) }()
	}
	wg.Wait() // the nodes wait for each other: JetStream needs a quorum
	t.Cleanup(func() {
		for i, m := range nodes {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_ = m.Close(ctx)
			cancel()
			if t.Failed() {
				t.Logf("node %d log:\n%s", i, logs[i].String())
			}
		}
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
	}
	return nodes
}

// TestCluster runs three nodes in this process on the PostgreSQL of the test
// environment: a charger connected to one node is commanded through the
// API of the others, its events reach every node's live views, and when its
// node dies it reconnects to another through the load balancer and its
// session completes once.
func TestCluster(t *testing.T) {
	if os.Getenv("VOLT_TEST_POSTGRES_URL") == "" {
		t.Skip("cluster test skipped: set VOLT_TEST_POSTGRES_URL (many nodes need PostgreSQL)")
	}
	if testing.Short() {
		t.Skip("cluster test skipped in -short")
	}
	var dsn string
	for _, e := range storetest.Engines(t) {
		if e.Name == "postgres" {
			dsn = e.DSN(t)
		}
	}
	nodes := startCluster(t, dsn, 3)
	c0, c2 := rootClient(t, nodes[0]), rootClient(t, nodes[2])
	est := newEstate(t, c0, "0.45", "0.30")
	creds, user := est.creds, est.user
	c0.header = map[string][]string{"Idempotency-Key": {"cluster-topup"}}
	c0.must("POST", "/api/v1/wallets/"+user.ID+"/top-ups", map[string]any{"amount": "20.00", "currency": "GBP", "card": "4242424242424242"}, 201, nil)
	c0.header = nil

	// Live views on the nodes that do not hold the charger.
	live0, stop0 := nodes[0].Bus.Subscribe()
	defer stop0()
	live2, stop2 := nodes[2].Bus.Subscribe()
	defer stop2()

	// The charger reaches node 1 through the load balancer.
	lb := newLoadBalancer(t, nodes[1].Addr(), nodes[2].Addr(), nodes[0].Addr())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := sim.New(sim.Config{URL: "ws://" + lb.ln.Addr().String() + "/ocpp", Identity: creds.OCPPIdentity, Password: creds.OCPPPassword,
		Connectors: 2, MeterInterval: time.Second, StepDelay: 10 * time.Millisecond, MinBackoff: 200 * time.Millisecond, MaxBackoff: time.Second})
	done := make(chan struct{})
	go func() { defer close(done); _ = ch.Run(ctx) }()
	defer func() { cancel(); <-done }()
	checkFor(t, 15*time.Second, func() error {
		if h, err := nodes[0].Node.Holder(ctx, creds.CPID); err != nil || h != nodes[1].Node.NodeID() {
			return fmt.Errorf("registry names %q (%v), want node 1", h, err)
		}
		return nil
	})

	// A command sent to node 0's API crosses to node 1 and returns the
	// charger's answer.
	var ans map[string]any
	c0.must("POST", "/api/v1/chargers/"+creds.CPID+"/commands/remote-start", map[string]any{"connectorId": 1, "idTag": "04A2B3C4"}, 200, &ans)
	if ans["status"] != "Accepted" {
		t.Fatalf("remote-start through node 0: %v, want Accepted", ans)
	}
	txID := waitSession(t, c2, creds.CPID, 1)

	// The session's events, committed on node 1, reach the live views of
	// nodes 0 and 2.
	for i, live := range []<-chan volt.Event{live0, live2} {
		waitBusEvent(t, live, volt.EventSessionStarted, creds.CPID, fmt.Sprintf("node %d", 2*i))
		waitBusEvent(t, live, volt.EventSessionUpdated, creds.CPID, fmt.Sprintf("node %d", 2*i))
	}

	// Node 1 dies: its connections drop, and the charger reconnects through
	// the load balancer to node 2.
	lb.kill(nodes[1].Addr())
	closeCtx, closeCancel := context.WithTimeout(context.Background(), 10*time.Second)
	_ = nodes[1].Close(closeCtx)
	closeCancel()
	checkFor(t, 20*time.Second, func() error {
		if h, err := nodes[0].Node.Holder(ctx, creds.CPID); err != nil || h != nodes[2].Node.NodeID() {
			return fmt.Errorf("registry names %q (%v), want node 2", h, err)
		}
		if !ch.Online() {
			return fmt.Errorf("charger not back online")
		}
		return nil
	})

	// Stopped from node 0's API, the command crosses to node 2.
	c0.must("POST", "/api/v1/chargers/"+creds.CPID+"/commands/remote-stop", map[string]any{"transactionId": txID}, 200, &ans)
	if ans["status"] != "Accepted" {
		t.Fatalf("remote-stop through node 0: %v, want Accepted", ans)
	}
	waitBusEvent(t, live0, volt.EventCDRCreated, creds.CPID, "node 0")
	checkFor(t, 15*time.Second, func() error {
		var cdrs struct{ Total int }
		c2.must("GET", "/api/v1/cdrs?cpid="+creds.CPID, nil, 200, &cdrs)
		sessions := sessionsOf(c2, creds.CPID)
		if len(sessions) != 1 || sessions[0].Status != "completed" || sessions[0].TransactionID != txID {
			return fmt.Errorf("sessions %+v, want one completed session %d", sessions, txID)
		}
		if cdrs.Total != 1 {
			return fmt.Errorf("%d CDRs, want 1", cdrs.Total)
		}
		return nil
	})
	// The CDR is settled through the cluster's durable settlement consumer
	// (the minute sweep has not run yet): the wallet is charged once.
	var cdrs struct {
		Items []struct {
			TotalCost *struct {
				InclVAT int64 `json:"inclVat"`
			} `json:"totalCost"`
		}
	}
	c2.must("GET", "/api/v1/cdrs?cpid="+creds.CPID, nil, 200, &cdrs)
	if len(cdrs.Items) != 1 || cdrs.Items[0].TotalCost == nil {
		t.Fatalf("CDR %+v, want one priced", cdrs.Items)
	}
	cost := cdrs.Items[0].TotalCost.InclVAT
	// An event the killed node had taken is redelivered after natsbus's
	// ack wait: allow a few of those on a busy machine.
	checkFor(t, 60*time.Second, func() error {
		var w struct{ Balance int64 }
		c0.must("GET", "/api/v1/wallets/"+user.ID, nil, 200, &w)
		if w.Balance != 2000-cost {
			return fmt.Errorf("wallet %dp, want 2000 - %d = %dp", w.Balance, cost, 2000-cost)
		}
		return nil
	})
}

// waitBusEvent waits for an event of typ about cpid on a live view.
func waitBusEvent(t *testing.T, ch <-chan volt.Event, typ, cpid, where string) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatalf("%s: live view dropped", where)
			}
			if e.Type == typ && e.CPID == cpid {
				return
			}
		case <-deadline:
			t.Fatalf("%s: no %s of %s within 15s", where, typ, cpid)
		}
	}
}

func TestClusterConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	// NATS on SQLite is refused, with the way out in the message.
	_, err := parseConfig("voltd", []string{"--nats", "embedded"}, env(nil))
	if err == nil || !strings.Contains(err.Error(), "PostgreSQL") || volt.ErrorCode(err) != volt.EINVALID {
		t.Fatalf("--nats on SQLite: %v, want an invalid-setting error naming PostgreSQL", err)
	}
	_, err = parseConfig("voltd", nil, env(map[string]string{"VOLT_NATS_URL": "nats://127.0.0.1:4222", "VOLT_DATABASE_URL": "./x.db"}))
	if err == nil {
		t.Fatal("VOLT_NATS_URL on SQLite accepted")
	}
	// And by Main too, for configurations built in code.
	cfg := defaultConfig()
	cfg.NATSURL, cfg.DatabaseURL = "embedded", t.TempDir()+"/volt.db"
	if err := NewMain(cfg, slog.New(slog.DiscardHandler), io.Discard).Run(context.Background()); err == nil || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Fatalf("Run with NATS on SQLite: %v", err)
	}
	// The cluster flags and their environment variables.
	c, err := parseConfig("voltd", []string{"--nats", "embedded", "--nats-listen", "10.0.0.1:6222", "--nats-routes", "nats://10.0.0.1:6222,nats://10.0.0.2:6222"},
		env(map[string]string{"VOLT_DATABASE_URL": "postgres://db/volt", "VOLT_DB_POOL": "40", "VOLT_NATS_REPLICAS": "3", "VOLT_NODE_ID": "n1", "VOLT_NATS_STORE": "/var/lib/volt/nats",
			"VOLT_DATABASE_READ_URL": "postgres://replica/volt"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.NATSURL != "embedded" || c.NATSListen != "10.0.0.1:6222" || len(splitList(c.NATSRoutes)) != 2 || c.DBPool != 40 ||
		c.NATSReplicas != 3 || c.NodeID != "n1" || c.NATSStore != "/var/lib/volt/nats" || c.DatabaseReadURL != "postgres://replica/volt" {
		t.Fatalf("config %+v", c)
	}
	if got := otherRoutes(c); len(got) != 1 || got[0] != "nats://10.0.0.2:6222" {
		t.Fatalf("other routes %v", got)
	}
	if _, err := parseConfig("voltd", nil, env(map[string]string{"VOLT_DB_POOL": "many"})); err == nil {
		t.Fatal("VOLT_DB_POOL=many accepted")
	}
	// The handshakes' limit: negative is no limit, not an error.
	if c, err = parseConfig("voltd", nil, env(map[string]string{"VOLT_OCPP_MAX_AUTHENTICATING": "-1"})); err != nil {
		t.Fatalf("VOLT_OCPP_MAX_AUTHENTICATING=-1: %v", err)
	} else if c.MaxAuthenticating != -1 {
		t.Fatalf("VOLT_OCPP_MAX_AUTHENTICATING=-1 read as %d", c.MaxAuthenticating)
	}
	if _, err := parseConfig("voltd", nil, env(map[string]string{"VOLT_OCPP_MAX_AUTHENTICATING": "some"})); err == nil {
		t.Fatal("VOLT_OCPP_MAX_AUTHENTICATING=some accepted")
	}
	if c, err = parseConfig("voltd", nil, env(map[string]string{"VOLT_OCPP_AUTH_QUEUE_WAIT": "8s"})); err != nil || c.AuthQueueWait != 8*time.Second {
		t.Fatalf("VOLT_OCPP_AUTH_QUEUE_WAIT=8s: %v, %v", c.AuthQueueWait, err)
	}
	if _, err := parseConfig("voltd", nil, env(map[string]string{"VOLT_OCPP_AUTH_QUEUE_WAIT": "eight"})); err == nil {
		t.Fatal("VOLT_OCPP_AUTH_QUEUE_WAIT=eight accepted")
	}
	// Without NATS nothing changes: a single node on SQLite.
	if c, err := parseConfig("voltd", nil, env(nil)); err != nil || c.NATSURL != "" {
		t.Fatalf("default config: %+v, %v", c, err)
	}
}
