package gateway

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/pki"
)

// Config configures a Gateway. Zero durations and sizes take the defaults
// documented on each field.
type Config struct {
	// Charging is the domain the gateway records charger messages in.
	Charging volt.ChargingService
	// Hubs lists hubs' sockets (hub.go). Nil: hubs are refused.
	Hubs HubDirectory
	// Reservations keeps reservations and local authorisation lists the
	// chargers accepted. Nil: they are sent but not kept.
	Reservations volt.ReservationService
	// Bus receives events after each store call returns. Nil: no events.
	Bus volt.EventBus
	// Logger logs connection life and protocol trouble. Nil: discarded.
	Logger *slog.Logger
	// AfterMeterValues, when set, is called with the session a MeterValues
	// updated, after RecordMeterValues returned and its event was
	// published (the credit and limit guard). It runs on the connection's
	// handler goroutine, so it must return at once: hand work off.
	AfterMeterValues func(ctx context.Context, s *volt.Session)
	// AfterMeterReport, when set, is called with every MeterValues report
	// after it is stored, with or without a session (a grid meter on
	// connector 0 feeds load management). Like AfterMeterValues it must
	// return at once.
	AfterMeterReport func(ctx context.Context, r volt.MeterReport)

	// HeartbeatInterval is sent in BootNotification answers. Default 5 min.
	HeartbeatInterval time.Duration
	// CallTimeout bounds a Call, queueing included, on top of its context.
	// Default 30 s.
	CallTimeout time.Duration
	// PingInterval: a websocket ping is sent when nothing was received for
	// this long. Default 60 s.
	PingInterval time.Duration
	// StaleAfter: a connection on which nothing (frame or pong) was
	// received for this long is closed. Default 2 × HeartbeatInterval, and
	// at least 2 × PingInterval.
	StaleAfter time.Duration
	// WriteTimeout is the write deadline of one frame. Default 10 s.
	WriteTimeout time.Duration
	// Now is the clock for OCPP time stamps (currentTime, receipt times).
	// Timers use the real clock. Default time.Now.
	Now func() time.Time

	// OutboxSize is the number of frames a connection may have waiting to
	// be written before it is closed as a slow consumer. Default 64.
	OutboxSize int
	// InboxSize is the number of charger CALLs a connection may have
	// waiting for their handler before it is closed. Default 32.
	InboxSize int
	// MaxMessageSize is the largest frame read, in bytes. Default 1 MiB.
	MaxMessageSize int64
	// MaxConnections is the number of live connections above which upgrade
	// requests are answered 503 with Retry-After, before authentication.
	// Each connection holds an open file; a process at its open-file limit
	// can no longer accept any request nor open its database files, so the
	// gateway keeps FileReserve files free. Default: the process's soft
	// RLIMIT_NOFILE minus 256 (unlimited where unknown); negative:
	// unlimited.
	MaxConnections int

	// MaxAuthenticating is the number of upgrade requests of this node that
	// may be authenticating (reading the database) at once. A request that
	// finds no free place within AuthQueueWait is answered 503 with a
	// jittered Retry-After before any read: in a reconnect storm the
	// database then serves handshakes that will finish, instead of reads
	// whose chargers gave up waiting (their handshake timeout is typically
	// 10 s) and will come back to ask again. Default 32; negative:
	// unlimited.
	MaxAuthenticating int
	// AuthQueueWait is the longest an upgrade request waits for a place to
	// authenticate. Default 2 s.
	AuthQueueWait time.Duration

	// RateWindow is the window of the auth failure limiter. Default 1 min.
	RateWindow time.Duration
	// PairFailures, AddressFailures, IdentityFailures are the limits of
	// failed auth attempts per window (see the package doc). Defaults 5,
	// 30, 20.
	PairFailures, AddressFailures, IdentityFailures int

	// FrameLogBuffer is the number of frames the message log may hold
	// before it drops. Default 4096. FrameLogBatch is the largest batch
	// passed to LogFrames (default 256), FrameLogFlush the longest a frame
	// waits (default 1 s).
	FrameLogBuffer, FrameLogBatch int
	FrameLogFlush                 time.Duration

	// DataTransfer serves charger DataTransfer CALLs by vendorId; others
	// are answered UnknownVendorId.
	DataTransfer map[string]DataTransferHandler

	// EndedTimeout: a session of an OCPP 2.x EVSE that reported Available
	// is closed when no TransactionEvent about it came for this long
	// (v201_auth.go). Default DefaultEndedTimeout; negative: never.
	EndedTimeout time.Duration
	// Security keeps security profiles, issued certificates and security
	// events (issue 18). Nil: profile 1 only, no client certificates.
	Security volt.ChargerSecurityService
	// Authority signs chargers' CSRs (SignCertificate). Nil: refused.
	Authority pki.Authority
	// CPOAuthorities, when set, gives the CAs of CPOs that have their own:
	// they sign their chargers' CSRs and a charger's client certificate
	// must chain to its CPO's CA or the platform's roots (issue 18).
	CPOAuthorities pki.CPOAuthorities
	// V2G signs chargers' ISO 15118 SECC certificates (SignCertificate
	// with certificateType V2GCertificate; issue 18). Nil: refused.
	V2G pki.V2GAuthority
	// Contracts judges Plug & Charge contract certificates and relays the
	// 15118 certificate messages. Nil: no Plug & Charge.
	Contracts volt.ContractProvider
}

