package lms

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/volt-ev/volt"
)

// Reasons of a session held by its charger group's smart charging (UK
// Smart Charge Points Regulations 2021).
const (
	ReasonDelayed Reason = "delayed" // the randomised start delay has not passed
	ReasonOffPeak Reason = "offPeak" // inside a peak window, off-peak by default
)

// Hold is what a session's smart charging setting allows at a moment.
type Hold struct {
	// Held: the session is limited to LimitA (0: paused) until Until.
	Held   bool
	LimitA float64
	Reason Reason
	Until  time.Time
}

// SessionSeed is the per-session random seed of the start delay: a hash of
// the session id, so every node and every step computes the same delay.
func SessionSeed(sessionID string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(sessionID))
	return h.Sum64()
}

// RandomDelay is the randomised delay of a session with the seed: 0 to
// maxS seconds, uniform enough over seeds.
func RandomDelay(maxS int, seed uint64) time.Duration {
	if maxS <= 0 {
		return 0
	}
	return time.Duration(seed%uint64(maxS+1)) * time.Second
}

// SmartHold answers, without I/O, what a session may draw at now under its
// group's setting s (nil: no setting): 0 A until start plus its randomised
// delay; a peak window's limit (0 A by default) inside it when off-peak is
// the default, and 0 A for the session's delay again after the window ends
// when it started before; no hold otherwise, or when the driver overrode.
func SmartHold(s *volt.SmartCharging, start time.Time, seed uint64, override bool, now time.Time) Hold {
	if s == nil || override {
		return Hold{}
	}
	d := RandomDelay(s.RandomDelayMaxS, seed)
	if until := start.Add(d); now.Before(until) {
		return Hold{Held: true, Reason: ReasonDelayed, Until: until}
	}
	if !s.OffPeakDefault {
		return Hold{}
	}
	if limit, end, ok := s.PeakAt(now); ok {
		return Hold{Held: true, LimitA: limit, Reason: ReasonOffPeak, Until: end}
	}
	// The end of a peak is a start too: the sessions it held do not all
	// start at once but each after its own delay (a window shorter than
	// the delay is not seen here).
	if _, end, ok := s.PeakAt(now.Add(-d)); ok && d > 0 && !end.After(now) && start.Before(end) {
		return Hold{Held: true, Reason: ReasonDelayed, Until: end.Add(d)}
	}
	return Hold{}
}

// smartHolds computes the hold of each of the snapshot's sessions from its
// group's setting and its driver's override.
// Only a site whose load management is on is stepped, so the store keeps
// smart charging to those sites: it refuses setting smart charging where
// load management is off, and turning load management off under a group
// that uses it (store.smartChargingInUse).
// TODO(issue 15): smart charging without load management (a loop over
// sites with a setting, or the charger's own TxDefaultProfile schedule).
func (m *Manager) smartHolds(ctx context.Context, s *Snapshot) error {
	groups, err := m.cfg.SmartCharging.SmartChargingOfSite(ctx, s.Model.SiteID)
	if err != nil {
		return fmt.Errorf("smart charging of site %s: %w", s.Model.SiteID, err)
	}
	if len(groups) == 0 {
		return nil
	}
	ids := make([]string, 0, len(s.Sessions))
	for _, x := range s.Sessions {
		ids = append(ids, x.ID)
	}
	now, err := m.cfg.SmartCharging.ChargeNowOf(ctx, ids)
	if err != nil {
		return fmt.Errorf("charge-now overrides of site %s: %w", s.Model.SiteID, err)
	}
	s.Holds = map[string]Hold{}
	for _, x := range s.Sessions {
		if h := SmartHold(groups[x.ChargerGroupID], x.StartedAt, SessionSeed(x.ID), now[x.ID], s.Now); h.Held {
			s.Holds[x.ID] = h
		}
	}
	return nil
}

// markHolds gives the held sessions' allocations their hold's reason.
func markHolds(s *Snapshot, in *Input, outlets []Outlet, res *Result) {
	for i, o := range outlets {
		if o.Session == nil || in.EVSEs[i].Fixed {
			continue
		}
		// A hold that binds (paused, or at the hold's cap) is the reason;
		// a lower share is the site's limits' doing.
		a := res.EVSEs[i].CurrentA
		if h := s.Holds[o.Session.ID]; h.Held && (a < MinChargeA || a >= h.LimitA-Step) {
			res.EVSEs[i].Reason = h.Reason
		}
	}
}
