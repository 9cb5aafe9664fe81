package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/telematics"
)

// Issue 19: vehicles of fleets, their telematics, and the trusted home
// reimbursement claims.

// VehicleCreate is the body of POST /api/v1/vehicles.
type VehicleCreate struct {
	FleetID             string `json:"fleetId" minLength:"1" maxLength:"64" doc:"The fleet: an owner's usergroup with the fleet_manager role."`
	DriverID            string `json:"driverId" minLength:"1" maxLength:"64" doc:"The vehicle's driver."`
	Make                string `json:"make" minLength:"1" maxLength:"60"`
	Model               string `json:"model" minLength:"1" maxLength:"60"`
	BatteryWh           int64  `json:"batteryWh" doc:"Usable battery capacity in Wh."`
	Registration        string `json:"registration" minLength:"2" maxLength:"15"`
	VIN                 string `json:"vin" minLength:"17" maxLength:"17" doc:"ISO 3779 vehicle identification number."`
	TelematicsProvider  string `json:"telematicsProvider,omitempty" maxLength:"32" doc:"The telematics provider (sandbox)."`
	TelematicsVehicleID string `json:"telematicsVehicleId,omitempty" maxLength:"128" doc:"The vehicle's id at the provider."`
}

type vehicleCreateInput struct{ Body VehicleCreate }

type fleetListInput struct {
	OwnerID string `query:"ownerId" maxLength:"64"`
	FleetID string `query:"fleetId" maxLength:"64"`
	UserID  string `query:"userId" maxLength:"64"`
	PageParams
}

type claimListInput struct {
	fleetListInput
	Month string `query:"month" maxLength:"7" doc:"YYYY-MM."`
}

type telematicsListInput struct {
	IDInput
	From time.Time `query:"from" doc:"Start (RFC 3339); default 24 hours before to."`
	To   time.Time `query:"to" doc:"End (RFC 3339); default now."`
}

type claimDecisionInput struct {
	IDInput
	CDRID string `path:"cdrId" maxLength:"64" doc:"The session's CDR id."`
	Body  struct {
		Approve bool `json:"approve" doc:"true approves the flagged session, false rejects it."`
	}
}

type claimPayoutInput struct {
	IDInput
	Body struct {
		Method      string           `json:"method,omitempty" enum:"wallet,bacs18,payroll_csv" doc:"wallet credits the driver's wallet; bacs18 answers a Bacs Standard 18 file; payroll_csv a payroll CSV line. Default: the owner's payout settings."`
		Originator  volt.BankAccount `json:"originator,omitempty" doc:"bacs18: the company's account (default: the owner's payout settings)."`
		Beneficiary volt.BankAccount `json:"beneficiary,omitempty" doc:"bacs18: the driver's account."`
	}
}

type telematicsWebhookInput struct {
	Provider  string `path:"provider" maxLength:"32" doc:"The telematics provider's name (sandbox)."`
	Signature string `header:"X-Telematics-Signature" maxLength:"200" doc:"sha256= and the hex HMAC-SHA256 of the raw body under the provider's secret."`
	RawBody   []byte
}

// VehicleTelematics is a vehicle's readings over a period.
type VehicleTelematics struct {
	VehicleID string                   `json:"vehicleId"`
	From      time.Time                `json:"from"`
	To        time.Time                `json:"to"`
	Readings  []volt.TelematicsReading `json:"readings"`
}

// TelematicsReceived is the answer to an accepted telematics webhook.
type TelematicsReceived struct {
	Stored int `json:"stored" doc:"How many readings were new (duplicates are stored once)."`
}

