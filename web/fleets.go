package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

// Issue 19: the fleet pages. Owner admins and staff, and fleet managers
// (who see nothing else of the portal), see a fleet's wallet, drivers and
// their limits, vehicles with their telematics readings, the sessions the
// fleet paid for and the home reimbursement claims, and decide flagged
// claim sessions. The fleet service scopes everything.

func (a *Admin) fleetRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/fleets", a.auth(a.fleetList))
	m.HandleFunc("GET "+p+"/fleets/{id}", a.auth(a.fleetDetail))
	m.HandleFunc("POST "+p+"/fleets/{id}/wallet", a.auth(a.fleetWalletSet))
	m.HandleFunc("POST "+p+"/fleets/{id}/limits", a.auth(a.fleetLimitSet))
	m.HandleFunc("POST "+p+"/fleets/{id}/vehicles", a.auth(a.fleetVehicleCreate))
	m.HandleFunc("GET "+p+"/fleets/{id}/vehicles/{vid}", a.auth(a.fleetVehicle))
	m.HandleFunc("POST "+p+"/fleets/{id}/vehicles/{vid}", a.auth(a.fleetVehicleUpdate))
	m.HandleFunc("POST "+p+"/fleets/{id}/vehicles/{vid}/delete", a.auth(a.fleetVehicleDelete))
	m.HandleFunc("GET "+p+"/fleets/{id}/claims/{cid}", a.auth(a.fleetClaim))
	m.HandleFunc("POST "+p+"/fleets/{id}/claims/{cid}/sessions/{cdr}", a.auth(a.fleetClaimDecide))
	m.HandleFunc("POST "+p+"/fleets/{id}/claims/{cid}/approve", a.auth(a.fleetClaimApprove))
	a.fleetInvoiceRoutes()
	a.fleetPaymentRoutes()
}

// fleetActor narrows the actor for the fleet pages (volt.Actor.ForFleets).
func fleetActor(s *sess) *sess {
	c := *s
	c.actor = s.actor.ForFleets()
	c.ctx = volt.NewContextWithActor(s.ctx, c.actor)
	return &c
}

// seesFleets reports whether the navigation offers the fleet pages.
func seesFleets(a *volt.Actor) bool {
	return a.SuperAdmin || len(a.ManagedFleets()) > 0 || a.MaySee(volt.AreaPeople)
}

func (a *Admin) fleetsWired(w http.ResponseWriter, r *http.Request, s *sess) bool {
	if a.cfg.Fleets == nil || a.cfg.FleetBilling == nil {
		a.notWired(w, r, s, "Fleets")
		return false
	}
	return true
}

// fleetsView is the data of the fleet list.
type fleetsView struct {
	Fleets []*volt.FleetWallet
}

// Money formats minor units of a currency.
func (fleetsView) Money(amount int64, currency string) string { return fmtMinor(amount, currency) }

func (a *Admin) fleetList(w http.ResponseWriter, r *http.Request, s *sess) {
	if !a.fleetsWired(w, r, s) {
		return
	}
	s = fleetActor(s)
	fleets, err := a.cfg.FleetBilling.FindFleets(s.ctx)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.render(w, r, s, "fleets", "Fleets", fleetsView{Fleets: fleets})
}

// vehicleForm is the vehicle form as typed.
type vehicleForm struct {
	DriverEmail, Make, Model, BatteryKWh, Registration, VIN, Provider, ProviderVehicleID string
}

func vehicleFormOf(r *http.Request) vehicleForm {
	return vehicleForm{DriverEmail: trimForm(r, "driverEmail"), Make: trimForm(r, "make"), Model: trimForm(r, "model"),
		BatteryKWh: trimForm(r, "batteryKwh"), Registration: trimForm(r, "registration"), VIN: trimForm(r, "vin"),
		Provider: trimForm(r, "telematicsProvider"), ProviderVehicleID: trimForm(r, "telematicsVehicleId")}
}

