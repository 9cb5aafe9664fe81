package sim

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v16"
)

// The outbox: CALLs from the charger, sent one at a time in order
// (OCPP-J §4.1.1). Transaction messages survive a lost connection and are
// retried (OCPP 1.6 §3.7); other messages are refused while offline.

// dropUnsentLocked removes what is not a transaction message from the
// outbox when the connection ends: statuses are reported afresh after the
// next boot, and a stale one sent after them would undo them. c.mu is held.
func (c *Charger) dropUnsentLocked() []*outItem {
	var dropped []*outItem
	kept := c.queue[:0]
	for _, it := range c.queue {
		if it.tx {
			kept = append(kept, it)
		} else {
			dropped = append(dropped, it)
		}
	}
	clear(c.queue[len(kept):])
	c.queue = kept
	return dropped
}

// enqueueLocked appends it to the outbox. A message that is not a
// transaction message is refused while offline (false). c.mu is held.
func (c *Charger) enqueueLocked(it *outItem) bool {
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

// callAndWait queues a CALL and waits for its answer. Messages that are not
// transaction messages fail with ErrOffline while offline.
func (c *Charger) callAndWait(ctx context.Context, action string, payload any) (any, error) {
	var resp any
	it := &outItem{action: action, build: func() any { return payload }, res: make(chan error, 1),
		onAnswer: func(r any) { resp = r }}
	c.mu.Lock()
	ok := c.enqueueLocked(it)
	c.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%s: %w", action, ErrOffline)
	}
	select {
	case err := <-it.res:
		return resp, err
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: %w", action, ctx.Err())
	}
}

// send queues a message nobody waits for; it is dropped while offline
// unless it is a transaction message.
func (c *Charger) send(action string, payload any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.enqueueLocked(&outItem{action: action, build: func() any { return payload }})
}

// sendLoop sends the outbox in order and a Heartbeat every interval until
// the link closes.
func (c *Charger) sendLoop(ctx context.Context, l *link) {
	hb := time.NewTimer(c.heartbeatEvery())
	defer hb.Stop()
	for {
		c.mu.Lock()
		var it *outItem
		if len(c.queue) > 0 {
			it = c.queue[0]
		}
		c.mu.Unlock()
		if it == nil {
			select {
			case <-c.wake:
			case <-hb.C:
				c.send(v16.ActionHeartbeat, &v16.HeartbeatRequest{})
				hb.Reset(c.heartbeatEvery())
			case <-l.closed:
				return
			case <-ctx.Done():
				return
			}
			continue
		}
		if !c.sendItem(ctx, l, it) {
			return
		}
	}
}

// sendItem makes the CALL of the outbox's head and settles it. It returns
// false when the link is gone.
func (c *Charger) sendItem(ctx context.Context, l *link, it *outItem) bool {
	resp, err := c.exchange(ctx, l, it.action, it.build())
	switch {
	case err == nil:
		c.pop(it)
		if it.onAnswer != nil {
			it.onAnswer(resp)
		}
		settle(it, nil)
	case errors.Is(err, errLinkClosed) || ctx.Err() != nil:
		if !it.tx {
			c.pop(it)
			settle(it, fmt.Errorf("%s: %w", it.action, ErrOffline))
		}
		return false
	case !it.tx:
		c.pop(it)
		settle(it, err)
	default:
		// A transaction message is retried TransactionMessageAttempts
		// times, TransactionMessageRetryInterval × attempt apart (§4.10).
		c.mu.Lock()
		it.attempts++
		max, every := keyInt(c.keys, keyTransactionMessageAttempts), keyInt(c.keys, keyTransactionMessageRetryIntvl)
		c.mu.Unlock()
		if it.attempts >= max {
			c.pop(it)
			c.emit(Event{Kind: EventDropped, Action: it.action, Detail: "given up after " + fmt.Sprint(it.attempts) + " attempts: " + err.Error()})
			settle(it, err)
			return true
		}
		select {
		case <-time.After(time.Duration(every*it.attempts) * time.Second):
		case <-l.closed:
			return false
		case <-ctx.Done():
			return false
		}
	}
	return true
}

func settle(it *outItem, err error) {
	if it.res != nil {
		it.res <- err
	}
}

// pop removes it from the head of the outbox.
func (c *Charger) pop(it *outItem) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) > 0 && c.queue[0] == it {
		c.queue[0] = nil
		c.queue = c.queue[1:]
	}
}

// callError is a CALLERROR received as an answer.
type callError struct{ ocpp.CallError }

func (e *callError) Error() string {
	return fmt.Sprintf("CALLERROR %s: %s", e.Code, e.Description)
}

// exchange makes one CALL on l and decodes the answer.
func (c *Charger) exchange(ctx context.Context, l *link, action string, payload any) (any, error) {
	call, err := ocpp.NewCall(action, payload)
	if err != nil {
		return nil, err
	}
	if c.cfg.OnEvent != nil {
		b, _ := call.MarshalJSON()
		c.emit(Event{Kind: EventSent, Action: action, Frame: b})
	}
	start := time.Now()
	f, err := l.call(ctx, call, c.cfg.CallTimeout)
	rtt := time.Since(start)
	var resp any
	if err == nil {
		if c.cfg.OnEvent != nil {
			b, _ := jsonFrame(f)
			c.emit(Event{Kind: EventReceived, Action: action, Frame: b})
		}
		switch f := f.(type) {
		case ocpp.CallResult:
			resp, err = ocpp.DecodeResponse(c.reg, action, f.Payload, ocpp.Strict)
			if err != nil {
				err = fmt.Errorf("%s answer: %w", action, err)
			}
		case ocpp.CallError:
			err = &callError{f}
		}
	}
	if c.cfg.OnCall != nil {
		c.cfg.OnCall(CallStat{Identity: c.cfg.Identity, Action: action, RTT: rtt, Err: err})
	}
	return resp, err
}
