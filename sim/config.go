// Package sim is Volt's charger simulator: it plays OCPP 1.6J charge points
// against any central system, Volt or not, the way real firmware behaves. It
// serves tests (a Go API to plug, swipe, stop and wait), the demo (StartFleet)
// and load tests (`voltd sim --load`, RunLoad).
//
// Every frame is built and read with the ocpp codec and the typed messages of
// ocpp/v16; the simulator holds no message structs of its own.
package sim

import (
	"crypto/tls"
	"log/slog"
	"time"
)

// Config describes one simulated charge point.
type Config struct {
	// URL is the central system's OCPP endpoint. "{identity}" in it is
	// replaced by the identity; without it the identity is appended as the
	// last path segment ("ws://host/ocpp" → "ws://host/ocpp/CP1").
	URL string
	// Identity is the charge point identity in the URL and the Basic auth user.
	Identity string
	// Password is the Basic auth password (OCPP security profile 1); empty
	// sends no Authorization header.
	Password string
	// TLSURL is the wss:// endpoint of security profiles 2 and 3 (issue 18).
	TLSURL string
	// TLS is the base TLS client configuration (root CAs, cipher suites).
	TLS *tls.Config
	// SecurityProfile is the profile of the first connection: 1 (default),
	// 2 or 3. ClientCert is a client certificate held from the start.
	SecurityProfile int
	ClientCert      *tls.Certificate
	// Connectors is the number of connectors (default 1).
	Connectors int
	// MeterInterval is the MeterValueSampleInterval at start (default 60s).
	MeterInterval time.Duration
	// Heartbeat, when set, overrides the interval given by the central
	// system in its BootNotification answer.
	Heartbeat time.Duration
	// Logger receives the simulator's log; nil discards it.
	Logger *slog.Logger
	// Clock returns the simulated time used in time stamps and to integrate
	// energy; nil is time.Now. Tests pass a clock that runs fast.
	Clock func() time.Time
	// OnEvent, when set, is called for every event (see Event). It is called
	// with the charger's lock held: it must return quickly and must not call
	// the Charger's methods.
	OnEvent func(Event)
	// OnCall, when set, is called after every CALL the charger made, with the
	// round trip from sending the CALL to reading its answer.
	OnCall func(CallStat)

	// Vendor, Model, Serial and Firmware go into BootNotification.
	Vendor, Model, Serial, Firmware string
	// MaxPowerW is each connector's power limit in W (default 22080: three
	// phases of 32 A at 230 V).
	MaxPowerW int
	// Phases is 1 or 3 (default 3).
	Phases int
	// CallTimeout bounds the wait for an answer to one CALL (default 30s).
	CallTimeout time.Duration
	// DialTimeout bounds the websocket handshake (default 10s).
	DialTimeout time.Duration
	// MinBackoff and MaxBackoff bound the reconnect delay, which doubles
	// after every failure with ±25 % jitter (defaults 1s and 60s).
	MinBackoff, MaxBackoff time.Duration
	// RebootDelay is the time a Reset keeps the charger off line (default 2s).
	RebootDelay time.Duration
	// StepDelay paces simulated firmware and diagnostics steps (default 1s).
	StepDelay time.Duration
	// BootRetry is the BootNotification retry delay when the central system
	// answers Pending or Rejected with interval 0 (default 30s).
	BootRetry time.Duration
}

func (c *Config) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.Connectors <= 0 {
		c.Connectors = 1
	}
	def(&c.MeterInterval, 60*time.Second)
	def(&c.CallTimeout, 30*time.Second)
	def(&c.DialTimeout, 10*time.Second)
	def(&c.MinBackoff, time.Second)
	def(&c.MaxBackoff, 60*time.Second)
	def(&c.RebootDelay, 2*time.Second)
	def(&c.StepDelay, time.Second)
	def(&c.BootRetry, 30*time.Second)
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = c.MinBackoff
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Vendor == "" {
		c.Vendor = "Volt"
	}
	if c.Model == "" {
		c.Model = "VoltSim AC22"
	}
	if c.Serial == "" {
		c.Serial = "SIM-" + c.Identity
		if len(c.Serial) > 25 {
			c.Serial = c.Serial[:25]
		}
	}
	if c.Firmware == "" {
		c.Firmware = "1.0.0"
	}
	if c.MaxPowerW <= 0 {
		c.MaxPowerW = 22080
	}
	if c.Phases != 1 {
		c.Phases = 3
	}
}

// EventKind names what happened.
type EventKind string

// Event kinds.
const (
	EventConnected    EventKind = "connected"    // websocket open
	EventDisconnected EventKind = "disconnected" // websocket closed or dial failed
	EventBooted       EventKind = "booted"       // BootNotification answered; Detail is the status
	EventSent         EventKind = "sent"         // a frame went out; Action, Frame
	EventReceived     EventKind = "received"     // a frame came in; Action (for CALLs), Frame
	EventStatus       EventKind = "status"       // a connector changed status; Detail is the status
	EventTransaction  EventKind = "transaction"  // a session started or stopped; Detail says which
	EventDropped      EventKind = "dropped"      // a frame was ignored or a queued message given up
)

// Event is something the charger did or saw, for logs and tests.
type Event struct {
	Time      time.Time
	Identity  string
	Kind      EventKind
	Connector int
	Action    string
	Detail    string
	Frame     []byte // the raw frame for sent and received events
}

// CallStat is the outcome of one CALL made by the charger.
type CallStat struct {
	Identity string
	Action   string
	RTT      time.Duration // from sending the CALL to reading its answer
	Err      error         // transport failure, timeout or CALLERROR; nil on CALLRESULT
}
