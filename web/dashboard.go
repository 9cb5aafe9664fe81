package web

import (
	"net/http"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ops"
)

// dashboardView is the data of the operations home: the figures of
// ops.Compute, scoped by the services to what the actor may read, and the
// running sessions.
type dashboardView struct {
	*ops.Home
	Recent       []*volt.Session
	ShowMoney    bool // the actor's role covers income
	ShowSessions bool // and the sessions area (engineers: not drivers' sessions)
	Currencies   int
	Alerts       []*volt.Alert // open and acknowledged alerts (issue #17)
	AlertsTotal  int
}

// AttentionHref links an attention item to the page where it is dealt with.
func (v *dashboardView) AttentionHref(it ops.Attention) string {
	if it.SessionID != "" && v.ShowSessions {
		return AdminPrefix + "/sessions/" + it.SessionID
	}
	return AdminPrefix + "/chargers/" + it.CPID
}

func (a *Admin) opsSources() ops.Sources {
	return ops.Sources{Chargers: a.cfg.Chargers, Charging: a.cfg.Charging}
}

// dashboard is the operations home. It refreshes itself: the page listens
// to /admin/live (server-sent events) and reloads its live region when the
// network changes (admin.js).
func (a *Admin) dashboard(w http.ResponseWriter, r *http.Request, s *sess) {
	h, err := ops.Compute(s.ctx, a.opsSources(), a.now())
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := &dashboardView{Home: h, ShowMoney: s.actor.MaySee(volt.AreaIncome), ShowSessions: s.actor.MaySee(volt.AreaSessions),
		Currencies: len(h.Revenue)}
	if a.cfg.Charging != nil {
		v.Recent, _, err = a.cfg.Charging.FindSessions(s.ctx, volt.SessionFilter{Status: volt.SessionActive, Page: volt.Page{Limit: 10}})
		if err != nil {
			a.fail(w, r, s, err)
			return
		}
	}
	if a.cfg.Alerts != nil {
		v.Alerts, v.AlertsTotal, err = a.cfg.Alerts.FindAlerts(s.ctx, volt.AlertFilter{State: "active", Page: volt.Page{Limit: 10}})
		if err != nil {
			a.fail(w, r, s, err)
			return
		}
	}
	a.render(w, r, s, "dashboard", "Dashboard", v)
}

// dashboardEnergy answers the "energy today" tile on its own (older pages
// and scripts load it after the first paint).
func (a *Admin) dashboardEnergy(w http.ResponseWriter, r *http.Request, s *sess) {
	h, err := ops.Compute(s.ctx, a.opsSources(), a.now())
	if err != nil {
		a.log.Error("dashboard energy", "err", err)
		a.renderFragment(w, "dashboard", "energy-tile", http.StatusOK, dict("Error", errText(err)))
		return
	}
	a.renderFragment(w, "dashboard", "energy-tile", http.StatusOK, dict("Wh", h.EnergyTodayWh, "Partial", h.Partial))
}
