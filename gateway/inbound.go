package gateway

import (
	"errors"
	"runtime/debug"

	"github.com/gorilla/websocket"
	"github.com/volt-ev/volt/ocpp"
)

// onMessage handles one received websocket message on the reader goroutine.
// It never blocks: charger CALLs go to the handler goroutine.
func (c *conn) onMessage(data []byte) {
	defer func() {
		if r := recover(); r != nil { // never expected: the codec is fuzzed
			c.g.log.Error("gateway: panic reading a frame", "cpid", c.cpid, "panic", r, "stack", string(debug.Stack()))
			c.closeWith(websocket.CloseInternalServerErr, "internal error", nil)
		}
	}()
	f, err := ocpp.ParseFrame(c.proto.version, data)
	if err != nil {
		var fe *ocpp.FrameError
		if !errors.As(err, &fe) {
			fe = &ocpp.FrameError{Err: err}
		}
		c.g.frames.add(c, "in", "", fe.UniqueID, data)
		c.g.log.Warn("gateway: bad frame", "cpid", c.cpid, "err", fe.Err, "answered", fe.Reply != nil)
		if fe.Reply != nil {
			c.sendFrame(*fe.Reply, "")
		}
		return
	}
	switch f := f.(type) {
	case ocpp.Call:
		c.g.stats.callsIn.Add(1)
		c.g.frames.add(c, "in", f.Action, f.UniqueID, data)
		c.enqueueInbound(inbound{call: f})
	case ocpp.Send: // OCPP 2.1, never answered (v21_send.go)
		c.g.frames.add(c, "in", f.Action, f.UniqueID, data)
		c.enqueueInbound(inbound{call: ocpp.Call(f), send: true})
	case ocpp.CallResult:
		action := c.resolve(f.UniqueID, callOutcome{payload: f.Payload})
		c.g.frames.add(c, "in", action, f.UniqueID, data)
	case ocpp.CallError:
		action := c.resolve(f.UniqueID, callOutcome{err: callError(c.cpid, f)})
		c.g.frames.add(c, "in", action, f.UniqueID, data)
	}
}

// sendFrame queues a CALLRESULT or CALLERROR; action names the CALL it
// answers, for the message log.
func (c *conn) sendFrame(f interface {
	MarshalJSON() ([]byte, error)
	ID() string
}, action string) {
	b, err := f.MarshalJSON()
	if err != nil {
		c.g.log.Error("gateway: marshal frame", "cpid", c.cpid, "err", err)
		b, _ = ocpp.NewCallError(f.ID(), ocpp.InternalError, "could not encode the answer").MarshalJSON()
	}
	c.enqueue(outFrame{data: b, action: action, id: f.ID()})
}

// inbound is a charger CALL, or an OCPP 2.1 SEND (same shape, no answer).
type inbound struct {
	call ocpp.Call
	send bool
}

// enqueueInbound queues a charger CALL for the handler goroutine, starting it
// if needed. A charger with InboxSize CALLs unanswered is closed: OCPP allows
// one (a second one is tolerated; dozens are abuse).
func (c *conn) enqueueInbound(call inbound) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if len(c.inbox) >= c.g.cfg.InboxSize {
		c.mu.Unlock()
		c.closeWith(websocket.ClosePolicyViolation, "too many unanswered CALLs", nil)
		return
	}
	c.inbox = append(c.inbox, call)
	if !c.handling {
		c.handling = true
		c.g.wg.Add(1)
		go c.handleLoop()
	}
	c.mu.Unlock()
}

// handleLoop runs queued charger CALLs one at a time, in arrival order, and
// exits when none is left.
func (c *conn) handleLoop() {
	defer c.g.wg.Done()
	for {
		c.mu.Lock()
		if c.closed || len(c.inbox) == 0 {
			c.handling, c.inbox = false, nil
			c.mu.Unlock()
			return
		}
		m := c.inbox[0]
		c.inbox[0] = inbound{}
		c.inbox = c.inbox[1:]
		c.mu.Unlock()
		if m.send {
			c.dispatchSend(m.call)
		} else {
			c.dispatch(m.call)
		}
	}
}

// dispatch runs one charger CALL and queues its answer. A handler's panic
// becomes an InternalError CALLERROR; the connection stays up.
func (c *conn) dispatch(call ocpp.Call) {
	defer c.runThen()
	resp, err := c.invoke(call)
	if err != nil {
		var oe *ocpp.Error
		if !errors.As(err, &oe) {
			c.g.log.Error("gateway: handler failed", "cpid", c.cpid, "action", call.Action, "err", err)
			oe = &ocpp.Error{Code: ocpp.InternalError, Reason: "internal error"}
		}
		c.sendFrame(oe.CallError(call.UniqueID), call.Action)
		return
	}
	res, err := ocpp.NewCallResult(call.UniqueID, resp)
	if err != nil {
		c.g.log.Error("gateway: marshal answer", "cpid", c.cpid, "action", call.Action, "err", err)
		c.sendFrame(ocpp.NewCallError(call.UniqueID, ocpp.InternalError, "could not encode the answer"), call.Action)
		return
	}
	c.sendFrame(res, call.Action)
}

func (c *conn) invoke(call ocpp.Call) (resp any, err error) {
	defer func() {
		if r := recover(); r != nil {
			c.g.log.Error("gateway: handler panic", "cpid", c.cpid, "action", call.Action, "panic", r, "stack", string(debug.Stack()))
			resp, err = nil, &ocpp.Error{Code: ocpp.InternalError, Reason: "internal error"}
		}
	}()
	return c.proto.serve(c, call)
}

// then schedules f to run once the answer of the CALL being handled is
// queued (a handler's follow-up CALL must not overtake its answer). Only the
// handler goroutine uses it.
func (c *conn) then(f func()) { c.thens = append(c.thens, f) }

func (c *conn) runThen() {
	fs := c.thens
	c.thens = nil
	for _, f := range fs {
		f()
	}
}
