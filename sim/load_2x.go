package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/volt-ev/volt/ocpp/v201"
)

// Load runs with OCPP 2.0.1 and 2.1 stations (issue #13): the same report,
// reconnect storm and transaction ledger as with 1.6 chargers; the steady
// sessions and the meter flood are played by 2.x drivers (TransactionEvent
// Started/Updated/Ended instead of Start/MeterValues/StopTransaction).

// loadStation is what a load run reads of and does to one charger, of
// either version.
type loadStation interface {
	Online() bool
	Boots() int
	Disconnect()
	QueueLen() int
}

// loadFleet is a fleet of either version, as a load run sees it.
type loadFleet interface {
	Online() int
	Charging() int
	stations() []loadStation
}

func (f *Fleet) stations() []loadStation {
	out := make([]loadStation, len(f.chargers))
	for i, c := range f.chargers {
		out[i] = c
	}
	return out
}

func (f *Fleet2) stations() []loadStation {
	out := make([]loadStation, len(f.chargers))
	for i, c := range f.chargers {
		out[i] = c
	}
	return out
}

// Online returns how many stations are connected and booted.
func (f *Fleet2) Online() int {
	n := 0
	for _, c := range f.chargers {
		if c.Online() {
			n++
		}
	}
	return n
}

// Charging returns how many EVSEs have a transaction.
func (f *Fleet2) Charging() int {
	n := 0
	for _, c := range f.chargers {
		for i := 1; i <= c.cfg.Connectors; i++ {
			if c.Charging(i) {
				n++
			}
		}
	}
	return n
}

// run2x is RunLoad with 2.x stations.
func (r *loadRun) run2x(ctx, fleetCtx context.Context) (LoadReport, error) {
	o := r.o
	f, err := StartFleet2x(fleetCtx, o.URL, o.Version, o.Creds, o.Fleet)
	if err != nil {
		return LoadReport{}, err
	}
	var d *drivers
	switch {
	case o.MeterFlood:
		evses := 0
		for _, c := range f.chargers {
			evses += c.cfg.Connectors
		}
		fl := newFlood(evses, o.FloodStarts, o.DrainTimeout, func() {
			fmt.Fprintf(o.Out, "meter flood: %d transactions started after %s, TransactionEvent Updated begin\n", f.Charging(), time.Since(r.start).Round(time.Millisecond))
		})
		d = startDrivers2(fleetCtx, f, fl.play2)
	case o.SteadySessions:
		share := float64(o.Fleet.SessionLength) / float64(o.Fleet.SessionLength+o.Fleet.SessionEvery)
		d = startDrivers2(fleetCtx, f, steadyDriver2(share, o.Fleet.SessionLength, o.Fleet.SessionEvery))
	}
	rep := r.loop(ctx, f)
	d.stop()
	if o.Transactions != nil {
		drain(f, o.DrainTimeout)
	}
	rep.Online = f.Online()
	f.Close()
	return r.summary(rep)
}

// startDrivers2 is startDrivers for 2.x stations: one goroutine per EVSE.
func startDrivers2(ctx context.Context, f *Fleet2, play func(ctx context.Context, c *Charger2, n int)) *drivers {
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

// loadTag2 is the idToken a load driver presents at station c (see loadTag).
func loadTag2(c *Charger2) string {
	t := "T" + c.cfg.Identity
	if len(t) > 20 {
		t = t[len(t)-20:]
	}
	return t
}

// steadyDriver2 is steadyDriver for a 2.x EVSE.
func steadyDriver2(share float64, length, every time.Duration) func(ctx context.Context, c *Charger2, n int) {
	return func(ctx context.Context, c *Charger2, n int) {
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
			if err := c.Swipe(ctx, n, loadTag2(c)); err != nil {
				_ = c.Unplug(n)
				continue
			}
			sleep(ctx, expDraw(length))
			if ctx.Err() != nil {
				return // the transaction stays open, as when a station is cut off
			}
			_ = c.Stop(ctx, n)
			_ = c.Unplug(n)
		}
	}
}

// play2 is flood.play for a 2.x EVSE: a transaction starts, then
// TransactionEvent Updated with meter values go back to back, each once the
// previous one is answered; at the end the transaction is ended.
func (f *flood) play2(ctx context.Context, c *Charger2, n int) {
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
		err := c.Swipe(ctx, n, loadTag2(c))
		if err == nil {
			// The start is settled once its Started event is answered.
			err = c.WaitFor(ctx, func() bool { return c.QueueLen() == 0 })
		}
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
		ev := c.floodEvent(n)
		if ev == nil {
			return
		}
		var resp v201.TransactionEventResponse
		if err := c.callAndWait(ctx, v201.ActionTransactionEvent, ev, &resp); errors.Is(err, ErrOffline) {
			_ = c.WaitFor(ctx, c.Online)
		}
	}
	if c.Charging(n) {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.stopWait)
		_ = c.Stop(stopCtx, n)
		_ = c.WaitFor(stopCtx, func() bool { return c.QueueLen() == 0 })
		cancel()
	}
}

// floodEvent is a periodic TransactionEvent Updated of EVSE n's transaction
// now, with the nine sampled values of the 1.6 flood's MeterValues (energy,
// power, current and voltage per phase, state of charge); nil without a
// transaction.
func (c *Charger2) floodEvent(n int) *v201.TransactionEventRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.evseLocked(n)
	if err != nil || e.tx == nil {
		return nil
	}
	c.advanceLocked(e, c.cfg.Clock())
	ev := c.txEventLocked(e, v201.TransactionEventEnumUpdated, v201.TriggerReasonEnumMeterValuePeriodic, string(v201.ReadingContextEnumSamplePeriodic))
	mv := &ev.MeterValue[0]
	mv.SampledValue = append(mv.SampledValue, v201.SampledValue{Value: float64(50 + rand.IntN(30)), Context: v201.ReadingContextEnumSamplePeriodic,
		Measurand: v201.MeasurandEnumSoC, Location: v201.LocationEnumEV, UnitOfMeasure: &v201.UnitOfMeasure{Unit: "Percent"}})
	return ev
}

// phaseSamples are the current and voltage per phase of a transaction
// drawing powerW on phases phases, in reading context rc.
func phaseSamples(powerW float64, phases int, rc v201.ReadingContextEnum) []v201.SampledValue {
	volts := 227 + rand.Float64()*6
	measurand := v201.MeasurandEnumCurrentImport
	if powerW < 0 { // discharging (V2X)
		measurand, powerW = v201.MeasurandEnumCurrentExport, -powerW
	}
	amps := math.Round(powerW/(float64(phases)*volts)*10) / 10
	names := []v201.PhaseEnum{v201.PhaseEnumL1, v201.PhaseEnumL2, v201.PhaseEnumL3}
	vnames := []v201.PhaseEnum{v201.PhaseEnumL1N, v201.PhaseEnumL2N, v201.PhaseEnumL3N}
	out := make([]v201.SampledValue, 0, 2*phases)
	for i := range phases {
		out = append(out,
			v201.SampledValue{Value: amps, Context: rc, Measurand: measurand, Phase: names[i],
				Location: v201.LocationEnumOutlet, UnitOfMeasure: &v201.UnitOfMeasure{Unit: "A"}},
			v201.SampledValue{Value: math.Round((volts+float64(i)*0.4)*10) / 10, Context: rc, Measurand: v201.MeasurandEnumVoltage, Phase: vnames[i],
				Location: v201.LocationEnumOutlet, UnitOfMeasure: &v201.UnitOfMeasure{Unit: "V"}})
	}
	return out
}
