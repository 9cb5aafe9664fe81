package sim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v201"
	"github.com/volt-ev/volt/ocpp/v21"
)

// Charger2 is one simulated OCPP 2.0.1 or 2.1 charging station. It plays
// the firmware a CSMS meets: BootNotification until accepted, the status of
// every EVSE, the device model on GetBaseReport (NotifyReport), Heartbeat,
// transactions as TransactionEvent Started/Updated/Ended with seqNo and
// meter values, kept while offline and sent later with offline set, and it
// answers the CSMS's commands (v2_commands.go). Each EVSE has one
// connector. Create it with New2x, start it with Run; the other methods are
// safe for concurrent use.
//
// Lock order: Charger2.mu, then link.mu or link.writeMu; no lock is held
// during network I/O except link.writeMu for one write.
type Charger2 struct {
	sec     secState // security profile and certificates (security.go)
	cfg     Config
	version ocpp.Version
	reg     *ocpp.Registry

	mu         sync.Mutex
	evses      []*evse2 // index 0 is the station itself
	vars       map[string]string
	queue      []*item2
	wake       chan struct{}
	link       *link
	online     bool
	running    bool
	hbInterval time.Duration
	changed    chan struct{}
	boots      int
	reboot     bool
	nextTx     int
	display    []string // messages the CSMS set (SetDisplayMessage, CostUpdated)
	wg         sync.WaitGroup
}

type evse2 struct {
	id        int
	plugged   bool
	operative bool
	status    v201.ConnectorStatusEnum
	meterWh   float64
	exportWh  float64 // energy given back (V2X, 2.1)
	tx        *tx2
	profiles  []profile2 // charging profiles the CSMS set (v2_profiles.go)
}

// tx2 is a transaction as the station sees it.
type tx2 struct {
	id            string
	idToken       string
	seq           int
	powerW        float64 // < 0 while discharging
	carMaxW       float64 // what the car takes (and gives) at most
	start         time.Time
	lastSample    time.Time
	remoteStartID *int
}

// item2 is one CALL waiting in the station's outbox. Transaction events
// are kept while offline (E.FR? "queue while offline"; OCPP 2.0.1 E04) and
// retried; other messages are dropped when the connection ends.
type item2 struct {
	action  string
	payload any
	tx      bool
	res     chan error
	answer  func(resp any)
}

// New2x returns a station speaking version (ocpp.V201 or ocpp.V21), not yet
// connected.
func New2x(cfg Config, version ocpp.Version) *Charger2 {
	cfg.defaults()
	reg := v201.Registry()
	if version == ocpp.V21 {
		reg = v21.Registry()
	} else {
		version = ocpp.V201
	}
	c := &Charger2{cfg: cfg, version: version, reg: reg, wake: make(chan struct{}, 1), changed: make(chan struct{})}
	c.sec.init(&c.cfg)
	c.vars = map[string]string{
		"OCPPCommCtrlr/HeartbeatInterval":    "300",
		"SampledDataCtrlr/TxUpdatedInterval": strconv.Itoa(int(cfg.MeterInterval / time.Second)),
		"DeviceDataCtrlr/ItemsPerMessage":    "20",
		"AuthCtrlr/AuthorizeRemoteStart":     "false",
		"SecurityCtrlr/Identity":             cfg.Identity,
		keyBasicAuthPassword:                 cfg.Password,
		"DisplayMessageCtrlr/Enabled":        "true",
		keyNetworkPriority:                   "0",
	}
	base := 1_000_000 + rand.Float64()*4_000_000
	for i := 0; i <= cfg.Connectors; i++ {
		c.evses = append(c.evses, &evse2{id: i, operative: true, meterWh: base + float64(i)*100_000, status: v201.ConnectorStatusEnumAvailable})
	}
	return c
}

// Identity returns the station's identity.
func (c *Charger2) Identity() string { return c.cfg.Identity }

// Password returns the Basic auth password the station connects with: the
// configured one until the CSMS sets SecurityCtrlr.BasicAuthPassword (A01).
func (c *Charger2) Password() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.vars[keyBasicAuthPassword]
}

// Version returns the OCPP version the station speaks.
func (c *Charger2) Version() ocpp.Version { return c.version }

