package gateway

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp"
)

// conn is one charger websocket. The reader goroutine (run) owns reading and
// the teardown; the writer goroutine, started while the outbox is not empty,
// owns writing data frames; the handler goroutine, started while charger
// CALLs are queued, runs them in order.
type conn struct {
	g        *Gateway
	ws       *websocket.Conn
	proto    *protocol
	cpoID    string // the charger's CPO as authenticated (not the whole Charger: memory per idle connection)
	cpid     string
	identity string
	remote   string
	slot     *slot // set by register before the reader starts
	fence    int64 // the store's fence of this connection (cluster.go); 0 if not fenced
	profile  int   // OCPP security profile of the connection (security_serve.go)
	// handshake is what was read with the password; run uses it and drops it.
	handshake *volt.ChargerHandshake

	// bc and br are the gateway's own reader under the websocket library
	// (idleread.go); nil when the library reads the socket itself.
	bc *byteConn
	br *bufio.Reader

	ctx    context.Context // cancelled at teardown
	cancel context.CancelFunc

	lastRead atomic.Int64  // monotonic nanoseconds (sinceStart) of the last frame or pong
	relax    atomic.Uint32 // ocpp.Relaxations of the charger's model
	model    atomic.Uint64 // modelKey of the make and model relax was read for
	timer    *time.Timer   // liveness; guarded by mu after creation

	mu          sync.Mutex
	closed      bool
	closeCode   int
	closeReason string
	callErr     error // what pending calls fail with; nil: offline

	outbox  []outFrame // waiting for the writer; nil when empty
	writing bool       // a writer goroutine is running

	inbox    []inbound // charger CALLs (and 2.1 SENDs) waiting for the handler
	handling bool      // a handler goroutine is running

	inflight *outCall   // our outstanding CALL
	queue    []*outCall // our CALLs waiting for the slot

	boot bootState

	thens []func() // follow-ups of the CALL being handled; handler goroutine only

	hub    *hubConn // a hub's connection: its sockets (hub.go); nil for a charger
	viewOf *conn    // a hub socket's view: the hub connection its CALLs go out on
}

type bootState uint8

const (
	bootUnknown  bootState = iota // no BootNotification on this connection yet
	bootAccepted                  // answered Accepted
	bootRefused                   // answered Pending or Rejected: other CALLs get SecurityError
)

// outFrame is one frame for the writer. ping frames carry no data.
type outFrame struct {
	data       []byte
	action, id string
	ping       bool
}

var processStart = time.Now()

func sinceStart() int64 { return int64(time.Since(processStart)) }

func newConn(g *Gateway, ws *websocket.Conn, p *protocol, ch *volt.Charger, identity, remote string, h *hijacker) *conn {
	ctx, cancel := context.WithCancel(g.ctx)
	c := &conn{g: g, ws: ws, proto: p, cpoID: ch.CPOID, cpid: ch.CPID, identity: identity, remote: remote, ctx: ctx, cancel: cancel,
		hub: newHubConn(ch), handshake: ch.Handshake}
	c.model.Store(modelKey(ch.Vendor, ch.Model))
	if h != nil && h.bc != nil && ws.NetConn() == net.Conn(h.bc) {
		c.bc, c.br = h.bc, h.br
	}
	c.lastRead.Store(sinceStart())
	ws.SetReadLimit(g.cfg.MaxMessageSize)
	ws.SetPongHandler(func(string) error { c.touch(); return nil })
	ws.SetPingHandler(c.onPing)
	return c
}

func (c *conn) touch() { c.lastRead.Store(sinceStart()) }

func (c *conn) onPing(data string) error {
	c.touch()
	err := c.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(c.g.cfg.WriteTimeout))
	var ne net.Error
	if err == nil || errors.Is(err, websocket.ErrCloseSent) || (errors.As(err, &ne) && ne.Timeout()) {
		return nil
	}
	return err
}

