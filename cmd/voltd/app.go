package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/audit"
	"github.com/volt-ev/volt/gateway"
	"github.com/volt-ev/volt/inmem"
	"github.com/volt-ev/volt/natsbus"
	"github.com/volt-ev/volt/realip"
	"github.com/volt-ev/volt/store"
)

const shutdownTimeout = 15 * time.Second

// Main is the whole program, wired by hand: main() and the end-to-end tests
// both build one, call Run and then Close.
type Main struct {
	Config Config
	Logger *slog.Logger
	Demo   bool // seed demo data and start simulated chargers

	DB       *store.DB
	Bus      volt.EventBus // in process, or the cluster's (Node)
	Node     *natsbus.Node // nil on a single node
	Services Services
	Registry *prometheus.Registry

	logOut io.Writer // where the demo prints its logins
	// firstAdmin is the e-mail and one-time password of the first Super
	// Admin when this start created it without VOLT_ADMIN_PASSWORD.
	firstAdmin [2]string

	listener net.Listener
	server   *http.Server
	metrics  net.Listener                  // --metrics, when set
	stops    []func(context.Context) error // run in reverse order by Close
	ready    atomic.Bool

	// gateway and tlsListener serve --https (issue 18, security.go).
	gateway     *gateway.Gateway
	tlsListener net.Listener

	// receiptMail writes a guest's receipt e-mail (the driver app's, with
	// the operator's legal details, the lines and a signed link); nil
	// until wired, then settle.go's plain text is used.
	receiptMail func(c *volt.CDR, captured int64) (subject, body string)
}

// Services are the domain services behind every surface.
type Services struct {
	Hierarchy volt.HierarchyService
	Chargers  volt.ChargerService
	Users     volt.UserService
	Auth      volt.AuthService
	Charging  volt.ChargingService
	Commander volt.ChargerCommander
	Tariffs   volt.TariffService
	Money     *store.MoneyService // payments and wallets
	Reports   volt.ReportService
	Tickets   volt.TicketService
	Helpline  volt.HelplineService
	Audit     *audit.Recorder
}

// NewMain returns a Main for the configuration.
func NewMain(cfg Config, logger *slog.Logger, out io.Writer) *Main {
	return &Main{Config: cfg, Logger: logger, logOut: out}
}

// Migrate opens the database, applies the migrations and closes it.
func (m *Main) Migrate(ctx context.Context) error {
	db, err := store.Open(ctx, m.Config.DatabaseURL)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	m.Logger.Info("database migrated", "schemaVersion", v)
	return nil
}

// Addr returns the address the HTTP server listens on (useful with port 0).
func (m *Main) Addr() string {
	if m.listener == nil {
		return ""
	}
	return m.listener.Addr().String()
}

// URL returns the base http URL of this node.
func (m *Main) URL() string { return "http://" + m.Addr() }

// Run opens the database, wires every service and surface, and starts
// serving. It returns once the node is ready; Close stops it.
func (m *Main) Run(ctx context.Context) error {
	if err := clusterConfigError(m.Config); err != nil {
		return err
	}
	db, err := store.Open(ctx, m.Config.DatabaseURL)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	m.DB = db
	m.onClose(func(context.Context) error { return db.Close() })
	if err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	db.SetSecretKey(m.Config.SecretKey) // issue 19: webhook secrets and telematics tokens sealed at rest
	if n, err := db.SealStoredSecrets(ctx); err != nil {
		return fmt.Errorf("seal stored secrets: %w", err)
	} else if n > 0 {
		m.Logger.Info("sealed secrets stored as plain text", "count", n)
	}
	if m.Config.DBPool > 0 && db.Dialect == store.Postgres {
		db.SetPool(m.Config.DBPool, m.Config.DBPool)
	}
	m.Bus = inmem.NewBus()
	if err := m.startCluster(ctx); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	m.Registry = prometheus.NewRegistry()
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.Registry.MustRegister(m.clusterCollectors()...)

	secret := []byte(m.Config.SecretKey)
	if len(secret) == 0 {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret)
		m.Logger.Warn("VOLT_SECRET_KEY not set: portal sessions end when this process restarts")
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", m.handleHealth)
	if m.Config.MetricsToken != "" {
		mux.Handle("GET /metrics", bearerOnly(m.Config.MetricsToken, m.metricsHandler()))
	}
	if err := m.wire(ctx, mux, secret); err != nil {
		return err
	}
	if err := m.bootstrapAdmin(ctx); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", m.Config.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", m.Config.HTTPAddr, err)
	}
	if m.Config.ProxyProtocol {
		// Behind HAProxy's send-proxy: chargers' own addresses for the
		// auth limiter and logs (issue 12).
		ln = realip.ProxyListener(ln, 10*time.Second)
	}
	m.listener = ln
	if err := m.serveMetrics(); err != nil {
		return err
	}
	m.server = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := m.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("http server stopped", "err", err)
		}
	}()
	if err := m.serveTLS(mux); err != nil {
		return err
	}
	m.Logger.Info("volt is ready", "http", m.URL(), "ocpp", "ws://"+m.Addr()+"/ocpp/{identity}", "version", Version)
	if m.Demo {
		if err := m.startDemo(ctx); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	m.ready.Store(true)
	return nil
}

func (m *Main) onClose(f func(context.Context) error) { m.stops = append(m.stops, f) }

// Close stops serving, lets in-flight requests finish until ctx ends, and
// releases everything Run opened, in reverse order.
func (m *Main) Close(ctx context.Context) error {
	m.ready.Store(false)
	var errs []error
	if m.server != nil {
		if err := m.server.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		}
	}
	for i := len(m.stops) - 1; i >= 0; i-- {
		if err := m.stops[i](ctx); err != nil {
			errs = append(errs, err)
		}
	}
	m.stops = nil
	return errors.Join(errs...)
}

func (m *Main) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if !m.ready.Load() {
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return
	}
	if err := m.DB.Ping(ctx); err != nil {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}
