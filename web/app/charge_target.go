package app

import (
	"net/http"
	"strconv"
	"strings"

	volt "github.com/volt-ev/volt"
)

// Issue 19: the driver's charge target: the state of charge their sessions
// stop at (the guard stops them once the charger, or else the company
// car, reports it).

type chargeTargetView struct {
	Percent int
}

// chargeTargetPage shows the driver's target with a control to change it.
func (a *App) chargeTargetPage(w http.ResponseWriter, r *http.Request, q *req) {
	if a.cfg.ChargeTargets == nil {
		a.failErr(w, r, q, volt.Errorf(volt.ENOTFOUND, "Page not found."))
		return
	}
	c, err := a.cfg.ChargeTargets.FindChargeTarget(q.ctx, q.User.ID)
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	msg := ""
	if r.URL.Query().Get("done") == "1" {
		msg = "Charge target saved."
	}
	a.render(w, q, http.StatusOK, "charge_target", view{Title: "Charge target", Nav: "account", Message: msg, Data: chargeTargetView{Percent: c.Percent}})
}

// chargeTargetSet stores the target from the form.
func (a *App) chargeTargetSet(w http.ResponseWriter, r *http.Request, q *req) {
	if a.cfg.ChargeTargets == nil {
		a.failErr(w, r, q, volt.Errorf(volt.ENOTFOUND, "Page not found."))
		return
	}
	raw := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(r.PostFormValue("percent")), "%"))
	pct, perr := strconv.Atoi(raw)
	c := &volt.ChargeTarget{UserID: q.User.ID, Percent: pct}
	err := c.Validate()
	if perr != nil {
		err = volt.FieldError("percent", "Enter a whole number of percent from 20 to 100.")
	} else if err == nil {
		err = a.cfg.ChargeTargets.SetChargeTarget(q.ctx, c)
	}
	if err != nil {
		if volt.ErrorCode(err) != volt.EINVALID {
			a.failErr(w, r, q, err)
			return
		}
		a.render(w, q, http.StatusBadRequest, "charge_target", view{Title: "Charge target", Nav: "account", Error: volt.ErrorMessage(err),
			Data: chargeTargetView{Percent: pct}})
		return
	}
	http.Redirect(w, r, "/app/account/charge-target?done=1", http.StatusSeeOther)
}
