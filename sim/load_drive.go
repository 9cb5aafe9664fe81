package sim

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/volt-ev/volt/ocpp/v16"
)

// loadTag is the idTag a load driver swipes at charger c: "T" + identity,
// as `voltd load provision` creates the cards (the Fleet default too).
func loadTag(c *Charger) string {
	t := "T" + c.cfg.Identity
	if len(t) > 20 {
		t = t[len(t)-20:]
	}
	return t
}

// drivers runs one goroutine per connector of every charger of the fleet
// until stop is called; stop waits for them.
type drivers struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func startDrivers(ctx context.Context, f *Fleet, play func(ctx context.Context, c *Charger, n int)) *drivers {
	ctx, cancel := context.WithCancel(ctx)
	d := &drivers{cancel: cancel}
	for _, c := range f.chargers {
		for n := 1; n <= c.cfg.Connectors; n++ {
			d.wg.Add(1)
			go func() {
				defer d.wg.Done()
				play(ctx, c, n)
			}()
		}
	}
	return d
}

func (d *drivers) stop() {
	if d == nil {
		return
	}
	d.cancel()
	d.wg.Wait()
}

// steadyDriver plays the drivers of one connector starting from the steady
// state: with probability share the connector is charging from the start
// (rather than share being reached only after a mean idle period, hours with
// realistic settings), then sessions of mean length alternate with idle
// periods of mean every, both exponential.
func steadyDriver(share float64, length, every time.Duration) func(ctx context.Context, c *Charger, n int) {
	return func(ctx context.Context, c *Charger, n int) {
		idle := time.Duration(0)
		if rand.Float64() >= share {
			idle = expDraw(every)
		}
		for {
			sleep(ctx, idle)
			if ctx.Err() != nil || c.WaitFor(ctx, c.Online) != nil {
				return
			}
			idle = expDraw(every)
			_ = c.Plug(n)
			if err := c.Swipe(ctx, n, loadTag(c)); err != nil {
				_ = c.Unplug(n)
				continue
			}
			sleep(ctx, expDraw(length))
			if ctx.Err() != nil {
				return // the session stays open, as when a charger is cut off
			}
			_ = c.Stop(ctx, n, v16.ReasonLocal)
			_ = c.Unplug(n)
		}
	}
}

// expDraw draws from an exponential distribution of the given mean, at most
// 5×mean. Unlike expDuration it has no lower bound: a lower bound of mean/20
// made the 5 % of connectors drawing below it start their sessions in the
// same second, a burst no real fleet has.
func expDraw(mean time.Duration) time.Duration {
	return min(time.Duration(rand.ExpFloat64()*float64(mean)), 5*mean)
}

// flood coordinates the MeterValues flood: transactions start with at most
// a few StartTransactions in flight, and MeterValues begin once every
// connector has its transaction (or its start failed), so the flood measures
// MeterValues alone.
type flood struct {
	starting chan struct{} // semaphore of starts in flight
	pending  sync.WaitGroup
	go_      chan struct{} // closed when every start is settled
	stopWait time.Duration
}

func newFlood(connectors, startsInFlight int, stopWait time.Duration, onGo func()) *flood {
	f := &flood{starting: make(chan struct{}, max(startsInFlight, 1)), go_: make(chan struct{}), stopWait: stopWait}
	f.pending.Add(connectors)
	go func() {
		f.pending.Wait()
		onGo()
		close(f.go_)
	}()
	return f
}

// play starts a transaction on the connector and sends MeterValues back to
// back, each as soon as the previous one is answered, until ctx ends; it
// then stops the transaction, waiting at most stopWait.
func (f *flood) play(ctx context.Context, c *Charger, n int) {
	settled := false
	settle := func() {
		if !settled {
			settled = true
			f.pending.Done()
		}
	}
	defer settle()
	for attempt := 0; attempt < 3 && ctx.Err() == nil && !c.Charging(n); attempt++ {
		if c.WaitFor(ctx, c.Online) != nil {
			return
		}
		_ = c.Plug(n)
		select {
		case f.starting <- struct{}{}:
		case <-ctx.Done():
			return
		}
		err := c.Swipe(ctx, n, loadTag(c))
		<-f.starting
		if err != nil {
			sleep(ctx, time.Second)
		}
	}
	settle()
	select {
	case <-f.go_:
	case <-ctx.Done():
	}
	for ctx.Err() == nil {
		req := c.floodSample(n)
		if req == nil {
			return
		}
		if _, err := c.callAndWait(ctx, v16.ActionMeterValues, req); errors.Is(err, ErrOffline) {
			_ = c.WaitFor(ctx, c.Online)
		}
	}
	if c.Charging(n) {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.stopWait)
		_ = c.Stop(stopCtx, n, v16.ReasonLocal)
		cancel()
	}
}

// floodSample is a periodic MeterValues of connector n's session now, nil
// without a session.
func (c *Charger) floodSample(n int) *v16.MeterValuesRequest {
	c.mu.Lock()
	cn := c.conns[n]
	s := cn.sess
	if s == nil {
		c.mu.Unlock()
		return nil
	}
	now := c.now()
	c.integrateLocked(cn, now)
	mv := c.meterValueLocked(cn, now, v16.ReadingContextSamplePeriodic)
	c.mu.Unlock()
	return &v16.MeterValuesRequest{ConnectorID: n, TransactionID: c.txIDOf(s), MeterValue: []v16.MeterValue{mv}}
}
