package app

import (
	"net/http"
	"net/url"

	volt "github.com/volt-ev/volt"
)

// Charging on partner networks (issue 14, eMSP side): a partner's
// location with its EVSEs and a start button per EVSE, then the charge
// page that follows the partner's answer and session (refreshing itself)
// and stops it. Cfg.RoamingCharging nil: the pages are not found.

type roamingLocationView struct {
	Location *volt.RoamingLocation
	EVSEs    []volt.RoamingEVSE
}

func (a *App) roamingLocation(w http.ResponseWriter, r *http.Request, q *req) {
	if a.cfg.RoamingCharging == nil {
		a.fail(w, r, q, http.StatusNotFound, "Partner networks are not offered here.")
		return
	}
	loc, evses, err := a.cfg.RoamingCharging.FindRoamingLocation(q.ctx, r.PathValue("partner"), r.PathValue("location"))
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	title := loc.Name
	if title == "" {
		title = loc.Address
	}
	a.render(w, q, http.StatusOK, "roaming", view{Title: title, Nav: "find", Data: roamingLocationView{Location: loc, EVSEs: evses}})
}

func (a *App) roamingStart(w http.ResponseWriter, r *http.Request, q *req) {
	if a.cfg.RoamingCharging == nil {
		a.fail(w, r, q, http.StatusNotFound, "Partner networks are not offered here.")
		return
	}
	evse := r.PostFormValue("evse")
	if evse == "" {
		a.fail(w, r, q, http.StatusBadRequest, "Choose a charge point (the field evse) and try again.")
		return
	}
	st, err := a.cfg.RoamingCharging.StartRoaming(q.ctx, r.PathValue("partner"), r.PathValue("location"), evse)
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	http.Redirect(w, r, "/app/roam/charge/"+url.PathEscape(st.ID), http.StatusSeeOther)
}

func (a *App) roamingCharge(w http.ResponseWriter, r *http.Request, q *req) {
	if a.cfg.RoamingCharging == nil {
		a.fail(w, r, q, http.StatusNotFound, "Partner networks are not offered here.")
		return
	}
	v, err := a.cfg.RoamingCharging.FindRoamingCharge(q.ctx, r.PathValue("id"))
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	a.render(w, q, http.StatusOK, "roaming_charge", view{Title: "Charging with " + v.PartnerName, Nav: "find", Data: v})
}

func (a *App) roamingStop(w http.ResponseWriter, r *http.Request, q *req) {
	if a.cfg.RoamingCharging == nil {
		a.fail(w, r, q, http.StatusNotFound, "Partner networks are not offered here.")
		return
	}
	if err := a.cfg.RoamingCharging.StopRoaming(q.ctx, r.PathValue("id")); err != nil {
		a.failErr(w, r, q, err)
		return
	}
	http.Redirect(w, r, "/app/roam/charge/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
}
