package web

import (
	"net/http"
	"net/url"
	"strconv"

	volt "github.com/volt-ev/volt"
)

// The alerts page (issue #17 item 5): a CPO's alerts with acknowledge (and
// a ticket link) and resolve; the open ones also show on the dashboard.

func (a *Admin) alertRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/alerts", a.auth(a.alertList))
	m.HandleFunc("POST "+p+"/alerts/{id}/acknowledge", a.auth(a.alertAcknowledge))
	m.HandleFunc("POST "+p+"/alerts/{id}/resolve", a.auth(a.alertResolve))
	m.HandleFunc("POST "+p+"/alerts/rules", a.auth(a.alertRulesSave))
}

// alertsView is the alert list filtered by state.
type alertsView struct {
	Alerts []*volt.Alert
	Pager  pager
	State  string
	// Rules of the CPO the actor administers (nil: none it may change).
	Rules *volt.AlertRules
	CPOs  []*volt.CPO
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
	v := &alertsView{Alerts: list, Pager: newPager(r, page, total), State: state}
	if err := a.alertRulesOf(s, r.URL.Query().Get("cpoId"), v); err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.render(w, r, s, "alerts", "Alerts", v)
}

// alertRulesOf sets the rules form of cpoID (default: the first CPO the
// actor may change).
func (a *Admin) alertRulesOf(s *sess, cpoID string, v *alertsView) error {
	cpos, _, err := a.cfg.Hierarchy.FindCPOs(s.ctx, volt.Filter{Page: volt.Page{Limit: 500}})
	if err != nil {
		return err
	}
	for _, c := range cpos {
		if s.actor.Can(volt.PermWrite, volt.Ref{CPOID: c.ID}) {
			v.CPOs = append(v.CPOs, c)
		}
	}
	if len(v.CPOs) == 0 {
		return nil
	}
	if cpoID == "" {
		cpoID = v.CPOs[0].ID
	}
	v.Rules, err = a.cfg.Alerts.FindAlertRules(s.ctx, cpoID)
	return err
}

func (a *Admin) alertRulesSave(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Alerts == nil {
		a.notWired(w, r, s, "Alerts")
		return
	}
	cpoID := trimForm(r, "cpoId")
	back := AdminPrefix + "/alerts?cpoId=" + url.QueryEscape(cpoID)
	num := func(name string) (int, error) {
		v := trimForm(r, name)
		if v == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, volt.FieldError(name, "A whole number, 0 for off.")
		}
		return n, nil
	}
	rules := &volt.AlertRules{CPOID: cpoID, Faulted: trimForm(r, "faulted") == "on", MeterBackwards: trimForm(r, "meterBackwards") == "on",
		TicketBreaches: trimForm(r, "ticketBreaches") == "on", SecurityEvents: trimForm(r, "securityEvents") == "on",
		Email: trimForm(r, "email")}
	var err error
	if v := trimForm(r, "reliabilityTargetPct"); v != "" {
		if rules.ReliabilityTargetPct, err = volt.ParseDecimal(v); err != nil {
			a.refused(w, r, back, volt.FieldError("reliabilityTargetPct", "A percentage like 99 or 99.5, 0 for off."))
			return
		}
	}
	for name, dst := range map[string]*int{"offlineMinutes": &rules.OfflineMinutes, "failedStarts": &rules.FailedStarts,
		"finishingMinutes": &rules.FinishingMinutes, "paymentFailurePct": &rules.PaymentFailurePct} {
		if *dst, err = num(name); err != nil {
			a.refused(w, r, back, err)
			return
		}
	}
	if _, err := a.cfg.Alerts.SetAlertRules(s.ctx, rules); err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, "Alert rules saved.")
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