// Run connects, boots and plays the station until ctx ends, reconnecting
// with backoff when the connection is lost.
func (c *Charger2) Run(ctx context.Context) error {
	c.mu.Lock()
	if c.running {
		c.mu.Unlock()
		return fmt.Errorf("sim %s: already running", c.cfg.Identity)
	}
	ctx, cancel := context.WithCancel(ctx)
	c.running = true
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
		l, err := c.sec.dialSec(ctx, &c.cfg, c.version, c.Password())
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			wait := jitter(backoff)
			c.emit(Event{Kind: EventDisconnected, Detail: fmt.Sprintf("dial failed, retry in %s: %v", wait, err)})
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

func (c *Charger2) serve(ctx context.Context, l *link) {
	c.mu.Lock()
	c.link, c.online = l, false
	c.emitLocked(Event{Kind: EventConnected, Detail: string(c.version)})
	c.mu.Unlock()
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
	kept := c.queue[:0]
	var dropped []*item2
	for _, it := range c.queue {
		if it.tx {
			kept = append(kept, it)
		} else {
			dropped = append(dropped, it)
		}
	}
	clear(c.queue[len(kept):])
	c.queue = kept
	c.emitLocked(Event{Kind: EventDisconnected, Detail: "connection closed"})
	c.mu.Unlock()
	for _, it := range dropped {
		settle2(it, fmt.Errorf("%s: %w", it.action, ErrOffline))
	}
}

// boot sends BootNotification until Accepted (B01), then the status of
// every connector (B01.FR.?: StatusNotification after boot).
func (c *Charger2) boot(ctx context.Context, l *link) bool {
	for {
		req := &v201.BootNotificationRequest{Reason: v201.BootReasonEnumPowerUp, ChargingStation: v201.ChargingStation{
			Model: c.cfg.Model, VendorName: c.cfg.Vendor, SerialNumber: c.cfg.Serial, FirmwareVersion: c.cfg.Firmware}}
		c.mu.Lock()
		if c.boots > 0 {
			req.Reason = v201.BootReasonEnumRemoteReset
		}
		c.mu.Unlock()
		var br v201.BootNotificationResponse
		err := c.exchange(ctx, l, v201.ActionBootNotification, req, &br)
		retry := c.cfg.BootRetry
		if err == nil {
			c.emit(Event{Kind: EventBooted, Detail: string(br.Status)})
			if br.Status == v201.RegistrationStatusEnumAccepted {
				c.mu.Lock()
				c.online, c.boots = true, c.boots+1
				c.hbInterval = time.Duration(br.Interval) * time.Second
				var status []*item2
				for _, e := range c.evses[1:] {
					status = append(status, &item2{action: v201.ActionStatusNotification, payload: c.statusLocked(e)})
				}
				c.queue = append(status, c.queue...)
				c.emitLocked(Event{Kind: EventStatus, Detail: "online"})
				c.mu.Unlock()
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
		case <-l.closed:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

func (c *Charger2) statusLocked(e *evse2) *v201.StatusNotificationRequest {
	return &v201.StatusNotificationRequest{Timestamp: ocpp.NewDateTime(c.cfg.Clock()), ConnectorStatus: e.status, EvseID: e.id, ConnectorID: 1}
}

// setStatusLocked changes an EVSE's connector status and reports it.
func (c *Charger2) setStatusLocked(e *evse2) {
	st := v201.ConnectorStatusEnumAvailable
	switch {
	case !e.operative:
		st = v201.ConnectorStatusEnumUnavailable
	case e.plugged || e.tx != nil:
		st = v201.ConnectorStatusEnumOccupied
	}
	if st == e.status {
		return
	}
	e.status = st
	c.emitLocked(Event{Kind: EventStatus, Connector: e.id, Detail: string(st)})
	c.enqueueLocked(&item2{action: v201.ActionStatusNotification, payload: c.statusLocked(e)})
}

func (c *Charger2) heartbeatEvery() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cfg.Heartbeat > 0 {
		return c.cfg.Heartbeat
	}
	if c.hbInterval > 0 {
		return c.hbInterval
	}
	return 5 * time.Minute
}

// enqueueLocked appends it to the outbox; a message that is not a
// transaction event is refused while offline.
func (c *Charger2) enqueueLocked(it *item2) bool {
	if !it.tx && !c.online {
		return false
	}
	c.queue = append(c.queue, it)
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return true
}

func settle2(it *item2, err error) {
	if it.res != nil {
		it.res <- err
	}
}

// sendLoop sends the outbox in order, and a Heartbeat when idle for the
// interval, until the link closes.
func (c *Charger2) sendLoop(ctx context.Context, l *link) {
	hb := time.NewTimer(c.heartbeatEvery())
	defer hb.Stop()
	for {
		c.mu.Lock()
		var it *item2
		if len(c.queue) > 0 {
			it = c.queue[0]
		}
		c.mu.Unlock()
		if it == nil {
			select {
			case <-c.wake:
			case <-hb.C:
				c.mu.Lock()
				c.enqueueLocked(&item2{action: v201.ActionHeartbeat, payload: &v201.HeartbeatRequest{}})
				c.mu.Unlock()
				hb.Reset(c.heartbeatEvery())
			case <-l.closed:
				return
			case <-ctx.Done():
				return
			}
			continue
		}
		var resp any
		err := c.exchange(ctx, l, it.action, it.payload, &resp)
		if err != nil && (errors.Is(err, errLinkClosed) || ctx.Err() != nil) && it.tx {
			return // kept: sent again after the next boot
		}
		c.mu.Lock()
		if len(c.queue) > 0 && c.queue[0] == it {
			c.queue[0] = nil
			c.queue = c.queue[1:]
		}
		c.wakeWaitersLocked() // WaitFor conditions on QueueLen
		c.mu.Unlock()
		if err == nil && it.answer != nil {
			it.answer(resp)
		}
		if err == nil && it.tx {
			c.emitAnswered(it)
		}
		settle2(it, err)
		if errors.Is(err, errLinkClosed) || ctx.Err() != nil {
			return
		}
	}
}

// exchange makes one CALL and decodes the answer into out: a pointer to the
// v201 response type, or to an any that receives the registry's type.
func (c *Charger2) exchange(ctx context.Context, l *link, action string, payload any, out any) error {
	call, err := ocpp.NewCall(action, payload)
	if err != nil {
		return err
	}
	if c.cfg.OnEvent != nil {
		b, _ := call.MarshalJSON()
		c.emit(Event{Kind: EventSent, Action: action, Frame: b})
	}
	start := time.Now()
	f, err := l.call(ctx, call, c.cfg.CallTimeout)
	if err == nil {
		if c.cfg.OnEvent != nil {
			b, _ := jsonFrame(f)
			c.emit(Event{Kind: EventReceived, Action: action, Frame: b})
		}
		switch f := f.(type) {
		case ocpp.CallResult:
			var resp any
			resp, err = ocpp.DecodeResponse(c.reg, action, f.Payload, ocpp.Strict)
			if err == nil {
				err = assignResponse(out, resp, f.Payload)
			}
		case ocpp.CallError:
			err = &callError{f}
		}
	}
	if c.cfg.OnCall != nil {
		c.cfg.OnCall(CallStat{Identity: c.cfg.Identity, Action: action, RTT: time.Since(start), Err: err})
	}
	return err
}

// emitAnswered reports that the CSMS answered a transaction's Started or
// Ended event ("answered Started ID"), for the load run's ledger.
func (c *Charger2) emitAnswered(it *item2) {
	ev, ok := it.payload.(*v201.TransactionEventRequest)
	if !ok || ev.EventType == v201.TransactionEventEnumUpdated {
		return
	}
	n := 0
	if ev.Evse != nil {
		n = ev.Evse.ID
	}
	c.emit(Event{Kind: EventTransaction, Connector: n, Detail: "answered " + string(ev.EventType) + " " + ev.TransactionInfo.TransactionID})
}

// Online reports whether the station is connected and booted.
func (c *Charger2) Online() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.online
}

// Boots returns how many BootNotifications were accepted.
func (c *Charger2) Boots() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.boots
}

// QueueLen returns the number of messages waiting to be sent.
func (c *Charger2) QueueLen() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue)
}

// Variable returns a device model variable ("OCPPCommCtrlr/HeartbeatInterval").
func (c *Charger2) Variable(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.vars[key]
	return v, ok
}

// Display returns the messages the CSMS asked the station to show.
func (c *Charger2) Display() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.display...)
}

// Disconnect drops the connection as a network failure would.
func (c *Charger2) Disconnect() {
	c.mu.Lock()
	l := c.link
	c.mu.Unlock()
	if l != nil {
		l.close()
	}
}

// WaitFor waits until cond holds, checking it after every event, or until
// ctx ends.
func (c *Charger2) WaitFor(ctx context.Context, cond func() bool) error {
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

func (c *Charger2) emit(ev Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.emitLocked(ev)
}

// wakeWaitersLocked makes WaitFor check its condition again.
func (c *Charger2) wakeWaitersLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *Charger2) emitLocked(ev Event) {
	ev.Identity = c.cfg.Identity
	if ev.Time.IsZero() {
		ev.Time = c.cfg.Clock()
	}
	c.wakeWaitersLocked()
	if c.cfg.OnEvent != nil {
		c.cfg.OnEvent(ev)
	}
}