// run is the reader goroutine: register, read until the connection ends,
// tear down.
func (c *conn) run() {
	c.mu.Lock()
	c.timer = time.AfterFunc(c.g.cfg.PingInterval, c.checkLiveness)
	c.mu.Unlock()
	c.g.register(c)
	c.g.registerHub(c) // a hub's other sockets (hub.go)
	if hs := c.handshake; hs != nil && hs.RelaxationsRead {
		c.setRelaxations(hs.Relaxations) // read with the password: no read here
	} else {
		c.loadRelaxations()
	}
	c.handshake = nil
	c.g.log.Info("gateway: charger connected", "cpid", c.cpid, "identity", c.identity, "remote", c.remote, "version", c.proto.version)
	// The store calls above grow this goroutine's stack (to 8-16 KiB with
	// the SQLite driver), and a parked goroutine's stack is shrunk only
	// one halving per GC, which an idle node rarely runs. Reading goes on
	// on fresh goroutines with small stacks (idleread.go).
	if c.bc != nil {
		go c.waitFrames()
	} else {
		go c.serveReads()
	}
}

// serveReads reads and dispatches the charger's frames while they are
// waiting; with the gateway's own reader (idleread.go), once nothing is read
// ahead it hands the connection to a fresh goroutine to wait, and returns.
func (c *conn) serveReads() {
	for {
		if c.bc != nil {
			if c.br.Buffered() == 0 && !c.bc.has {
				go c.waitFrames()
				return
			}
			if c.controlFrame() {
				continue
			}
		}
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			c.finish(c.readEnded(err))
			return
		}
		c.touch()
		c.onMessage(data)
	}
}

// finish ends the connection once reading has ended, on the last reader.
func (c *conn) finish(reason string) {
	defer c.g.wg.Done()
	defer c.g.track(-1)
	c.teardown(reason)
}

func (c *conn) loadRelaxations() {
	names, err := c.g.cfg.Charging.ChargerRelaxations(c.ctx, c.cpid)
	if err != nil {
		c.g.log.Warn("gateway: charger relaxations, decoding strictly", "cpid", c.cpid, "err", err)
		return
	}
	c.setRelaxations(names)
}

func (c *conn) setRelaxations(names []string) {
	r, err := ocpp.ParseRelaxations(names)
	if err != nil {
		c.g.log.Warn("gateway: bad relaxation names, decoding strictly", "cpid", c.cpid, "err", err)
		return
	}
	c.relax.Store(uint32(r))
}

// bootedModel reloads the relaxations after a boot that changed the
// charger's make or model; a boot on the model the connection started with
// (every reconnect) reads nothing. A change of a model's relaxations takes
// effect at its chargers' next connection.
func (c *conn) bootedModel(vendor, model string) {
	if k := modelKey(vendor, model); c.model.Swap(k) != k {
		c.loadRelaxations()
	}
}

// modelKey is a 64-bit FNV-1a hash of a make and model: eight bytes per
// connection instead of the two strings.
func modelKey(vendor, model string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(vendor))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(model))
	return h.Sum64()
}

func (c *conn) relaxations() ocpp.Relaxations { return ocpp.Relaxations(c.relax.Load()) }

// readEnded returns why reading ended with err.
func (c *conn) readEnded(err error) string {
	c.mu.Lock()
	closed, reason := c.closed, c.closeReason
	c.mu.Unlock()
	if closed {
		return reason
	}
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return fmt.Sprintf("closed by charger: %d %s", ce.Code, ce.Text)
	}
	return "read: " + err.Error()
}

// checkLiveness runs on the liveness timer: ping when idle, close when stale.
func (c *conn) checkLiveness() {
	cfg := &c.g.cfg
	idle := time.Duration(sinceStart() - c.lastRead.Load())
	if idle >= cfg.StaleAfter {
		c.g.stats.stale.Add(1)
		c.closeWith(websocket.CloseGoingAway, "stale: nothing received for "+idle.Round(time.Second).String(), nil)
		return
	}
	next := cfg.PingInterval - idle
	if idle >= cfg.PingInterval {
		c.enqueue(outFrame{ping: true})
		next = min(cfg.PingInterval, cfg.StaleAfter-idle)
	}
	c.mu.Lock()
	if !c.closed {
		c.timer.Reset(next)
	}
	c.mu.Unlock()
}