func (c *Config) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt := func(d *int, v int) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.HeartbeatInterval, 5*time.Minute)
	def(&c.CallTimeout, 30*time.Second)
	def(&c.PingInterval, time.Minute)
	def(&c.StaleAfter, max(2*c.HeartbeatInterval, 2*c.PingInterval))
	def(&c.WriteTimeout, 10*time.Second)
	def(&c.RateWindow, time.Minute)
	def(&c.FrameLogFlush, time.Second)
	defInt(&c.OutboxSize, 64)
	defInt(&c.InboxSize, 32)
	defInt(&c.PairFailures, 5)
	defInt(&c.AddressFailures, 30)
	defInt(&c.IdentityFailures, 20)
	defInt(&c.FrameLogBuffer, 4096)
	defInt(&c.FrameLogBatch, 256)
	if c.MaxAuthenticating == 0 {
		c.MaxAuthenticating = 32
	}
	def(&c.AuthQueueWait, 2*time.Second)
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = 1 << 20
	}
	if c.MaxConnections == 0 {
		if limit := openFileLimit(); limit > FileReserve {
			c.MaxConnections = limit - FileReserve
		}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Gateway is the central system's side of the charger connections. It is an
// http.Handler for GET /ocpp/{identity} and a volt.ChargerCommander.
type Gateway struct {
	cfg      Config
	log      *slog.Logger
	upgrader websocket.Upgrader
	limiter  *limiter
	shared   atomic.Pointer[func(identity, remote string, ok bool)] // ShareAuth (cluster.go)
	frames   *frameLogger
	protos   []*protocol // the versions served, newest first
	// configSlots bounds post-boot configuration reads (bootconfig.go).
	configSlots chan struct{}
	// bootQ holds the booted connections whose configuration the config
	// callers are to read (bootconfig.go).
	bootQ *bootQueue
	// authSlots bounds the upgrade requests authenticating at once
	// (serve.go); nil when MaxAuthenticating is negative.
	authSlots chan struct{}
	// clientRoots are the platform's roots for client certificates, set by
	// TLSConfig (security_cpoca.go).
	clientRoots atomic.Pointer[x509.CertPool]

	// ctx is cancelled by Shutdown; background work derives from it.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine the gateway starts

	mu       sync.Mutex
	slots    map[string]*slot // by CPID; guarded by mu
	closing  bool             // guarded by mu
	idle     chan struct{}    // closed when the last connection ends during Shutdown
	nconns   int              // live connections (registered or not); guarded by mu
	shutdown sync.Once

	stats stats
	v2    v2State // OCPP 2.x transactions (v201_auth.go)
}

// slot is the registry entry of one CPID.
type slot struct {
	// presence serialises the recording of this charger's connection state
	// and its events. It is taken before Gateway.mu.
	presence sync.Mutex
	conn     *conn // guarded by Gateway.mu
}

type stats struct {
	callsIn, callsOut, answersDropped       atomic.Uint64
	slowConsumers, frameLogDrops, authFails atomic.Uint64
	rateLimited, replaced, stale, refused   atomic.Uint64
	shed                                    atomic.Uint64
	conns                                   atomic.Int64
}

// Stats is a snapshot of the gateway's counters.
type Stats struct {
	Connections    int    // live, registered connections
	CallsIn        uint64 // CALLs received from chargers
	CallsOut       uint64 // CALLs sent to chargers
	AnswersDropped uint64 // CALLRESULT/CALLERROR matching no pending call
	SlowConsumers  uint64 // connections closed because their outbox was full
	FrameLogDrops  uint64 // frames the message log dropped (buffer full)
	AuthFailures   uint64 // refused Basic auth attempts
	RateLimited    uint64 // upgrade requests answered 429
	Replaced       uint64 // connections closed by a newer one of the same charger
	Stale          uint64 // connections closed for lack of traffic
	RefusedFull    uint64 // upgrade requests answered 503 at MaxConnections
	RefusedBusy    uint64 // upgrade requests answered 503 with no place to authenticate
	// BootReads is the post-boot configuration reads waiting for a worker
	// (bootconfig.go): after a restart, the storm's backlog still to come.
	BootReads int
}

// New returns a Gateway serving OCPP 1.6, 2.0.1 and 2.1. It starts the background message
// logger; Shutdown stops it.
func New(cfg Config) *Gateway {
	cfg.setDefaults()
	// The gateway acts as the system towards the services.
	ctx, cancel := context.WithCancel(volt.NewContextWithActor(context.Background(), volt.SystemActor))
	g := &Gateway{
		cfg:    cfg,
		log:    cfg.Logger,
		ctx:    ctx,
		cancel: cancel,
		slots:  make(map[string]*slot),
		protos: []*protocol{newV21(), newV201(), newV16()},

		configSlots: make(chan struct{}, configFetches),
		bootQ:       newBootQueue(),
		authSlots:   newSlots(cfg.MaxAuthenticating),
		upgrader: websocket.Upgrader{
			// 0: the library reads through the gateway's own reader
			// (idleread.go, readBufferSize) instead of one of its own.
			ReadBufferSize:   0,
			WriteBufferSize:  1024,
			WriteBufferPool:  &writePool,
			HandshakeTimeout: 10 * time.Second,
			// Chargers are not browsers: no Origin to check.
			CheckOrigin: func(*http.Request) bool { return true },
		},
	}
	g.limiter = newLimiter(cfg.RateWindow, cfg.PairFailures, cfg.AddressFailures, cfg.IdentityFailures)
	g.frames = newFrameLogger(g)
	g.wg.Add(1)
	go g.frames.run()
	g.startConfigCallers()
	return g
}

// goBackground runs f on a goroutine that Shutdown waits for.
func (g *Gateway) goBackground(f func()) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		f()
	}()
}

