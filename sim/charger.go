package sim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v16"
)

// Errors returned by the Charger's methods.
var (
	// ErrOffline: the message needs a connection and the charger has none
	// (or its BootNotification is not yet accepted).
	ErrOffline = errors.New("sim: charger is offline")
	// ErrNotAuthorized: the idTag was not accepted.
	ErrNotAuthorized = errors.New("sim: idTag not authorized")
	// ErrBusy: the connector cannot do that now (session running, reserved
	// for another idTag, unavailable).
	ErrBusy = errors.New("sim: connector busy")
	// ErrNoConnector: no connector with that number.
	ErrNoConnector = errors.New("sim: no such connector")
	// ErrNoSession: the connector has no running session.
	ErrNoSession = errors.New("sim: no session on connector")
)

// Charger is one simulated OCPP 1.6J charge point. Create it with New, start
// it with Run; the other methods are safe for concurrent use, before and
// while Run runs.
//
// Lock order: Charger.mu, then link.mu or link.writeMu; no lock is held
// during network I/O except link.writeMu for one write.
type Charger struct {
	cfg Config
	reg *ocpp.Registry

	mu          sync.Mutex
	conns       []*connector // index 0 is the charge point itself
	keys        map[string]*confKey
	password    string // Basic auth password of the next connection (AuthorizationKey)
	sec         secState
	queue       []*outItem
	wake        chan struct{} // cap 1: the queue grew
	bootNow     chan struct{} // cap 1: a TriggerMessage BootNotification while not yet accepted
	link        *link
	online      bool // BootNotification accepted on the current link
	running     bool
	hbInterval  time.Duration // from the boot answer
	changed     chan struct{} // closed and replaced on every event
	localList   map[string]v16.IdTagInfo
	listVersion int
	cache       map[string]v16.IdTagInfo
	firmware    string
	fwStatus    v16.FirmwareStatus
	diagStatus  v16.DiagnosticsStatus
	reboot      bool          // a Reset asked for a reboot
	hbOverride  time.Duration // Config.Heartbeat until the central system sets HeartbeatInterval
	mvOverride  time.Duration // Config.MeterInterval until it sets MeterValueSampleInterval
	boots       int           // accepted BootNotifications
	runCtx      context.Context
	wg          sync.WaitGroup // follow-up work started by commands
}

// outItem is one CALL waiting in the charger's outbox.
type outItem struct {
	action   string
	build    func() any     // called by the sender without c.mu held
	tx       bool           // transaction message: kept while offline, retried (OCPP 1.6 §3.7)
	attempts int            // CALLERRORs so far
	onAnswer func(resp any) // called by the sender on a CALLRESULT, without c.mu held
	res      chan error     // optional, cap 1: the final outcome
}

// New returns a charger for cfg, not yet connected.
func New(cfg Config) *Charger {
	cfg.defaults()
	c := &Charger{
		cfg:        cfg,
		reg:        v16.Registry(),
		wake:       make(chan struct{}, 1),
		bootNow:    make(chan struct{}, 1),
		changed:    make(chan struct{}),
		localList:  map[string]v16.IdTagInfo{},
		cache:      map[string]v16.IdTagInfo{},
		firmware:   cfg.Firmware,
		password:   cfg.Password,
		hbOverride: cfg.Heartbeat,
		mvOverride: cfg.MeterInterval,
		fwStatus:   v16.FirmwareStatusIdle,
		diagStatus: v16.DiagnosticsStatusIdle,
	}
	c.keys = defaultKeys(&c.cfg)
	base := 1_000_000 + rand.Float64()*4_000_000 // a meter that has seen some use
	for i := 0; i <= cfg.Connectors; i++ {
		c.conns = append(c.conns, &connector{id: i, operative: true, meterWh: base + float64(i)*100_000})
	}
	for _, cn := range c.conns {
		cn.status = c.deriveStatus(cn)
	}
	c.sec.init(&c.cfg)
	return c
}

// Password returns the Basic auth password the charger connects with: the
// configured one until the central system sets AuthorizationKey.
func (c *Charger) Password() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.password
}