// vehicle turns the form into a vehicle of the fleet (the driver looked
// up by e-mail among the fleet CPO's drivers).
func (a *Admin) vehicle(s *sess, fleetID string, f vehicleForm) (*volt.Vehicle, error) {
	d, err := volt.ParseDecimal(f.BatteryKWh)
	if err != nil || d.Sign() <= 0 {
		return nil, volt.FieldError("batteryKwh", "Battery capacity must be a number of kWh such as 77.4, got %q.", f.BatteryKWh)
	}
	v := &volt.Vehicle{FleetID: fleetID, Make: f.Make, Model: f.Model, BatteryWh: d.Micro() / 1000, Registration: f.Registration,
		VIN: f.VIN, Provider: f.Provider, ProviderVehicleID: f.ProviderVehicleID}
	if f.DriverEmail == "" {
		return nil, volt.FieldError("driverEmail", "Give the driver's e-mail address.")
	}
	if v.DriverID, err = a.cfg.FleetBilling.FleetDriverByEmail(s.ctx, fleetID, f.DriverEmail); err != nil {
		return nil, err
	}
	return v, nil
}

// fleetView is the data of a fleet's page.
type fleetView struct {
	Fleet        *volt.FleetWallet
	Month        string
	PrevMonth    string
	NextMonth    string
	Drivers      []*volt.FleetDriver
	Vehicles     []*volt.Vehicle
	DriverEmails map[string]string
	Charges      []*volt.FleetCharge
	Claims       []*volt.ReimbursementClaim
	Pager        pager
	CanSwitch    bool // the owner's admins switch the wallet
	CanManage    bool // owner admins and the fleet's managers
	Form         vehicleForm
	Error        string
	Field        string
	// Invoice is the month's invoice with its payments (fleet_payments.go).
	Invoice          *volt.FleetInvoice
	CanRecordPayment bool
	Today            string
}

// Money formats minor units of the fleet's currency.
func (v fleetView) Money(amount int64) string { return fmtMinor(amount, v.Fleet.Currency) }

// Major shows a limit in major units for the form ("50.00").
func (v fleetView) Major(p *int64) string {
	if p == nil {
		return ""
	}
	return volt.DecimalFromMinor(*p, volt.CurrencyExponent(v.Fleet.Currency)).String()
}

// monthOf reads ?month=YYYY-MM (default: the current month).
func (a *Admin) monthOf(r *http.Request) (string, time.Time) {
	if t, err := time.Parse("2006-01", r.URL.Query().Get("month")); err == nil {
		return t.Format("2006-01"), t
	}
	now := a.now().UTC()
	t := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	return t.Format("2006-01"), t
}

func (a *Admin) fleetDetail(w http.ResponseWriter, r *http.Request, s *sess) {
	if !a.fleetsWired(w, r, s) {
		return
	}
	a.renderFleet(w, r, fleetActor(s), http.StatusOK, vehicleForm{}, nil)
}

