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
	if err := a.chargerTiles(s.ctx, &v); err != nil {
		a.fail(w, r, s, err)
		return
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

// chargerCounter is the dashboard aggregate of the store's ChargingService
// (store.ChargingService.ChargerCounts): two queries instead of six counts.
type chargerCounter interface {
	ChargerCounts(ctx context.Context) (total, online, faulted, inUse int, err error)
}

// chargerTiles fills the charger tiles: with the aggregate when the charging
// service has it, else with one count per tile.
func (a *Admin) chargerTiles(ctx context.Context, v *dashboardView) error {
	if agg, ok := a.cfg.Charging.(chargerCounter); ok {
		total, online, faulted, inUse, err := agg.ChargerCounts(ctx)
		v.Online, v.Offline, v.Faulted, v.InUse = online, total-online, faulted, inUse
		return err
	}
	count := func(f volt.ChargerFilter) (int, error) {
		f.Limit = 1
		_, n, err := a.cfg.Chargers.FindChargers(ctx, f)
		return n, err
	}
	yes, no := true, false
	var err error
	if v.Online, err = count(volt.ChargerFilter{Online: &yes}); err != nil {
		return err
	}
	if v.Offline, err = count(volt.ChargerFilter{Online: &no}); err != nil {
		return err
	}
	if v.Faulted, err = count(volt.ChargerFilter{Status: volt.StatusFaulted}); err != nil {
		return err
	}
	for _, st := range []volt.ConnectorStatus{volt.StatusCharging, volt.StatusSuspendedEV, volt.StatusSuspendedEVSE} {
		n, err := count(volt.ChargerFilter{Status: st})
		if err != nil {
			return err
		}
		v.InUse += n
	}
	return nil
}

// sessionEnergy is the aggregate the store's ChargingService offers
// (store.ChargingService.SessionEnergy): one SQL sum instead of reading the
// day's sessions. Without it the dashboard sums at most dashboardPages pages.
type sessionEnergy interface {
	SessionEnergy(ctx context.Context, f volt.SessionFilter) (sessions int, energyWh int64, err error)
}

// todayEnergy sums the energy of the sessions started since midnight UTC,
// completed or still running.
func (a *Admin) todayEnergy(ctx context.Context, v *dashboardView) error {
	now := a.now().UTC()
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if agg, ok := a.cfg.Charging.(sessionEnergy); ok {
		_, wh, err := agg.SessionEnergy(ctx, volt.SessionFilter{From: &midnight})
		v.TodayWh = wh
		return err
	}
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
	v.TodayPartial = true
	return nil
}