// Identity returns the charge point identity.
func (c *Charger) Identity() string { return c.cfg.Identity }

// Run connects, boots and plays the charger until ctx ends, reconnecting
// with backoff whenever the connection is lost. It returns nil when ctx
// ends, or an error if the charger is already running.
func (c *Charger) Run(ctx context.Context) error {
	c.mu.Lock()
	if c.running {
		c.mu.Unlock()
		return fmt.Errorf("sim %s: already running", c.cfg.Identity)
	}
	ctx, cancel := context.WithCancel(ctx)
	c.running, c.runCtx = true, ctx
	c.mu.Unlock()
	defer func() {
		cancel()
		c.wg.Wait()
		c.mu.Lock()
		c.running = false
		c.mu.Unlock()
	}()
	c.wg.Add(1)
	go func() { defer c.wg.Done(); c.meterLoop(ctx) }()

	backoff := c.cfg.MinBackoff
	for ctx.Err() == nil {
		l, err := c.sec.dialSec(ctx, &c.cfg, ocpp.V16, c.Password())
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			wait := jitter(backoff)
			c.emit(Event{Kind: EventDisconnected, Detail: fmt.Sprintf("dial failed, retry in %s: %v", wait, err)})
			c.cfg.Logger.Debug("sim: dial failed", "identity", c.cfg.Identity, "retry", wait, "err", err)
			backoff = nextBackoff(backoff, c.cfg.MaxBackoff)
			sleep(ctx, wait)
			continue
		}
		backoff = c.cfg.MinBackoff
		c.serve(ctx, l)
		c.mu.Lock()
		rebooting := c.reboot
		c.reboot = false
		c.mu.Unlock()
		if rebooting {
			sleep(ctx, c.cfg.RebootDelay)
		} else {
			sleep(ctx, jitter(c.cfg.MinBackoff))
		}
	}
	return nil
}

// nextBackoff doubles d up to max.
func nextBackoff(d, max time.Duration) time.Duration {
	if d *= 2; d > max {
		return max
	}
	return d
}

// jitter returns d ± 25 %, so that a fleet does not reconnect in lock step.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.75 + 0.5*rand.Float64()))
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// serve plays one connection: boot, then the outbox, until it closes.
func (c *Charger) serve(ctx context.Context, l *link) {
	c.mu.Lock()
	c.link, c.online = l, false
	c.emitLocked(Event{Kind: EventConnected})
	c.mu.Unlock()
	c.cfg.Logger.Debug("sim: connected", "identity", c.cfg.Identity)

	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		l.readLoop(func(call ocpp.Call) { c.onCall(l, call) }, func(err error) {
			c.emit(Event{Kind: EventDropped, Detail: err.Error()})
		})
	}()
	stop := context.AfterFunc(ctx, l.close)
	if c.boot(ctx, l) {
		c.sendLoop(ctx, l)
	}
	stop()
	l.close()
	<-readDone

	c.mu.Lock()
	c.link, c.online = nil, false
	dropped := c.dropUnsentLocked()
	c.emitLocked(Event{Kind: EventDisconnected, Detail: "connection closed"})
	c.mu.Unlock()
	for _, it := range dropped {
		settle(it, fmt.Errorf("%s: %w", it.action, ErrOffline))
	}
	c.cfg.Logger.Debug("sim: disconnected", "identity", c.cfg.Identity)
}

// Disconnect drops the current connection as a network failure would; Run
// reconnects after the usual delay.
func (c *Charger) Disconnect() {
	c.mu.Lock()
	l := c.link
	c.mu.Unlock()
	if l != nil {
		l.close()
	}
}

// Online reports whether the charger is connected and its BootNotification
// was accepted.
func (c *Charger) Online() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.online
}

// Boots returns how many BootNotifications the central system accepted.
func (c *Charger) Boots() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.boots
}

// QueueLen returns the number of messages waiting to be sent.
func (c *Charger) QueueLen() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue)
}

// WaitFor waits until cond returns true, checking it after every event of
// the charger, or until ctx ends. cond may call the Charger's methods.
func (c *Charger) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		c.mu.Lock()
		ch := c.changed
		c.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("sim %s: wait: %w", c.cfg.Identity, ctx.Err())
		}
	}
}