func (a *Admin) renderFleet(w http.ResponseWriter, r *http.Request, s *sess, status int, form vehicleForm, ferr error) {
	id := r.PathValue("id")
	fw, err := a.cfg.FleetBilling.FindFleetWallet(s.ctx, id)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	month, start := a.monthOf(r)
	v := fleetView{Fleet: fw, Month: month, PrevMonth: start.AddDate(0, -1, 0).Format("2006-01"), NextMonth: start.AddDate(0, 1, 0).Format("2006-01"),
		DriverEmails: map[string]string{}, Form: form,
		CanSwitch: s.actor.Can(volt.PermWrite, volt.Ref{CPOID: fw.CPOID, OwnerID: fw.OwnerID}) && !s.actor.ManagesFleet(fw.FleetID)}
	v.CanManage = v.CanSwitch || s.actor.ManagesFleet(fw.FleetID) || s.actor.SuperAdmin
	if v.Drivers, err = a.cfg.FleetBilling.FindFleetDrivers(s.ctx, id, month); err != nil {
		a.fail(w, r, s, err)
		return
	}
	for _, d := range v.Drivers {
		v.DriverEmails[d.UserID] = d.Email
	}
	if v.Vehicles, _, err = a.cfg.Fleets.FindVehicles(s.ctx, volt.FleetFilter{FleetID: id, Page: volt.Page{Limit: 500}}); err != nil {
		a.fail(w, r, s, err)
		return
	}
	page := pageOf(r, 50)
	charges, total, err := a.cfg.FleetBilling.FindFleetCharges(s.ctx, volt.FleetFilter{FleetID: id, Month: month, Page: page})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v.Charges, v.Pager = charges, newPager(r, page, total)
	if err := a.fleetInvoiceOf(s, &v); err != nil {
		a.fail(w, r, s, err)
		return
	}
	if v.Claims, _, err = a.cfg.Fleets.FindClaims(s.ctx, volt.FleetFilter{FleetID: id, Page: volt.Page{Limit: 100}}); err != nil {
		a.fail(w, r, s, err)
		return
	}
	for _, c := range v.Claims {
		if _, ok := v.DriverEmails[c.UserID]; !ok {
			v.DriverEmails[c.UserID] = c.UserID // a driver who left the fleet
		}
	}
	if ferr != nil {
		v.Error, v.Field, status = errText(ferr), fieldOf(ferr), httpStatus(ferr)
		if status >= 500 {
			a.log.Error("fleet action failed", "err", ferr)
		}
	}
	a.renderStatus(w, r, s, status, "fleet", fw.Name, v)
}

func (a *Admin) fleetBack(r *http.Request) string {
	return AdminPrefix + "/fleets/" + r.PathValue("id")
}

func (a *Admin) fleetWalletSet(w http.ResponseWriter, r *http.Request, s *sess) {
	if !a.fleetsWired(w, r, s) {
		return
	}
	s = fleetActor(s)
	on := r.PostFormValue("enabled") == "true"
	if _, err := a.cfg.FleetBilling.SetFleetWallet(s.ctx, r.PathValue("id"), on); err != nil {
		a.refused(w, r, a.fleetBack(r), err)
		return
	}
	msg := "Fleet wallet on: the fleet pays its drivers' charging on this network."
	if !on {
		msg = "Fleet wallet off: drivers pay their own charging again."
	}
	a.done(w, r, a.fleetBack(r), msg)
}

func (a *Admin) fleetLimitSet(w http.ResponseWriter, r *http.Request, s *sess) {
	if !a.fleetsWired(w, r, s) {
		return
	}
	s = fleetActor(s)
	id := r.PathValue("id")
	fw, err := a.cfg.FleetBilling.FindFleetWallet(s.ctx, id)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	var limit *int64
	if raw := trimForm(r, "monthlyLimit"); raw != "" {
		n, err := parseMinor(raw, fw.Currency)
		if raw == "0" || raw == "0.00" {
			n, err = 0, nil
		}
		if err != nil {
			a.refused(w, r, a.fleetBack(r), volt.FieldError("monthlyLimit", "The monthly limit must be an amount such as 50.00, got %q.", raw))
			return
		}
		limit = &n
	}
	if err := a.cfg.FleetBilling.SetDriverLimit(s.ctx, id, trimForm(r, "userId"), limit); err != nil {
		a.refused(w, r, a.fleetBack(r), err)
		return
	}
	msg := "Monthly limit removed."
	if limit != nil {
		msg = "Monthly limit set to " + fmtMinor(*limit, fw.Currency) + "."
	}
	a.done(w, r, a.fleetBack(r), msg)
}

func (a *Admin) fleetVehicleCreate(w http.ResponseWriter, r *http.Request, s *sess) {
	if !a.fleetsWired(w, r, s) {
		return
	}
	s = fleetActor(s)
	f := vehicleFormOf(r)
	v, err := a.vehicle(s, r.PathValue("id"), f)
	if err == nil {
		err = a.cfg.Fleets.CreateVehicle(s.ctx, v)
	}
	if err != nil {
		a.renderFleet(w, r, s, 0, f, err)
		return
	}
	a.done(w, r, a.fleetBack(r), "Vehicle "+v.Registration+" added, driven by "+f.DriverEmail+".")
}