// enqueue queues a frame for the writer without blocking. A full outbox
// closes the connection as a slow consumer.
func (c *conn) enqueue(f outFrame) {
	c.mu.Lock()
	overflow := c.enqueueLocked(f)
	c.mu.Unlock()
	if overflow {
		c.slowConsumer()
	}
}

// enqueueLocked queues f and starts the writer if needed; it reports an
// overflow, which the caller handles with slowConsumer after unlocking.
func (c *conn) enqueueLocked(f outFrame) (overflow bool) {
	if c.closed {
		return false
	}
	if len(c.outbox) >= c.g.cfg.OutboxSize {
		return true
	}
	c.outbox = append(c.outbox, f)
	if !c.writing {
		c.writing = true
		c.g.wg.Add(1)
		go c.writeLoop()
	}
	return false
}

func (c *conn) slowConsumer() {
	c.g.stats.slowConsumers.Add(1)
	c.closeWith(websocket.CloseTryAgainLater, "slow consumer: outbox full", nil)
}

// writeLoop writes the outbox and exits when it is empty.
func (c *conn) writeLoop() {
	defer c.g.wg.Done()
	for {
		c.mu.Lock()
		if c.closed || len(c.outbox) == 0 {
			c.writing, c.outbox = false, nil
			c.mu.Unlock()
			return
		}
		batch := c.outbox
		c.outbox = nil
		c.mu.Unlock()
		for _, f := range batch {
			if err := c.write(f); err != nil {
				c.closeWith(websocket.CloseAbnormalClosure, "write: "+err.Error(), nil)
				c.mu.Lock()
				c.writing, c.outbox = false, nil
				c.mu.Unlock()
				return
			}
		}
	}
}

func (c *conn) write(f outFrame) error {
	deadline := time.Now().Add(c.g.cfg.WriteTimeout)
	if f.ping {
		return c.ws.WriteControl(websocket.PingMessage, nil, deadline)
	}
	if err := c.ws.SetWriteDeadline(deadline); err != nil {
		return err
	}
	if err := c.ws.WriteMessage(websocket.TextMessage, f.data); err != nil {
		return err
	}
	c.g.frames.add(c, "out", f.action, f.id, f.data)
	return nil
}

// closeWith marks the connection closed and wakes the reader, which tears it
// down. It never blocks. callErr is what pending calls fail with (nil:
// ECHARGEROFFLINE).
func (c *conn) closeWith(code int, reason string, callErr error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed, c.closeCode, c.closeReason, c.callErr = true, code, reason, callErr
	c.mu.Unlock()
	_ = c.ws.SetReadDeadline(time.Now()) // the reader's ReadMessage returns now
}

// teardown runs on the reader goroutine once reading has ended.
func (c *conn) teardown(reason string) {
	c.mu.Lock()
	if !c.closed {
		c.closed, c.closeCode, c.closeReason = true, websocket.CloseNormalClosure, reason
	}
	code, callErr := c.closeCode, c.callErr
	pending := c.queue
	if c.inflight != nil {
		pending = append([]*outCall{c.inflight}, pending...)
	}
	c.inflight, c.queue, c.outbox, c.inbox = nil, nil, nil, nil
	c.timer.Stop()
	c.mu.Unlock()

	c.cancel()
	err := offlineError(c.cpid, callErr)
	for _, oc := range pending {
		oc.done <- callOutcome{err: err}
	}
	if code != websocket.CloseAbnormalClosure {
		msg := websocket.FormatCloseMessage(code, truncateReason(reason))
		_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	}
	_ = c.ws.Close()
	c.g.unregister(c, reason)
	c.g.log.Info("gateway: charger disconnected", "cpid", c.cpid, "identity", c.identity, "reason", reason)
}

// truncateReason keeps a close reason within the 123 bytes a close frame
// allows.
func truncateReason(s string) string {
	if len(s) <= 120 {
		return s
	}
	return s[:120]
}

func offlineError(cpid string, cause error) error {
	ve := &volt.Error{Code: volt.ECHARGEROFFLINE, Message: "charger " + cpid + " is not connected"}
	if cause != nil {
		ve.Message = "charger " + cpid + " reconnected; the call's answer is lost"
		return errors.Join(cause, ve)
	}
	return ve
}