// writePool shares write buffers between connections: an idle connection
// holds none.
var writePool sync.Pool

// Connected reports whether the charger has a live connection to this node.
func (g *Gateway) Connected(cpid string) bool {
	return g.lookup(cpid) != nil
}

// Stats returns the current counters.
func (g *Gateway) Stats() Stats {
	return Stats{
		Connections:    int(g.stats.conns.Load()),
		CallsIn:        g.stats.callsIn.Load(),
		CallsOut:       g.stats.callsOut.Load(),
		AnswersDropped: g.stats.answersDropped.Load(),
		SlowConsumers:  g.stats.slowConsumers.Load(),
		FrameLogDrops:  g.stats.frameLogDrops.Load(),
		AuthFailures:   g.stats.authFails.Load(),
		RateLimited:    g.stats.rateLimited.Load(),
		Replaced:       g.stats.replaced.Load(),
		Stale:          g.stats.stale.Load(),
		RefusedFull:    g.stats.refused.Load(),
		RefusedBusy:    g.stats.shed.Load(),
		BootReads:      g.bootQ.len(),
	}
}

func (g *Gateway) lookup(cpid string) *conn {
	g.mu.Lock()
	defer g.mu.Unlock()
	if s := g.slots[cpid]; s != nil {
		return s.conn
	}
	return nil
}

// register makes c the connection of its CPID, closing the one it replaces,
// and records the charger online.
func (g *Gateway) register(c *conn) {
	g.mu.Lock()
	s := g.slots[c.cpid]
	if s == nil {
		s = &slot{}
		g.slots[c.cpid] = s
	}
	old := s.conn
	s.conn = c
	c.slot = s
	closing := g.closing
	g.mu.Unlock()
	if closing { // upgraded while Shutdown ran: it may not have seen c
		c.closeWith(websocket.CloseGoingAway, "server shutting down", nil)
	}
	g.stats.conns.Add(1)
	if old != nil {
		g.stats.replaced.Add(1)
		old.closeWith(closeReplaced, "replaced by a newer connection", ErrConnectionReplaced)
	}
	s.presence.Lock()
	defer s.presence.Unlock()
	at := g.cfg.Now()
	if err := g.recordConnected(c, at); err != nil {
		g.log.Error("gateway: record connection", "cpid", c.cpid, "err", err)
		return
	}
	g.publish(volt.Event{Type: volt.EventChargerConnected, CPID: c.cpid, CPOID: c.cpoID, At: at,
		Data: ConnectionState{CPID: c.cpid, Online: true, OCPPVersion: string(c.proto.version), RemoteAddr: c.remote, Fence: c.fence}})
}

