package app

import (
	"net/http"
	"strconv"

	volt "github.com/volt-ev/volt"
)

// Issue 19: the driver's company car. A driver of a fleet vehicle sees the
// car, its latest telematics readings, and their home reimbursement claims
// with each session's verdict (matched by the car's data, flagged for the
// fleet manager, approved, rejected, or waiting for the provider). Only
// their own: the fleet service scopes by the driver.

func (a *App) fleetRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /app/company-car", a.page(a.signedIn(a.companyCar)))
	m.HandleFunc("GET /app/claims/{id}", a.page(a.signedIn(a.claimPage)))
}

// carReadings is a vehicle with its latest readings, newest first.
type carReadings struct {
	Vehicle  *volt.Vehicle
	Latest   *volt.TelematicsReading
	Readings []volt.TelematicsReading
}

// companyCarView is the data of the company car page.
type companyCarView struct {
	Cars   []carReadings
	Claims []*volt.ReimbursementClaim
}

// SoC shows a state of charge in per mille as a percentage.
func (companyCarView) SoC(permille int) string {
	return strconv.FormatFloat(float64(permille)/10, 'f', 1, 64) + " %"
}

// Km shows an odometer reading in km.
func (companyCarView) Km(m int64) string { return strconv.FormatInt(m/1000, 10) + " km" }

// ClaimState names a claim's state for the driver.
func (companyCarView) ClaimState(s string) string {
	if s == volt.ClaimIsApproved {
		return "Approved by your fleet manager"
	}
	return "Open: being checked"
}

func (a *App) companyCar(w http.ResponseWriter, r *http.Request, q *req) {
	if a.cfg.Fleets == nil {
		a.fail(w, r, q, http.StatusNotFound, "Company cars are not available here.")
		return
	}
	v := companyCarView{}
	cars, _, err := a.cfg.Fleets.FindVehicles(q.ctx, volt.FleetFilter{UserID: q.User.ID, Page: volt.Page{Limit: 10}})
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	now := a.now()
	for _, c := range cars {
		if c.DriverID != q.User.ID {
			continue
		}
		rs, err := a.cfg.Fleets.FindTelematicsReadings(q.ctx, c.ID, now.AddDate(0, 0, -7), now)
		if err != nil {
			a.failErr(w, r, q, err)
			return
		}
		cr := carReadings{Vehicle: c}
		for i := len(rs) - 1; i >= 0 && len(cr.Readings) < 6; i-- {
			cr.Readings = append(cr.Readings, rs[i])
		}
		if len(cr.Readings) > 0 {
			cr.Latest = &cr.Readings[0]
		}
		v.Cars = append(v.Cars, cr)
	}
	claims, _, err := a.cfg.Fleets.FindClaims(q.ctx, volt.FleetFilter{UserID: q.User.ID, Page: volt.Page{Limit: 24}})
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	for _, c := range claims {
		if c.UserID == q.User.ID {
			v.Claims = append(v.Claims, c)
		}
	}
	a.render(w, q, http.StatusOK, "company_car", view{Title: "Company car", Nav: "account", Data: v})
}

// claimView is the data of a claim's page.
type claimView struct {
	Claim *volt.ReimbursementClaim
}

// Verdict names a claim session's state for the driver.
func (claimView) Verdict(s string) string {
	switch s {
	case volt.ClaimMatched:
		return "Confirmed by your car's data"
	case volt.ClaimFlagged:
		return "Not confirmed: waiting for your fleet manager"
	case volt.ClaimApproved:
		return "Approved by your fleet manager"
	case volt.ClaimRejected:
		return "Rejected: not paid"
	case volt.ClaimPending:
		return "Waiting for your car's data"
	}
	return s
}

// Paid reports whether a session counts in the claim's amount.
func (claimView) Paid(c *volt.ClaimSession) bool { return c.Paid() }

func (a *App) claimPage(w http.ResponseWriter, r *http.Request, q *req) {
	if a.cfg.Fleets == nil {
		a.fail(w, r, q, http.StatusNotFound, "Company cars are not available here.")
		return
	}
	c, err := a.cfg.Fleets.FindClaimByID(q.ctx, r.PathValue("id"))
	if err == nil && c.UserID != q.User.ID {
		err = volt.Errorf(volt.ENOTFOUND, "Claim not found.")
	}
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	a.render(w, q, http.StatusOK, "claim", view{Title: "Reimbursement claim " + c.Month, Nav: "account", Data: claimView{Claim: c}})
}

// hasCompanyCar reports whether the account page links the company car
// page: the driver drives a fleet vehicle or has a claim.
func (a *App) hasCompanyCar(q *req) bool {
	if a.cfg.Fleets == nil || q.User == nil {
		return false
	}
	f := volt.FleetFilter{UserID: q.User.ID, Page: volt.Page{Limit: 1}}
	if _, n, err := a.cfg.Fleets.FindVehicles(q.ctx, f); err == nil && n > 0 {
		return true
	}
	_, n, err := a.cfg.Fleets.FindClaims(q.ctx, f)
	return err == nil && n > 0
}
