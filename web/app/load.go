package app

import (
	"fmt"
	"net/http"
	"strings"

	volt "github.com/volt-ev/volt"
)

// loadNote tells the driver when the site's load management limits or
// queues their session, and why (issue 15).
func (a *App) loadNote(s *volt.Session) string {
	if a.cfg.LoadStatus == nil || s.Status != volt.SessionActive {
		return ""
	}
	la, ok := a.cfg.LoadStatus.OutletLoad(s.CPID, s.ConnectorID)
	if !ok || la.SessionID != s.ID {
		return ""
	}
	switch la.Reason {
	case "queued":
		return "Queued: this site's grid connection is fully used. Your car starts charging when capacity frees up; whoever has waited longest goes first."
	case "delayed":
		return "Starting soon: this charger waits a random few minutes (up to 10) before charging, as UK smart charging rules require, so that many cars do not start at once."
	case "offPeak":
		return "Waiting for off-peak hours: this charger does not charge at peak times by default (UK smart charging rules)."
	case "limited":
		return fmt.Sprintf("Limited to %.1f A: this site shares its grid connection between the cars charging here.", la.CurrentA)
	}
	return ""
}

// held reports whether smart charging holds the session (its random delay
// or off-peak hours): the page then offers "Charge now".
func (a *App) held(s *volt.Session) bool {
	if a.cfg.LoadStatus == nil || a.cfg.SmartCharging == nil || s.Status != volt.SessionActive {
		return false
	}
	la, ok := a.cfg.LoadStatus.OutletLoad(s.CPID, s.ConnectorID)
	return ok && la.SessionID == s.ID && (la.Reason == "delayed" || la.Reason == "offPeak")
}

// chargeNow lifts the hold of the driver's own session (issue 15 item 6):
// the load management loop charges it from its next step.
func (a *App) chargeNow(w http.ResponseWriter, r *http.Request, q *req) {
	s, err := a.ownSession(r.Context(), q, r.PathValue("id"))
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	if a.cfg.SmartCharging != nil && s.Status == volt.SessionActive {
		// The app checked the browser owns the session: it acts for it.
		if err := a.cfg.SmartCharging.ChargeNow(a.sys, s.ID); err != nil {
			a.failErr(w, r, q, err)
			return
		}
	}
	http.Redirect(w, r, "/app/s/"+s.ID+"?chargenow=1", http.StatusSeeOther)
}

// giveBackNote says what a V2X session gives back (issue 15): "giving
// back" while the site's load management asks the car to discharge, and
// the energy given back so far with what it earned (the export credit of
// the live cost, with what it has beyond the cost, paid into the wallet).
// "" for a session that has given nothing back.
func (a *App) giveBackNote(s *volt.Session, cost *volt.Cost) string {
	discharging := false
	if a.cfg.LoadStatus != nil && s.Status == volt.SessionActive {
		la, ok := a.cfg.LoadStatus.OutletLoad(s.CPID, s.ConnectorID)
		discharging = ok && la.SessionID == s.ID && la.DischargeA > 0
	}
	if s.ExportedWh <= 0 && !discharging {
		return ""
	}
	var b strings.Builder
	if discharging {
		b.WriteString("Giving back: your car is powering this site now, to keep it within its grid connection. ")
	}
	fmt.Fprintf(&b, "Given back %s", formatKWh(s.ExportedWh))
	if earned := exportEarned(cost); earned > 0 {
		fmt.Fprintf(&b, ", earned %s", formatMoney(earned, cost.Currency))
	}
	b.WriteString(".")
	return b.String()
}

// exportEarned is what a cost credits for energy given back: its
// export_credit line and the payout beyond the cost, in minor units.
func exportEarned(c *volt.Cost) int64 {
	if c == nil {
		return 0
	}
	earned := c.ExportPayout
	for _, l := range c.Components {
		if l.Component == "export_credit" {
			earned -= l.InclVAT
		}
	}
	return earned
}
