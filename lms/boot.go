package lms

import (
	"context"
	"math"

	"github.com/volt-ev/volt"
)

// boot sends a charger that (re)booted its failsafe: a TxDefaultProfile on
// connector 0 with its share of the site's fallback limit, so a session
// that starts before the loop reacts, or while Volt is unreachable, stays
// within the fallback; and a ChargePointMaxProfile with its circuit's limit
// where the charger is alone on a circuit. The charger's outlets lose
// what Volt last applied (sent again on the step). Profiles Volt does not
// own are cleared first (ForeignClearer; booted: a real boot, not a
// failsafe re-sent after a model change). It returns the site.
func (m *Manager) boot(ctx context.Context, cpid string, booted bool) string {
	chs, _, err := m.cfg.Chargers.FindChargers(ctx, volt.ChargerFilter{CPID: cpid, Page: volt.Page{Limit: 1}})
	if err != nil || len(chs) == 0 {
		return ""
	}
	ch := chs[0]
	if !m.leads(ctx, ch.SiteID) { // the site's leader sends its failsafes
		return ""
	}
	lm, err := m.cfg.Sites.FindLoadManagement(ctx, ch.SiteID)
	if err != nil || lm.Mode == volt.LoadModeOff {
		return ""
	}
	snap, err := m.snapshot(ctx, ch.SiteID, m.cfg.Now())
	if err != nil || snap == nil {
		return ch.SiteID
	}
	outlets := outletsOf(snap)
	m.mu.Lock()
	st := m.state(ch.SiteID)
	for _, o := range outlets {
		if o.CPID == cpid {
			delete(st.ctl, EVSEID(o.CPID, o.ConnectorID))
		}
	}
	m.mu.Unlock()
	if fc, ok := m.cfg.Applier.(ForeignClearer); ok {
		// Profiles another party set would override Volt's (LESSONS 30).
		cctx, cancel := context.WithTimeout(ctx, m.cfg.CallTimeout)
		n, err := fc.ClearForeign(cctx, cpid, booted)
		cancel()
		if err != nil {
			m.cfg.Logger.Warn("lms: profiles Volt does not own not cleared", "cpid", cpid, "err", err)
		} else if n > 0 {
			m.cfg.Logger.Info("lms: cleared charging profiles Volt does not own", "cpid", cpid, "count", n)
		}
	}
	var ls []Limit
	share := FailsafeShare(lm.FallbackLimitA, len(outlets))
	maxA, phases := 0.0, 1
	for _, o := range outlets {
		if o.CPID == cpid {
			maxA, phases = math.Max(maxA, o.Config.MaxA), max(phases, o.Config.Phases)
		}
	}
	ls = append(ls, Limit{CPID: cpid, Purpose: PurposeDefault, CurrentA: math.Min(share, maxA), Phases: phases})
	if c, ok := ownCircuit(lm, outlets, cpid); ok {
		ls = append(ls, Limit{CPID: cpid, Purpose: PurposeChargerMax, CurrentA: c.LimitA, Phases: phases})
	}
	for _, l := range ls {
		cctx, cancel := context.WithTimeout(ctx, m.cfg.CallTimeout)
		err := m.cfg.Applier.ApplyLimit(cctx, l)
		cancel()
		if err != nil {
			m.cfg.Logger.Warn("lms: failsafe not applied", "cpid", cpid, "purpose", l.Purpose, "err", err)
		}
	}
	return ch.SiteID
}

// FailsafeShare is each outlet's part of the fallback limit: an equal
// share, 0 (wait for the loop) when that is below 6 A, so that every outlet
// at its failsafe stays within the fallback.
func FailsafeShare(fallbackA float64, outlets int) float64 {
	if outlets <= 0 {
		return 0
	}
	share := math.Floor(fallbackA/float64(outlets)*10) / 10
	if share < MinChargeA {
		return 0
	}
	return share
}

// ownCircuit returns the circuit a charger is alone on: every outlet in it
// is the charger's and no circuit hangs below it.
func ownCircuit(lm *volt.LoadManagement, outlets []Outlet, cpid string) (volt.LoadCircuit, bool) {
	for _, c := range lm.Circuits {
		mine, others := 0, 0
		for _, o := range outlets {
			if o.Config.CircuitID == c.ID {
				if o.CPID == cpid {
					mine++
				} else {
					others++
				}
			}
		}
		child := false
		for _, d := range lm.Circuits {
			child = child || d.ParentID == c.ID
		}
		if mine > 0 && others == 0 && !child {
			return c, true
		}
	}
	return volt.LoadCircuit{}, false
}
