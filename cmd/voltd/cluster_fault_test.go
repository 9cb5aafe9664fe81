package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/sim"
	"github.com/volt-ev/volt/store/storetest"
)

// clusterPostgres returns the PostgreSQL DSN of a fresh test database, or
// skips: many nodes need PostgreSQL.
func clusterPostgres(t *testing.T) string {
	t.Helper()
	if os.Getenv("VOLT_TEST_POSTGRES_URL") == "" {
		t.Skip("cluster test skipped: set VOLT_TEST_POSTGRES_URL (many nodes need PostgreSQL)")
	}
	if testing.Short() {
		t.Skip("cluster test skipped in -short")
	}
	for _, e := range storetest.Engines(t) {
		if e.Name == "postgres" {
			return e.DSN(t)
		}
	}
	t.Skip("no PostgreSQL engine")
	return ""
}

// startExternalNATS runs a NATS server with JetStream on a fixed client
// address and store folder, as an operator's external NATS would be, so a
// test can stop it and start it again where it was.
func startExternalNATS(t *testing.T, addr, dir string) *server.Server {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	s, err := server.NewServer(&server.Options{ServerName: "external", Host: host, Port: p, JetStream: true, StoreDir: dir, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(15 * time.Second) {
		t.Fatal("nats not ready")
	}
	return s
}

// TestClusterWithoutNATS: with NATS gone, a node keeps serving its
// chargers and recording their transactions (their events wait in the
// outbox), a command from another node fails at once with a clear 5xx
// instead of hanging, and when NATS is back the outbox drains to the other
// node's live view and commands cross again (issue 12, faults).
func TestClusterWithoutNATS(t *testing.T) {
	dsn := clusterPostgres(t)
	natsAddr, natsDir := freeAddr(t), t.TempDir()
	ns := startExternalNATS(t, natsAddr, natsDir)
	t.Cleanup(func() { ns.Shutdown() })
	nodes := startClusterWith(t, dsn, 2, func(_ int, c *Config) { c.NATSURL = "nats://" + natsAddr })
	c0, c1 := rootClient(t, nodes[0]), rootClient(t, nodes[1])
	est := newEstate(t, c0, "0.45", "0.30")
	creds := est.creds
	c0.header = map[string][]string{"Idempotency-Key": {"nats-outage-topup"}}
	c0.must("POST", "/api/v1/wallets/"+est.user.ID+"/top-ups", map[string]any{"amount": "20.00", "currency": "GBP", "card": "4242424242424242"}, 201, nil)
	c0.header = nil
	live1, stop1 := nodes[1].Bus.Subscribe()
	defer stop1()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := sim.New(sim.Config{URL: "ws://" + nodes[0].Addr() + "/ocpp", Identity: creds.OCPPIdentity, Password: creds.OCPPPassword,
		Connectors: 2, MeterInterval: time.Second, StepDelay: 10 * time.Millisecond, MinBackoff: 200 * time.Millisecond, MaxBackoff: time.Second})
	done := make(chan struct{})
	go func() { defer close(done); _ = ch.Run(ctx) }()
	defer func() { cancel(); <-done }()
	checkFor(t, 15*time.Second, func() error {
		if h, err := nodes[1].Node.Holder(ctx, creds.CPID); err != nil || h != nodes[0].Node.NodeID() {
			return fmt.Errorf("registry names %q (%v), want node 0", h, err)
		}
		return nil
	})

	// NATS goes away.
	ns.Shutdown()
	ns.WaitForShutdown()

	// The charger is still served by node 0: a session starts and is
	// recorded, its events held in the outbox.
	var ans map[string]any
	c0.must("POST", "/api/v1/chargers/"+creds.CPID+"/commands/remote-start", map[string]any{"connectorId": 1, "idTag": "04A2B3C4"}, 200, &ans)
	if ans["status"] != "Accepted" {
		t.Fatalf("remote-start on the charger's own node without NATS: %v, want Accepted", ans)
	}
	txID := waitSession(t, c0, creds.CPID, 1)
	var pending int
	checkFor(t, 10*time.Second, func() error {
		if err := nodes[0].DB.QueryRow(ctx, `SELECT count(*) FROM outbox`).Scan(&pending); err != nil || pending == 0 {
			return fmt.Errorf("outbox holds %d events (%v), want the session's", pending, err)
		}
		return nil
	})

	// A command from node 1 cannot reach the charger: a clear 5xx, fast.
	start := time.Now()
	code, body := c1.do("POST", "/api/v1/chargers/"+creds.CPID+"/commands/remote-stop", map[string]any{"transactionId": txID}, nil)
	if code < 500 || code > 504 || time.Since(start) > 20*time.Second {
		t.Fatalf("cross-node command without NATS: %d %v after %s; want 502-504 at once", code, body, time.Since(start))
	}

	// NATS is back where it was: the outbox drains, node 1's live view gets
	// the session, and commands cross again.
	ns = startExternalNATS(t, natsAddr, natsDir)
	checkFor(t, 60*time.Second, func() error {
		if err := nodes[0].DB.QueryRow(ctx, `SELECT count(*) FROM outbox`).Scan(&pending); err != nil || pending != 0 {
			return fmt.Errorf("outbox still holds %d events (%v)", pending, err)
		}
		return nil
	})
	waitBusEvent(t, live1, volt.EventSessionStarted, creds.CPID, "node 1")
	checkFor(t, 30*time.Second, func() error {
		code, body := c1.do("POST", "/api/v1/chargers/"+creds.CPID+"/commands/remote-stop", map[string]any{"transactionId": txID}, nil)
		if code != 200 || body["status"] != "Accepted" {
			return fmt.Errorf("cross-node remote-stop after NATS returned: %d %v", code, body)
		}
		return nil
	})
}

// TestClusterSurvivesPostgresRestart: every PostgreSQL connection of the
// nodes is cut at once (as a database restart does; the shared test server
// itself is not restarted), while a charger charges; the nodes recover
// without a restart: the charger's stop is recorded once with its CDR, and
// the other node's API answers (issue 12, faults).
func TestClusterSurvivesPostgresRestart(t *testing.T) {
	dsn := clusterPostgres(t)
	// The test server is shared by every package's tests (one schema
	// each): name this test's connections so only they are cut.
	appName := fmt.Sprintf("volt_pgcut_%d", time.Now().UnixNano())
	if u, err := url.Parse(dsn); err == nil {
		q := u.Query()
		q.Set("application_name", appName)
		u.RawQuery = q.Encode()
		dsn = u.String()
	} else {
		t.Fatal(err)
	}
	natsAddr := freeAddr(t)
	ns := startExternalNATS(t, natsAddr, t.TempDir())
	t.Cleanup(func() { ns.Shutdown() })
	nodes := startClusterWith(t, dsn, 2, func(_ int, c *Config) { c.NATSURL = "nats://" + natsAddr })
	c0, c1 := rootClient(t, nodes[0]), rootClient(t, nodes[1])
	est := newEstate(t, c0, "0.45", "0.30")
	creds := est.creds
	c0.header = map[string][]string{"Idempotency-Key": {"pg-restart-topup"}}
	c0.must("POST", "/api/v1/wallets/"+est.user.ID+"/top-ups", map[string]any{"amount": "20.00", "currency": "GBP", "card": "4242424242424242"}, 201, nil)
	c0.header = nil

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := sim.New(sim.Config{URL: "ws://" + nodes[0].Addr() + "/ocpp", Identity: creds.OCPPIdentity, Password: creds.OCPPPassword,
		Connectors: 2, MeterInterval: 200 * time.Millisecond, StepDelay: 10 * time.Millisecond, MinBackoff: 200 * time.Millisecond, MaxBackoff: time.Second})
	done := make(chan struct{})
	go func() { defer close(done); _ = ch.Run(ctx) }()
	defer func() { cancel(); <-done }()
	checkFor(t, 15*time.Second, func() error {
		if !ch.Online() {
			return fmt.Errorf("charger not on line")
		}
		return nil
	})
	var ans map[string]any
	c0.must("POST", "/api/v1/chargers/"+creds.CPID+"/commands/remote-start", map[string]any{"connectorId": 1, "idTag": "04A2B3C4"}, 200, &ans)
	txID := waitSession(t, c0, creds.CPID, 1)

	// Cut every connection of the nodes to their database, twice, while
	// meter values flow (every 200 ms) into dead pooled connections.
	for range 2 {
		var cut int
		if err := nodes[1].DB.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = ? AND pid <> pg_backend_pid()`, appName).Scan(&cut); err != nil {
			t.Fatal(err)
		}
		if cut == 0 {
			t.Fatalf("no connection named %s was cut: the test would prove nothing", appName)
		}
		t.Logf("cut %d connections", cut)
		checkFor(t, 10*time.Second, func() error { return nodes[0].DB.Ping(ctx) })
	}

	// Both nodes answer again and the stop is recorded once, with its CDR.
	checkFor(t, 30*time.Second, func() error {
		code, body := c0.do("POST", "/api/v1/chargers/"+creds.CPID+"/commands/remote-stop", map[string]any{"transactionId": txID}, nil)
		if code != 200 {
			return fmt.Errorf("remote-stop after the cut: %d %v", code, body)
		}
		return nil
	})

	checkFor(t, 30*time.Second, func() error {
		var cdrs struct{ Total int }
		if code, body := c1.do("GET", "/api/v1/cdrs?cpid="+creds.CPID, nil, &cdrs); code != 200 {
			return fmt.Errorf("node 1 API after the cut: %d %v", code, body)
		}
		sessions := sessionsOf(c1, creds.CPID)
		if len(sessions) != 1 || sessions[0].Status != "completed" || cdrs.Total != 1 {
			return fmt.Errorf("sessions %+v and %d CDRs, want one completed session with one CDR", sessions, cdrs.Total)
		}
		return nil
	})
}