// vehicleView is the data of a vehicle's page: its form and readings.
type vehicleView struct {
	FleetID  string
	Vehicle  *volt.Vehicle
	Form     vehicleForm
	Readings []volt.TelematicsReading
	Days     int
	Editable bool
	Error    string
	Field    string
}

// SoC shows a reading's state of charge in percent.
func (vehicleView) SoC(permille int) string {
	return strconv.FormatFloat(float64(permille)/10, 'f', 1, 64) + " %"
}

// Km shows an odometer in km.
func (vehicleView) Km(m int64) string {
	return strconv.FormatFloat(float64(m)/1000, 'f', 1, 64) + " km"
}

func (a *Admin) fleetVehicle(w http.ResponseWriter, r *http.Request, s *sess) {
	if !a.fleetsWired(w, r, s) {
		return
	}
	a.renderVehicle(w, r, fleetActor(s), http.StatusOK, nil, nil)
}

func (a *Admin) renderVehicle(w http.ResponseWriter, r *http.Request, s *sess, status int, form *vehicleForm, ferr error) {
	v, err := a.cfg.Fleets.FindVehicleByID(s.ctx, r.PathValue("vid"))
	if err == nil && v.FleetID != r.PathValue("id") {
		err = volt.Errorf(volt.ENOTFOUND, "Vehicle %q not found.", r.PathValue("vid"))
	}
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	fw, err := a.cfg.FleetBilling.FindFleetWallet(s.ctx, v.FleetID)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	vv := vehicleView{FleetID: v.FleetID, Vehicle: v, Days: 7,
		Editable: s.actor.SuperAdmin || s.actor.ManagesFleet(v.FleetID) || s.actor.Can(volt.PermWrite, volt.Ref{CPOID: fw.CPOID, OwnerID: fw.OwnerID})}
	if form != nil {
		vv.Form = *form
	} else {
		vv.Form = vehicleForm{Make: v.Make, Model: v.Model, BatteryKWh: volt.DecimalFromMinor(v.BatteryWh, 3).String(), Registration: v.Registration,
			VIN: v.VIN, Provider: v.Provider, ProviderVehicleID: v.ProviderVehicleID}
		if ds, err := a.cfg.FleetBilling.FindFleetDrivers(s.ctx, v.FleetID, a.now().UTC().Format("2006-01")); err == nil {
			for _, d := range ds {
				if d.UserID == v.DriverID {
					vv.Form.DriverEmail = d.Email
				}
			}
		}
	}
	now := a.now()
	rs, err := a.cfg.Fleets.FindTelematicsReadings(s.ctx, v.ID, now.AddDate(0, 0, -vv.Days), now)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	// Newest first, at most 200.
	for i := len(rs) - 1; i >= 0 && len(vv.Readings) < 200; i-- {
		vv.Readings = append(vv.Readings, rs[i])
	}
	if ferr != nil {
		vv.Error, vv.Field, status = errText(ferr), fieldOf(ferr), httpStatus(ferr)
	}
	a.renderStatus(w, r, s, status, "fleet_vehicle", v.Registration+" · "+v.Make+" "+v.Model, vv)
}

func (a *Admin) fleetVehicleUpdate(w http.ResponseWriter, r *http.Request, s *sess) {
	if !a.fleetsWired(w, r, s) {
		return
	}
	s = fleetActor(s)
	f := vehicleFormOf(r)
	v, err := a.vehicle(s, r.PathValue("id"), f)
	if err == nil {
		v.ID = r.PathValue("vid")
		err = a.cfg.FleetBilling.UpdateVehicle(s.ctx, v)
	}
	if err != nil {
		a.renderVehicle(w, r, s, 0, &f, err)
		return
	}
	a.done(w, r, a.fleetBack(r)+"/vehicles/"+v.ID, "Vehicle "+v.Registration+" saved.")
}

