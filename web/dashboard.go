package web

import (
	"context"
	"net/http"
	"time"

	volt "github.com/volt-ev/volt"
)

// dashboardView is the data of the dashboard: figures scoped by the services
// to what the actor may read.
type dashboardView struct {
	Online, Offline, Faulted, InUse int
	Active                          int
	TodayWh                         int64
	TodayPartial                    bool // more sessions today than were summed
	Recent                          []*volt.Session
	NoCharging                      bool
}

// dashboardPages bounds how many pages of today's sessions are summed.
const dashboardPages = 20

func (a *Admin) dashboard(w http.ResponseWriter, r *http.Request, s *sess) {
	var v dashboardView
	count := func(f volt.ChargerFilter) (int, error) {
		f.Limit = 1
		_, n, err := a.cfg.Chargers.FindChargers(s.ctx, f)
		return n, err
	}
	yes, no := true, false
	var err error
	if v.Online, err = count(volt.ChargerFilter{Online: &yes}); err != nil {
		a.fail(w, r, s, err)
		return
	}
	if v.Offline, err = count(volt.ChargerFilter{Online: &no}); err != nil {
		a.fail(w, r, s, err)
		return
	}
	if v.Faulted, err = count(volt.ChargerFilter{Status: volt.StatusFaulted}); err != nil {
		a.fail(w, r, s, err)
		return
	}
	for _, st := range []volt.ConnectorStatus{volt.StatusCharging, volt.StatusSuspendedEV, volt.StatusSuspendedEVSE} {
		n, err := count(volt.ChargerFilter{Status: st})
		if err != nil {
			a.fail(w, r, s, err)
			return
		}
		v.InUse += n
	}
	if a.cfg.Charging == nil {
		v.NoCharging = true
		a.render(w, r, s, "dashboard", "Dashboard", v)
		return
	}
	recent, active, err := a.cfg.Charging.FindSessions(s.ctx, volt.SessionFilter{Status: volt.SessionActive, Page: volt.Page{Limit: 10}})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v.Active, v.Recent = active, recent
	a.render(w, r, s, "dashboard", "Dashboard", v)
}

// dashboardEnergy answers the "energy today" tile, which the dashboard loads
// after its first paint: summing a busy day's sessions is its slowest part.
func (a *Admin) dashboardEnergy(w http.ResponseWriter, r *http.Request, s *sess) {
	var v dashboardView
	if a.cfg.Charging != nil {
		if err := a.todayEnergy(s.ctx, &v); err != nil {
			a.log.Error("dashboard energy", "err", err)
			a.renderFragment(w, "dashboard", "energy-tile", http.StatusOK, dict("Error", errText(err)))
			return
		}
	}
	a.renderFragment(w, "dashboard", "energy-tile", http.StatusOK, dict("Wh", v.TodayWh, "Partial", v.TodayPartial))
}

// todayEnergy sums the energy of the sessions started since midnight UTC,
// completed or still running.
func (a *Admin) todayEnergy(ctx context.Context, v *dashboardView) error {
	now := a.now().UTC()
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	f := volt.SessionFilter{From: &midnight, Page: volt.Page{Limit: 500}}
	for page := 0; page < dashboardPages; page++ {
		list, total, err := a.cfg.Charging.FindSessions(ctx, f)
		if err != nil {
			return err
		}
		for _, se := range list {
			v.TodayWh += se.EnergyWh
		}
		f.Offset += len(list)
		if len(list) == 0 || f.Offset >= total {
			return nil
		}
	}
	// TODO(web): an aggregate query (energy per day) in ChargingService would
	// make this exact on very busy networks.
	v.TodayPartial = true
	return nil
}
