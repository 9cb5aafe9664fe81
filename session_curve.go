package volt

import (
	"math"
	"sort"
	"strconv"
	"time"
)

// Measurands of OCPP 1.6 §7.31 that a session's chart reads.
const (
	MeasurandEnergyRegister = "Energy.Active.Import.Register"
	MeasurandPower          = "Power.Active.Import"
	MeasurandSoC            = "SoC"
)

// SessionCurve is a session's meter values as chart series, one point per
// time stamp the charger sampled at: power (W), energy delivered so far (Wh,
// from the register minus the session's meterStart) and the vehicle's state
// of charge (%). A series is nil at a point the charger did not sample it.
type SessionCurve struct {
	At       []int64    `json:"at"` // Unix seconds
	PowerW   []*float64 `json:"powerW"`
	EnergyWh []*float64 `json:"energyWh"`
	SoC      []*float64 `json:"soc"`
	HasSoC   bool       `json:"hasSoc"`
}

// NewSessionCurve builds the chart series of a session from its samples (as
// FindMeterValues returns them). Power sent per phase is summed; values in
// kW or kWh are converted; unparsable values are left out. Power of the
// EV side and values of other measurands are ignored.
func NewSessionCurve(s *Session, samples []MeterSample) *SessionCurve {
	type point struct {
		power, energy, soc *float64
		phases             float64
		phased             bool
	}
	byT := map[int64]*point{}
	get := func(t time.Time) *point {
		k := t.Unix()
		p := byT[k]
		if p == nil {
			p = &point{}
			byT[k] = p
		}
		return p
	}
	for _, m := range samples {
		v, err := strconv.ParseFloat(m.Value, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		measurand := m.Measurand
		if measurand == "" {
			measurand = MeasurandEnergyRegister
		}
		switch measurand {
		case MeasurandEnergyRegister:
			if m.Phase != "" {
				continue // the total is what the session is billed on
			}
			if m.Unit == "kWh" {
				v *= 1000
			}
			e := max(0, v-float64(s.MeterStart))
			get(m.Timestamp).energy = &e
		case MeasurandPower:
			if m.Unit == "kW" {
				v *= 1000
			}
			p := get(m.Timestamp)
			if m.Phase == "" || m.Phase == "N" {
				if m.Phase == "" {
					w := v
					p.power = &w
				}
				continue
			}
			p.phased = true
			p.phases += v
		case MeasurandSoC:
			soc := v
			get(m.Timestamp).soc = &soc
		}
	}
	times := make([]int64, 0, len(byT))
	for t := range byT {
		times = append(times, t)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	c := &SessionCurve{At: []int64{}, PowerW: []*float64{}, EnergyWh: []*float64{}, SoC: []*float64{}}
	zero := 0.0
	if len(times) == 0 || times[0] > s.StartedAt.Unix() {
		c.add(s.StartedAt.Unix(), nil, &zero, nil)
	}
	for _, t := range times {
		p := byT[t]
		if p.power == nil && p.phased {
			w := p.phases
			p.power = &w
		}
		c.add(t, p.power, p.energy, p.soc)
	}
	if s.StoppedAt != nil && s.StoppedAt.Unix() > c.At[len(c.At)-1] {
		e := float64(s.EnergyWh)
		c.add(s.StoppedAt.Unix(), &zero, &e, nil)
	}
	return c
}

func (c *SessionCurve) add(at int64, power, energy, soc *float64) {
	c.At = append(c.At, at)
	c.PowerW = append(c.PowerW, power)
	c.EnergyWh = append(c.EnergyWh, energy)
	c.SoC = append(c.SoC, soc)
	if soc != nil {
		c.HasSoC = true
	}
}
