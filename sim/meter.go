package sim

import (
	"context"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v16"
)

// maxQueuedSamples bounds the MeterValues kept while offline, like the
// limited storage of real firmware; later samples are not queued.
const maxQueuedSamples = 5000

// meterEvery returns the sample interval: Config.MeterInterval until the
// central system sets MeterValueSampleInterval.
func (c *Charger) meterEvery() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mvOverride > 0 {
		return c.mvOverride
	}
	if s := keyInt(c.keys, keyMeterValueSampleInterval); s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0 // 0 turns periodic samples off (OCPP 1.6 §9.1.17)
}

// meterLoop samples every running session each interval, queueing
// MeterValues as transaction messages, and expires reservations.
func (c *Charger) meterLoop(ctx context.Context) {
	tick := time.Second
	if e := c.meterEvery(); e > 0 && e < tick {
		tick = e
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	next := time.Now().Add(c.meterEvery())
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			c.expireReservations()
			every := c.meterEvery()
			if every > 0 && !now.Before(next) {
				c.sampleAll()
				next = now.Add(every)
			} else if every <= 0 {
				next = now
			}
		}
	}
}

func (c *Charger) sampleAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for _, cn := range c.conns[1:] {
		s := cn.sess
		if s == nil {
			continue
		}
		c.integrateLocked(cn, now)
		c.refreshLocked(cn.id)
		if len(c.queue) >= maxQueuedSamples {
			continue
		}
		mv := c.meterValueLocked(cn, now, v16.ReadingContextSamplePeriodic)
		n := cn.id
		c.enqueueLocked(&outItem{action: v16.ActionMeterValues, tx: true, build: func() any {
			return &v16.MeterValuesRequest{ConnectorID: n, TransactionID: c.txIDOf(s), MeterValue: []v16.MeterValue{mv}}
		}})
	}
}

// txIDOf returns s's transactionId for a MeterValues, nil while unknown.
func (c *Charger) txIDOf(s *session) *int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s == nil || s.txID == 0 {
		return nil
	}
	id := s.txID
	return &id
}

// integrateLocked advances the session on cn to now: energy at the power of
// the last interval, the vehicle's state of charge, then the power for the
// next interval.
func (c *Charger) integrateLocked(cn *connector, now time.Time) {
	s := cn.sess
	if s == nil {
		return
	}
	if h := now.Sub(s.lastSample).Hours(); h > 0 {
		e := s.powerW * h
		cn.meterWh += e
		s.socPct = min(100, s.socPct+e/s.capacityWh*100)
		s.lastSample = now
	}
	s.powerW = c.targetPowerLocked(cn, now)
	s.voltage = 227 + rand.Float64()*6
}

// targetPowerLocked is the power the session draws now: what the vehicle
// accepts (full power to 80 % state of charge, then tapering to nothing at
// 100 %) within the connector's limit and the charging profiles.
func (c *Charger) targetPowerLocked(cn *connector, now time.Time) float64 {
	s := cn.sess
	accept := s.carMaxW
	if s.socPct >= 100 {
		return 0
	}
	if s.socPct > 80 {
		accept *= max(0.05, (100-s.socPct)/20)
	}
	p := min(accept, c.limitW(cn.id, now))
	if p <= 0 {
		return 0
	}
	return p * (0.98 + 0.02*rand.Float64())
}

func energySample(wh float64, ctx v16.ReadingContext) v16.SampledValue {
	return v16.SampledValue{Value: strconv.FormatInt(int64(wh), 10), Context: ctx, Measurand: v16.MeasurandEnergyActiveImportRegister, Location: v16.LocationOutlet, Unit: v16.UnitOfMeasureWh}
}

// meterValueLocked is one MeterValue of cn: the energy register and, while a
// session runs, power, current and voltage per phase and the vehicle's
// state of charge.
func (c *Charger) meterValueLocked(cn *connector, now time.Time, rc v16.ReadingContext) v16.MeterValue {
	f1 := func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }
	svs := []v16.SampledValue{energySample(cn.meterWh, rc)}
	if s := cn.sess; s != nil {
		svs = append(svs, v16.SampledValue{Value: f1(s.powerW), Context: rc, Measurand: v16.MeasurandPowerActiveImport, Location: v16.LocationOutlet, Unit: v16.UnitOfMeasureW})
		phases := []v16.Phase{v16.PhaseL1, v16.PhaseL2, v16.PhaseL3}[:c.cfg.Phases]
		volts := []v16.Phase{v16.PhaseL1N, v16.PhaseL2N, v16.PhaseL3N}
		amps := s.powerW / (float64(len(phases)) * s.voltage)
		for i, ph := range phases {
			svs = append(svs, v16.SampledValue{Value: f1(amps), Context: rc, Measurand: v16.MeasurandCurrentImport, Phase: ph, Location: v16.LocationOutlet, Unit: v16.UnitOfMeasureA})
			svs = append(svs, v16.SampledValue{Value: f1(s.voltage + float64(i)*0.4), Context: rc, Measurand: v16.MeasurandVoltage, Phase: volts[i], Location: v16.LocationOutlet, Unit: v16.UnitOfMeasureV})
		}
		svs = append(svs, v16.SampledValue{Value: strconv.Itoa(int(s.socPct)), Context: rc, Measurand: v16.MeasurandSoC, Location: v16.LocationEV, Unit: v16.UnitOfMeasurePercent})
	}
	return v16.MeterValue{Timestamp: ocpp.NewDateTime(now), SampledValue: svs}
}

// expireReservations frees connectors whose reservation has expired.
func (c *Charger) expireReservations() {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for _, cn := range c.conns[1:] {
		if cn.reservation != nil && now.After(cn.reservation.expiry) {
			cn.reservation = nil
			c.refreshLocked(cn.id)
		}
	}
}
