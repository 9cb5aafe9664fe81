package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp"
)

// outCall is one CALL Volt sends to a charger. done receives exactly one
// outcome, from whoever removes the call from the connection's inflight slot
// or queue under conn.mu (answer or teardown); a caller that gives up removes
// it without sending.
type outCall struct {
	id, action string
	frame      []byte
	done       chan callOutcome
}

type callOutcome struct {
	payload json.RawMessage
	err     error
}

// CallErrorDetails is the Details of an ECALLERROR: the charger's CALLERROR.
type CallErrorDetails struct {
	ErrorCode        string          `json:"errorCode"`
	ErrorDescription string          `json:"errorDescription"`
	ErrorDetails     json.RawMessage `json:"errorDetails"`
}

// Call sends a CALL of action to the charger and returns the payload of its
// CALLRESULT. It implements volt.ChargerCommander. request is the payload: a
// typed request of the codec, any JSON-marshalable value, or JSON bytes
// (json.RawMessage, []byte); it is validated against the action's request
// type before sending (EINVALID naming the field). Errors: ECHARGEROFFLINE at
// once when the charger has no connection here (and when it disconnects
// before answering), ETIMEOUT after CallTimeout or the context's deadline,
// ECALLERROR with CallErrorDetails. After a GetConfiguration the keys are
// stored; after a ChangeConfiguration answered Accepted the new value is.
func (g *Gateway) Call(ctx context.Context, cpid, action string, request any) (json.RawMessage, error) {
	c := g.lookup(cpid)
	if c == nil {
		return nil, offlineError(cpid, nil)
	}
	c, request, err := routeSocket(c, cpid, action, request) // a hub socket: its view, hub connector ids (hub.go)
	if err != nil {
		return nil, err
	}
	action, request, err = translate(ctx, c, action, request) // 1.6 names and bodies on 2.x (v201_commands.go)
	if err != nil {
		return nil, err
	}
	payload, err := c.proto.validateRequest(action, request)
	if err != nil {
		return nil, err
	}
	if err := c.certManagementAllowed(action, payload); err != nil { // issue 18
		return nil, err
	}
	res, err := c.call(ctx, action, payload)
	if err != nil {
		return nil, err
	}
	c.proto.afterCall(ctx, c, action, payload, res)
	return res, nil
}

// call queues a CALL behind the outstanding one and waits for its answer.
func (c *conn) call(ctx context.Context, action string, payload json.RawMessage) (json.RawMessage, error) {
	if c.viewOf != nil { // a hub socket's CALL goes out on the hub (hub.go)
		return c.viewOf.call(ctx, action, payload)
	}
	ctx, cancel := context.WithTimeout(ctx, c.g.cfg.CallTimeout)
	defer cancel()
	oc := &outCall{id: ocpp.NewUniqueID(), action: action, done: make(chan callOutcome, 1)}
	oc.frame, _ = ocpp.Call{UniqueID: oc.id, Action: action, Payload: payload}.MarshalJSON()

	c.mu.Lock()
	if c.closed {
		callErr := c.callErr
		c.mu.Unlock()
		return nil, offlineError(c.cpid, callErr)
	}
	c.queue = append(c.queue, oc)
	overflow := c.pumpLocked()
	c.mu.Unlock()
	if overflow {
		c.slowConsumer()
	}

	select {
	case out := <-oc.done:
		return out.payload, out.err
	case <-ctx.Done():
		c.abandon(oc)
		select { // the answer may have won the race
		case out := <-oc.done:
			return out.payload, out.err
		default:
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, &volt.Error{Code: volt.ETIMEOUT, Message: fmt.Sprintf("charger %s did not answer %s in time", c.cpid, action)}
		}
		return nil, fmt.Errorf("call %s to %s: %w", action, c.cpid, ctx.Err())
	}
}

// pumpLocked sends the next queued CALL when the slot is free. It reports an
// outbox overflow (see enqueueLocked).
func (c *conn) pumpLocked() (overflow bool) {
	if c.inflight != nil || len(c.queue) == 0 || c.closed {
		return false
	}
	oc := c.queue[0]
	c.queue[0] = nil
	c.queue = c.queue[1:]
	if len(c.queue) == 0 {
		c.queue = nil
	}
	c.inflight = oc
	c.g.stats.callsOut.Add(1)
	return c.enqueueLocked(outFrame{data: oc.frame, action: oc.action, id: oc.id})
}

// abandon removes a call whose caller gave up, freeing the slot if it held
// it: a lost answer never blocks later calls.
func (c *conn) abandon(oc *outCall) {
	c.mu.Lock()
	overflow := false
	if c.inflight == oc {
		c.inflight = nil
		overflow = c.pumpLocked()
	} else {
		for i, q := range c.queue {
			if q == oc {
				c.queue = append(c.queue[:i], c.queue[i+1:]...)
				break
			}
		}
	}
	c.mu.Unlock()
	if overflow {
		c.slowConsumer()
	}
}

// resolve hands an answer to the outstanding call with that unique id and
// returns its action; an answer for no pending call is logged and dropped.
func (c *conn) resolve(id string, out callOutcome) (action string) {
	c.mu.Lock()
	oc := c.inflight
	if oc == nil || oc.id != id {
		c.mu.Unlock()
		c.g.stats.answersDropped.Add(1)
		c.g.log.Warn("gateway: answer for no pending call, dropped", "cpid", c.cpid, "uniqueId", id)
		return ""
	}
	c.inflight = nil
	overflow := c.pumpLocked()
	c.mu.Unlock()
	oc.done <- out
	if overflow {
		c.slowConsumer()
	}
	return oc.action
}

func callError(cpid string, ce ocpp.CallError) error {
	return &volt.Error{
		Code:    volt.ECALLERROR,
		Message: fmt.Sprintf("charger %s answered %s: %s", cpid, ce.Code, ce.Description),
		Details: CallErrorDetails{ErrorCode: string(ce.Code), ErrorDescription: ce.Description, ErrorDetails: ce.Details},
	}
}