func (a *Admin) fleetVehicleDelete(w http.ResponseWriter, r *http.Request, s *sess) {
	if !a.fleetsWired(w, r, s) {
		return
	}
	s = fleetActor(s)
	if err := a.cfg.Fleets.DeleteVehicle(s.ctx, r.PathValue("vid")); err != nil {
		a.refused(w, r, a.fleetBack(r), err)
		return
	}
	a.done(w, r, a.fleetBack(r), "Vehicle removed from the fleet. Its readings and claims stay.")
}

// claimView is the data of a claim's page.
type claimView struct {
	FleetID  string
	Claim    *volt.ReimbursementClaim
	Driver   string
	Vehicle  string
	Editable bool
	Open     int // sessions still flagged or pending
}

// Money formats minor units of the claim's currency.
func (v claimView) Money(amount int64) string { return fmtMinor(amount, v.Claim.Currency) }

func (a *Admin) fleetClaim(w http.ResponseWriter, r *http.Request, s *sess) {
	if !a.fleetsWired(w, r, s) {
		return
	}
	s = fleetActor(s)
	c, err := a.cfg.Fleets.FindClaimByID(s.ctx, r.PathValue("cid"))
	if err == nil && c.FleetID != r.PathValue("id") {
		err = volt.Errorf(volt.ENOTFOUND, "Reimbursement claim %q not found.", r.PathValue("cid"))
	}
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := claimView{FleetID: c.FleetID, Claim: c, Driver: c.UserID, Vehicle: c.VehicleID,
		Editable: c.State == volt.ClaimOpen && s.actor.UserID != c.UserID &&
			(s.actor.SuperAdmin || s.actor.ManagesFleet(c.FleetID) || s.actor.Can(volt.PermWrite, volt.Ref{CPOID: c.CPOID, OwnerID: c.OwnerID}))}
	if ds, err := a.cfg.FleetBilling.FindFleetDrivers(s.ctx, c.FleetID, c.Month); err == nil {
		for _, d := range ds {
			if d.UserID == c.UserID {
				v.Driver = d.Email
			}
		}
	}
	if veh, err := a.cfg.Fleets.FindVehicleByID(s.ctx, c.VehicleID); err == nil {
		v.Vehicle = veh.Registration
	}
	for _, cs := range c.Sessions {
		if cs.State == volt.ClaimFlagged || cs.State == volt.ClaimPending {
			v.Open++
		}
	}
	a.render(w, r, s, "fleet_claim", "Claim "+c.Month+" · "+v.Driver, v)
}

func (a *Admin) fleetClaimDecide(w http.ResponseWriter, r *http.Request, s *sess) {
	if !a.fleetsWired(w, r, s) {
		return
	}
	s = fleetActor(s)
	back := a.fleetBack(r) + "/claims/" + r.PathValue("cid")
	approve := r.PostFormValue("decision") == "approve"
	if _, err := a.cfg.Fleets.DecideClaimSession(s.ctx, r.PathValue("cid"), r.PathValue("cdr"), approve); err != nil {
		a.refused(w, r, back, err)
		return
	}
	msg := "Session rejected: it is not paid."
	if approve {
		msg = "Session approved: it is paid with the claim."
	}
	a.done(w, r, back, msg)
}

func (a *Admin) fleetClaimApprove(w http.ResponseWriter, r *http.Request, s *sess) {
	if !a.fleetsWired(w, r, s) {
		return
	}
	s = fleetActor(s)
	back := a.fleetBack(r) + "/claims/" + r.PathValue("cid")
	c, err := a.cfg.Fleets.ApproveClaim(s.ctx, r.PathValue("cid"))
	if err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, "Claim approved: "+fmtMinor(c.Amount, c.Currency)+" for "+fmtKWh(c.PaidWh)+".")
}

// State names a claim session's state for people.
func (claimView) State(state string) string {
	switch state {
	case volt.ClaimMatched:
		return "Matched by telematics"
	case volt.ClaimFlagged:
		return "Flagged: needs a decision"
	case volt.ClaimApproved:
		return "Approved"
	case volt.ClaimRejected:
		return "Rejected"
	case volt.ClaimPending:
		return "Waiting for telematics"
	}
	return strings.ToUpper(state)
}
