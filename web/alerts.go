package web

import (
	"net/http"

	volt "github.com/volt-ev/volt"
)

// The alerts page (issue #17 item 5): a CPO's alerts with acknowledge (and
// a ticket link) and resolve; the open ones also show on the dashboard.

func (a *Admin) alertRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/alerts", a.auth(a.alertList))
	m.HandleFunc("POST "+p+"/alerts/{id}/acknowledge", a.auth(a.alertAcknowledge))
	m.HandleFunc("POST "+p+"/alerts/{id}/resolve", a.auth(a.alertResolve))
}

// alertsView is the alert list filtered by state.
type alertsView struct {
	Alerts []*volt.Alert
	Pager  pager
	State  string
}

// CanSupport reports whether the actor may acknowledge or resolve al.
func (v *alertsView) CanSupport(p *pageData, al *volt.Alert) bool {
	return p.Actor.Can(volt.PermSupport, al.Ref())
}

func (a *Admin) alertList(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Alerts == nil {
		a.notWired(w, r, s, "Alerts")
		return
	}
	state := r.URL.Query().Get("state")
	if state == "" {
		state = "active"
	}
	if state == "all" {
		state = ""
	}
	page := pageOf(r, 50)
	list, total, err := a.cfg.Alerts.FindAlerts(s.ctx, volt.AlertFilter{State: state, Page: page})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	if state == "" {
		state = "all"
	}
	a.render(w, r, s, "alerts", "Alerts", &alertsView{Alerts: list, Pager: newPager(r, page, total), State: state})
}

func (a *Admin) alertAcknowledge(w http.ResponseWriter, r *http.Request, s *sess) {
	back := AdminPrefix + "/alerts"
	if to := trimForm(r, "back"); to == AdminPrefix+"/" {
		back = to
	}
	if a.cfg.Alerts == nil {
		a.notWired(w, r, s, "Alerts")
		return
	}
	al, err := a.cfg.Alerts.AcknowledgeAlert(s.ctx, r.PathValue("id"), trimForm(r, "ticketId"))
	if err != nil {
		a.refused(w, r, back, err)
		return
	}
	msg := "Alert acknowledged."
	if al.TicketID != "" {
		msg = "Alert acknowledged and linked to ticket " + al.TicketID + "."
	}
	a.done(w, r, back, msg)
}

func (a *Admin) alertResolve(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Alerts == nil {
		a.notWired(w, r, s, "Alerts")
		return
	}
	if _, err := a.cfg.Alerts.ResolveAlert(s.ctx, r.PathValue("id")); err != nil {
		a.refused(w, r, AdminPrefix+"/alerts", err)
		return
	}
	a.done(w, r, AdminPrefix+"/alerts", "Alert resolved.")
}
