package lms

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// Charging needs (OCPP 2.0.1 K17, 2.1 Q): an ISO 15118 car tells the
// station, in NotifyEVChargingNeeds, how much energy it wants and when it
// leaves, and a 2.1 car how much it can give back. The gateway stores the
// message (volt.ChargingReportService); the loop reads a session's newest
// one (Config.Reports) into Snapshot.Needs.
//
// In the allocation (pure, alloc.go) a car's need is NeedA: the current
// per phase it must average from the report until its departure to get
// its energy. Within one priority, a car that needs at least MinChargeA
// (it cannot wait and still make it) is admitted before the others, the
// one that needs most first, after the sessions that started running less
// than MinRun ago (so that an arrival cannot make the allocation flap). A
// car that needs less, or did not say, waits its turn as before. Its
// discharge limit bounds what V2X peak shaving asks of it.

// Needs is what a car said it needs (zero fields: not said).
type Needs struct {
	EnergyWh  float64
	Departure time.Time
	// MaxDischargeA or MaxDischargeW is what the car can give back (2.1),
	// when DischargeSaid.
	MaxDischargeA, MaxDischargeW float64
	DischargeSaid                bool
	At                           time.Time // when the station reported it
}

// ParseNeeds reads a NotifyEVChargingNeeds request (2.0.1 or 2.1) that
// arrived at at.
func ParseNeeds(payload json.RawMessage, at time.Time) (Needs, bool) {
	var req struct {
		ChargingNeeds struct {
			DepartureTime string `json:"departureTime"`
			AC            *struct {
				EnergyAmount float64 `json:"energyAmount"`
			} `json:"acChargingParameters"`
			DC *struct {
				EnergyAmount *float64 `json:"energyAmount"`
			} `json:"dcChargingParameters"`
			V2X *struct {
				MaxDischargePower   *float64 `json:"maxDischargePower"`
				MaxDischargeCurrent *float64 `json:"maxDischargeCurrent"`
				EVTargetEnergy      *float64 `json:"evTargetEnergyRequest"`
			} `json:"v2xChargingParameters"`
		} `json:"chargingNeeds"`
	}
	if json.Unmarshal(payload, &req) != nil {
		return Needs{}, false
	}
	cn := req.ChargingNeeds
	n := Needs{At: at}
	if t, err := time.Parse(time.RFC3339, cn.DepartureTime); err == nil {
		n.Departure = t
	}
	switch {
	case cn.AC != nil:
		n.EnergyWh = cn.AC.EnergyAmount
	case cn.DC != nil && cn.DC.EnergyAmount != nil:
		n.EnergyWh = *cn.DC.EnergyAmount
	case cn.V2X != nil && cn.V2X.EVTargetEnergy != nil:
		n.EnergyWh = *cn.V2X.EVTargetEnergy
	}
	n.EnergyWh = math.Max(n.EnergyWh, 0)
	if v := cn.V2X; v != nil {
		switch {
		case v.MaxDischargeCurrent != nil:
			n.MaxDischargeA, n.DischargeSaid = math.Abs(*v.MaxDischargeCurrent), true
		case v.MaxDischargePower != nil:
			n.MaxDischargeW, n.DischargeSaid = math.Abs(*v.MaxDischargePower), true
		}
	}
	return n, true
}

// DischargeA is the most the car can give back per phase (+Inf: it did
// not say).
func (n Needs) DischargeA(voltage float64, phases int) float64 {
	switch {
	case !n.DischargeSaid:
		return math.Inf(1)
	case n.MaxDischargeW > 0 && voltage > 0:
		return n.MaxDischargeW / (voltage * float64(max(phases, 1)))
	}
	return n.MaxDischargeA
}

// NeedA is the current per phase the car must average from the report to
// its departure to get its energy: 0 when it did not say both, and the
// energy over what remains of the time once the departure is near (at
// least a minute), so a late car is the most urgent.
func (n Needs) NeedA(now time.Time, voltage float64, phases int) float64 {
	if n.EnergyWh <= 0 || n.Departure.IsZero() || voltage <= 0 {
		return 0
	}
	hours := math.Max(n.Departure.Sub(n.At).Hours(), 1.0/60)
	return n.EnergyWh / hours / (voltage * float64(max(phases, 1)))
}

// needsTTL is how long the loop keeps a session's needs before reading
// its reports again.
const needsTTL = 30 * time.Second

type cachedNeeds struct {
	needs  Needs
	ok     bool
	readAt time.Time
}

// chargingNeeds reads the newest NotifyEVChargingNeeds of each active
// session on a 2.x station into s.Needs, at most once per needsTTL per
// session.
func (m *Manager) chargingNeeds(ctx context.Context, s *Snapshot) {
	v2 := map[string]bool{}
	for _, ch := range s.Chargers {
		v2[ch.CPID] = strings.HasPrefix(ch.OCPPVersion, "ocpp2.")
	}
	s.Needs = map[string]Needs{}
	live := make(map[string]bool, len(s.Sessions))
	for _, x := range s.Sessions {
		if !v2[x.CPID] {
			continue
		}
		live[x.ID] = true
		m.mu.Lock()
		c, ok := m.needs[x.ID]
		m.mu.Unlock()
		if !ok || s.Now.Sub(c.readAt) >= needsTTL {
			c = cachedNeeds{readAt: s.Now}
			reports, err := m.cfg.Reports.FindChargingReports(ctx, x.CPID, volt.ReportEVChargingNeeds, 20)
			if err != nil {
				m.cfg.Logger.Warn("lms: charging needs not read", "cpid", x.CPID, "err", err)
			}
			for _, r := range reports { // newest first
				if r.EVSEID == x.ConnectorID && !r.ReceivedAt.Before(x.StartedAt) {
					c.needs, c.ok = ParseNeeds(r.Payload, r.ReceivedAt)
					break
				}
			}
			m.mu.Lock()
			m.needs[x.ID] = c
			m.mu.Unlock()
		}
		if c.ok {
			s.Needs[x.ID] = c.needs
		}
	}
	m.mu.Lock()
	for id := range m.needs {
		if c := m.needs[id]; !live[id] && s.Now.Sub(c.readAt) >= needsTTL {
			delete(m.needs, id) // an ended session's
		}
	}
	m.mu.Unlock()
}