func (s *server) listVehicles(ctx context.Context, in *fleetListInput) (*ListOutput[*volt.Vehicle], error) {
	if s.Fleets == nil {
		return nil, notWired("fleet")
	}
	f := volt.FleetFilter{OwnerID: in.OwnerID, FleetID: in.FleetID, UserID: in.UserID, Page: in.page()}
	items, total, err := s.Fleets.FindVehicles(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) createVehicle(ctx context.Context, in *vehicleCreateInput) (*Out[*volt.Vehicle], error) {
	if s.Fleets == nil {
		return nil, notWired("fleet")
	}
	b := in.Body
	v := &volt.Vehicle{FleetID: b.FleetID, DriverID: b.DriverID, Make: b.Make, Model: b.Model, BatteryWh: b.BatteryWh,
		Registration: b.Registration, VIN: b.VIN, Provider: b.TelematicsProvider, ProviderVehicleID: b.TelematicsVehicleID}
	if err := s.Fleets.CreateVehicle(ctx, v); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(v), nil
}

func (s *server) getVehicle(ctx context.Context, in *IDInput) (*Out[*volt.Vehicle], error) {
	if s.Fleets == nil {
		return nil, notWired("fleet")
	}
	v, err := s.Fleets.FindVehicleByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(v), nil
}

func (s *server) deleteVehicle(ctx context.Context, in *IDInput) (*struct{}, error) {
	if s.Fleets == nil {
		return nil, notWired("fleet")
	}
	if err := s.Fleets.DeleteVehicle(ctx, in.ID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}

func (s *server) listVehicleTelematics(ctx context.Context, in *telematicsListInput) (*Out[VehicleTelematics], error) {
	if s.Fleets == nil {
		return nil, notWired("fleet")
	}
	to, from := in.To, in.From
	if to.IsZero() {
		to = time.Now()
	}
	if from.IsZero() {
		from = to.Add(-24 * time.Hour)
	}
	if !from.Before(to) || to.Sub(from) > 31*24*time.Hour {
		return nil, newError(volt.EINVALID, "from must be before to, at most 31 days apart.", "from")
	}
	rs, err := s.Fleets.FindTelematicsReadings(ctx, in.ID, from, to)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(VehicleTelematics{VehicleID: in.ID, From: from, To: to, Readings: rs}), nil
}

func (s *server) listClaims(ctx context.Context, in *claimListInput) (*ListOutput[*volt.ReimbursementClaim], error) {
	if s.Fleets == nil {
		return nil, notWired("fleet")
	}
	if in.Month != "" {
		if _, err := volt.ParseMonth(in.Month); err != nil {
			return nil, s.err(ctx, err)
		}
	}
	f := volt.FleetFilter{OwnerID: in.OwnerID, FleetID: in.FleetID, UserID: in.UserID, Month: in.Month, Page: in.page()}
	items, total, err := s.Fleets.FindClaims(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) getClaim(ctx context.Context, in *IDInput) (*Out[*volt.ReimbursementClaim], error) {
	if s.Fleets == nil {
		return nil, notWired("fleet")
	}
	c, err := s.Fleets.FindClaimByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(c), nil
}

func (s *server) decideClaimSession(ctx context.Context, in *claimDecisionInput) (*Out[*volt.ReimbursementClaim], error) {
	if s.Fleets == nil {
		return nil, notWired("fleet")
	}
	c, err := s.Fleets.DecideClaimSession(ctx, in.ID, in.CDRID, in.Body.Approve)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(c), nil
}

func (s *server) approveClaim(ctx context.Context, in *IDInput) (*Out[*volt.ReimbursementClaim], error) {
	if s.Fleets == nil {
		return nil, notWired("fleet")
	}
	c, err := s.Fleets.ApproveClaim(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(c), nil
}

func (s *server) payClaim(ctx context.Context, in *claimPayoutInput) (*Out[*volt.ClaimPayout], error) {
	if s.Fleets == nil {
		return nil, notWired("fleet")
	}
	p, err := s.Fleets.PayClaim(ctx, in.ID, in.Body.Method, in.Body.Originator, in.Body.Beneficiary)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(p), nil
}

// receiveTelematicsWebhook stores a provider's pushed readings: the
// signature over the raw body under the provider's secret first (a bad one
// is refused before anything is read), then the vehicle by its id at the
// provider (unknown: 404); duplicates are stored once.
func (s *server) receiveTelematicsWebhook(ctx context.Context, in *telematicsWebhookInput) (*Out[TelematicsReceived], error) {
	if s.Fleets == nil {
		return nil, notWired("fleet")
	}
	secret := s.TelematicsSecrets[in.Provider]
	if secret == "" {
		return nil, newError(volt.ENOTFOUND, "No telematics provider "+in.Provider+".", "provider")
	}
	if !telematics.Verify(secret, in.RawBody, in.Signature) {
		return nil, newError(volt.EUNAUTHORIZED, "Telematics webhook signature missing or invalid.", telematics.SignatureHeader)
	}
	var p telematics.WebhookPayload
	if err := json.Unmarshal(in.RawBody, &p); err != nil {
		return nil, newError(volt.EINVALID, "The body is not a telematics payload: "+err.Error(), "body")
	}
	if p.VehicleID == "" {
		return nil, newError(volt.EINVALID, "vehicleId is required.", "vehicleId")
	}
	if p.Provider != "" && p.Provider != in.Provider {
		return nil, newError(volt.EINVALID, "provider "+p.Provider+" does not match the URL's.", "provider")
	}
	n, err := s.Fleets.RecordTelematics(volt.NewContextWithActor(ctx, volt.SystemActor), in.Provider, p.VehicleID, p.Readings)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(TelematicsReceived{Stored: n}), nil
}

// fleetRoutes are vehicles, telematics and reimbursement claims.
func (s *server) fleetRoutes() {
	a := s.api
	const get, post, del = http.MethodGet, http.MethodPost, http.MethodDelete
	huma.Register(a, op("listVehicles", get, "/vehicles", "List fleet vehicles (fleet managers: their fleet; drivers: their own)", "fleets", 200), s.listVehicles)
	huma.Register(a, op("createVehicle", post, "/vehicles", "Add a vehicle to a fleet (owner admins, the fleet's managers)", "fleets", 201), s.createVehicle)
	huma.Register(a, op("getVehicle", get, "/vehicles/{id}", "Get a vehicle", "fleets", 200), s.getVehicle)
	huma.Register(a, op("deleteVehicle", del, "/vehicles/{id}", "Remove a vehicle from its fleet (its history stays)", "fleets", 204), s.deleteVehicle)
	huma.Register(a, op("listVehicleTelematics", get, "/vehicles/{id}/telematics", "A vehicle's telematics readings", "fleets", 200), s.listVehicleTelematics)
	huma.Register(a, op("listReimbursementClaims", get, "/reimbursement-claims", "Monthly home reimbursement claims checked by telematics", "fleets", 200), s.listClaims)
	huma.Register(a, op("getReimbursementClaim", get, "/reimbursement-claims/{id}", "A claim with its matched, flagged, approved and rejected sessions", "fleets", 200), s.getClaim)
	huma.Register(a, op("decideReimbursementClaimSession", post, "/reimbursement-claims/{id}/sessions/{cdrId}/decision", "Approve or reject a flagged session (fleet managers, owner admins)", "fleets", 200), s.decideClaimSession)
	huma.Register(a, op("approveReimbursementClaim", post, "/reimbursement-claims/{id}/approve", "Approve a claim without flagged or pending sessions", "fleets", 200), s.approveClaim)
	huma.Register(a, op("payReimbursementClaim", post, "/reimbursement-claims/{id}/payout", "Pay an approved claim once (wallet, Bacs Standard 18 file or payroll CSV); again: the same payout", "fleets", 200), s.payClaim)
	huma.Register(a, s.publicOp(op("receiveTelematicsWebhook", post, "/telematics/webhooks/{provider}", "A telematics provider's signed readings (raw body, X-Telematics-Signature)", "fleets", 200)), s.receiveTelematicsWebhook)
}