// unregister removes c from the registry if it is still the connection of
// its CPID, and then records the charger offline.
func (g *Gateway) unregister(c *conn, reason string) {
	g.unregisterHub(c, reason) // its other sockets (hub.go)
	s := c.slot
	s.presence.Lock()
	defer s.presence.Unlock()
	g.mu.Lock()
	current := s.conn == c
	if current {
		s.conn = nil
	}
	g.mu.Unlock()
	g.stats.conns.Add(-1)
	if !current {
		return // replaced: the new connection owns the charger's state
	}
	at := g.cfg.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if recorded, err := g.recordDisconnected(ctx, c, at); err != nil {
		g.log.Error("gateway: record disconnection", "cpid", c.cpid, "err", err)
		return
	} else if !recorded {
		return // a newer connection, on another node, owns the charger's state
	}
	g.publish(volt.Event{Type: volt.EventChargerDisconnected, CPID: c.cpid, CPOID: c.cpoID, At: at,
		Data: ConnectionState{CPID: c.cpid, Online: false, OCPPVersion: string(c.proto.version), RemoteAddr: c.remote, Reason: reason}})
}

// ConnectionState is the Data of charger.connected and charger.disconnected
// events.
type ConnectionState struct {
	CPID        string `json:"cpid"`
	Online      bool   `json:"online"`
	OCPPVersion string `json:"ocppVersion"`
	RemoteAddr  string `json:"remoteAddr,omitempty"`
	Reason      string `json:"reason,omitempty"`
	// Fence orders the charger's connections across nodes (cluster.go);
	// 0 when the store does not fence them.
	Fence int64 `json:"fence,omitempty"`
}

func (g *Gateway) publish(e volt.Event) {
	if g.cfg.Bus != nil {
		g.cfg.Bus.Publish(g.ctx, e)
	}
}

// track counts a live connection (registered or not) for Shutdown.
// FileReserve is the number of open files the default MaxConnections leaves
// to the rest of the process: database files and connections, listeners,
// API and portal requests.
const FileReserve = 256

// full reports whether the gateway holds MaxConnections connections.
func (g *Gateway) full() bool {
	if g.cfg.MaxConnections <= 0 {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.nconns >= g.cfg.MaxConnections
}

// admit counts a new connection, or returns why it is refused: the gateway
// is shutting down or holds MaxConnections.
func (g *Gateway) admit() (refusal string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.closing:
		return "shutting down"
	case g.cfg.MaxConnections > 0 && g.nconns >= g.cfg.MaxConnections:
		return refusedFull
	}
	g.nconns++
	return ""
}

func (g *Gateway) track(delta int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if delta > 0 && g.closing {
		return false
	}
	g.nconns += delta
	if g.nconns == 0 && g.closing && g.idle != nil {
		close(g.idle)
		g.idle = nil
	}
	return true
}

// Shutdown refuses new connections, closes every connection with close code
// 1001 (going away), fails their calls, flushes the message log and waits for
// every goroutine the gateway started, or for ctx.
func (g *Gateway) Shutdown(ctx context.Context) error {
	var conns []*conn
	g.mu.Lock()
	if !g.closing {
		g.closing = true
		if g.nconns > 0 {
			g.idle = make(chan struct{})
		}
	}
	idle := g.idle
	for _, s := range g.slots {
		if s.conn != nil {
			conns = append(conns, s.conn)
		}
	}
	g.mu.Unlock()
	for _, c := range conns {
		c.closeWith(websocket.CloseGoingAway, "server shutting down", nil)
	}
	if idle != nil {
		select {
		case <-idle:
		case <-ctx.Done():
			return fmt.Errorf("gateway shutdown: %w", ctx.Err())
		}
	}
	g.shutdown.Do(func() {
		g.cancel() // stops the frame logger after its last flush
	})
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("gateway shutdown: %w", ctx.Err())
	}
}

// ErrConnectionReplaced is matched (errors.Is) by the error of calls that were
// pending on a connection closed because the charger opened a newer one. Its
// volt code is ECHARGEROFFLINE: the answer is lost, the caller may retry.
var ErrConnectionReplaced = errors.New("gateway: connection replaced by a newer one")

const closeReplaced = websocket.CloseNormalClosure