func (c *Charger) emit(ev Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.emitLocked(ev)
}

// emitLocked records ev, wakes WaitFor and calls the hook; c.mu is held.
func (c *Charger) emitLocked(ev Event) {
	ev.Identity = c.cfg.Identity
	if ev.Time.IsZero() {
		ev.Time = c.cfg.Clock()
	}
	close(c.changed)
	c.changed = make(chan struct{})
	if c.cfg.OnEvent != nil {
		c.cfg.OnEvent(ev)
	}
}

// now returns the simulated time.
func (c *Charger) now() time.Time { return c.cfg.Clock() }

func (c *Charger) nowDT() ocpp.DateTime { return ocpp.NewDateTime(c.now()) }

// boot sends BootNotification until it is accepted (OCPP 1.6 §4.2), waiting
// the interval the central system gives after Pending or Rejected. It then
// reports every connector's status (§4.9). It returns false if the link or
// ctx ended first.
func (c *Charger) boot(ctx context.Context, l *link) bool {
	for {
		resp, err := c.exchange(ctx, l, v16.ActionBootNotification, c.bootRequest())
		retry := c.cfg.BootRetry
		if err == nil {
			br := resp.(*v16.BootNotificationResponse)
			c.onBootAnswer(br)
			if br.Status == v16.RegistrationStatusAccepted {
				c.reportAllStatus(true)
				return true
			}
			if br.Interval > 0 {
				retry = time.Duration(br.Interval) * time.Second
			}
		} else if errors.Is(err, errLinkClosed) || ctx.Err() != nil {
			return false
		}
		select {
		case <-time.After(retry):
		case <-c.bootNow: // triggered while Pending: boot again now
		case <-l.closed:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

func (c *Charger) bootRequest() *v16.BootNotificationRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return &v16.BootNotificationRequest{
		ChargePointVendor:       c.cfg.Vendor,
		ChargePointModel:        c.cfg.Model,
		ChargePointSerialNumber: c.cfg.Serial,
		ChargeBoxSerialNumber:   c.cfg.Serial,
		FirmwareVersion:         c.firmware,
		MeterType:               "SimMeter",
		MeterSerialNumber:       c.cfg.Serial,
	}
}

// onBootAnswer records a BootNotification answer: status and heartbeat
// interval (OCPP 1.6 §4.2: interval is the heartbeat interval when Accepted).
func (c *Charger) onBootAnswer(br *v16.BootNotificationResponse) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if br.Status == v16.RegistrationStatusAccepted {
		c.online = true
		c.boots++
		if br.Interval > 0 {
			c.hbInterval = time.Duration(br.Interval) * time.Second
			if c.hbOverride <= 0 {
				c.keys[keyHeartbeatInterval].value = fmt.Sprint(br.Interval)
			}
		}
	}
	c.emitLocked(Event{Kind: EventBooted, Action: v16.ActionBootNotification, Detail: string(br.Status)})
}

// heartbeatEvery returns the heartbeat interval: Config.Heartbeat until the
// central system changes HeartbeatInterval, else that key (which the boot
// answer sets), else 5 minutes.
func (c *Charger) heartbeatEvery() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hbOverride > 0 {
		return c.hbOverride
	}
	if s := keyInt(c.keys, keyHeartbeatInterval); s > 0 {
		return time.Duration(s) * time.Second
	}
	if c.hbInterval > 0 {
		return c.hbInterval
	}
	return 5 * time.Minute
}

// goFollow runs f in the background as the follow-up of a command, bound to
// Run's context.
func (c *Charger) goFollow(f func(ctx context.Context)) {
	c.mu.Lock()
	ctx := c.runCtx
	c.mu.Unlock()
	if ctx == nil || ctx.Err() != nil {
		return
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		f(ctx)
	}()
}

// idTagKey is the key of an idTag in the local list and cache: OCPP compares
// idTags case-insensitively (CiString20).
func idTagKey(s string) string { return strings.ToUpper(s) }
