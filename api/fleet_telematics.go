package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
)

// Issue 19: a driver authorises Volt at a vehicle-data API for one vehicle
// (OAuth 2.0 authorization-code grant).

// TelematicsAuthorizer is a provider drivers authorise per vehicle
// (telematics.HTTP).
type TelematicsAuthorizer interface {
	Name() string
	AuthCodeURL(state string) string
	// SignState ties a consent to a vehicle until exp; VerifyState answers
	// that vehicle.
	SignState(vehicleID string, exp time.Time) string
	VerifyState(state string) (string, bool)
	// Exchange trades the code for the vehicle's tokens and keeps them.
	Exchange(ctx context.Context, providerVehicleID, code string) error
}

// TelematicsAuthorization is where the driver consents.
type TelematicsAuthorization struct {
	VehicleID    string `json:"vehicleId"`
	Provider     string `json:"telematicsProvider"`
	AuthorizeURL string `json:"authorizeUrl" doc:"Open it to consent at the provider; the provider then calls the OAuth callback."`
}

// TelematicsAuthorized answers the OAuth callback.
type TelematicsAuthorized struct {
	VehicleID  string `json:"vehicleId"`
	Authorized bool   `json:"authorized"`
}

type telematicsCallbackInput struct {
	Provider string `path:"provider" maxLength:"32"`
	Code     string `query:"code" maxLength:"2048"`
	State    string `query:"state" maxLength:"512"`
	Error    string `query:"error" maxLength:"200" doc:"Set by the provider when the driver refused."`
}

// authorizeTelematics answers the consent URL of a vehicle, valid an
// hour, to its driver, its fleet's managers and the owner's admins (staff
// who read it get 403).
func (s *server) authorizeTelematics(ctx context.Context, in *IDInput) (*Out[TelematicsAuthorization], error) {
	if s.Fleets == nil {
		return nil, notWired("fleet")
	}
	v, err := s.Fleets.FindVehicleByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	// The consent leads to tokens stored for the vehicle: its driver, its
	// fleet's managers or the owner's admins give it; staff only read.
	if a := volt.ActorFromContext(ctx); a == nil || !(a.SuperAdmin || (a.UserID != "" && a.UserID == v.DriverID) ||
		a.ManagesFleet(v.FleetID) || a.Can(volt.PermWrite, volt.Ref{CPOID: v.CPOID, OwnerID: v.OwnerID})) {
		return nil, newError(volt.EFORBIDDEN, "Only the vehicle's driver, its fleet's managers or the owner's admins authorise its telematics.", "")
	}
	p := s.TelematicsOAuth[v.Provider]
	if p == nil {
		return nil, newError(volt.EUNPROCESSABLE, "The vehicle's telematics provider "+v.Provider+" is not authorised by OAuth.", "telematicsProvider")
	}
	u := p.AuthCodeURL(p.SignState(v.ID, time.Now().Add(time.Hour)))
	return out(TelematicsAuthorization{VehicleID: v.ID, Provider: v.Provider, AuthorizeURL: u}), nil
}

// telematicsCallback is the provider's redirect after the consent: the
// signed state names the vehicle, the code becomes its tokens.
func (s *server) telematicsCallback(ctx context.Context, in *telematicsCallbackInput) (*Out[TelematicsAuthorized], error) {
	p := s.TelematicsOAuth[in.Provider]
	if p == nil || s.Fleets == nil {
		return nil, newError(volt.ENOTFOUND, "No telematics provider "+in.Provider+".", "provider")
	}
	if in.Error != "" {
		return nil, newError(volt.EINVALID, "The provider refused the authorisation: "+in.Error+".", "error")
	}
	vehicleID, ok := p.VerifyState(in.State)
	if !ok {
		return nil, newError(volt.EINVALID, "The authorisation state is invalid or expired: start again from the vehicle.", "state")
	}
	sys := volt.NewContextWithActor(ctx, volt.SystemActor)
	v, err := s.Fleets.FindVehicleByID(sys, vehicleID)
	if err != nil || v.Provider != in.Provider {
		return nil, newError(volt.ENOTFOUND, "The vehicle of this authorisation is gone.", "state")
	}
	if err := p.Exchange(sys, v.ProviderVehicleID, in.Code); err != nil {
		if volt.ErrorCode(err) == volt.EINVALID {
			return nil, s.err(ctx, err)
		}
		s.Logger.Warn("telematics authorisation", "provider", in.Provider, "vehicle", v.ID, "err", err)
		return nil, newError(volt.EUNPROCESSABLE, "The provider did not grant access: the code is invalid or expired, or the provider is unavailable.", "code")
	}
	return out(TelematicsAuthorized{VehicleID: v.ID, Authorized: true}), nil
}

// fleetTelematicsRoutes are the per-vehicle OAuth consent and callback.
func (s *server) fleetTelematicsRoutes() {
	a := s.api
	huma.Register(a, op("authorizeVehicleTelematics", http.MethodPost, "/vehicles/{id}/telematics/authorize", "The consent URL to authorise Volt at the vehicle's data API (OAuth 2.0)", "fleets", 200), s.authorizeTelematics)
	s.chargeTargetRoutes()
	huma.Register(a, op("removeFleetDriver", http.MethodDelete, "/fleets/{id}/drivers/{userId}", "A driver leaves the fleet: vehicles unlinked, home reimbursement ended; past claims stay (managers, owner admins, the driver)", "fleets", 200), s.removeFleetDriver)
	huma.Register(a, s.publicOp(op("telematicsOAuthCallback", http.MethodGet, "/telematics/oauth/{provider}/callback", "The vehicle-data API's OAuth redirect: stores the vehicle's tokens", "fleets", 200)), s.telematicsCallback)
}

// ChargeTargetUpdate is the body of PUT /users/{id}/charge-target.
type ChargeTargetUpdate struct {
	Percent int `json:"percent" minimum:"20" maximum:"100" doc:"The state of charge (%) the driver's sessions stop at; 100 charges to full."`
}

type chargeTargetInput struct {
	IDInput
	Body ChargeTargetUpdate
}

func (s *server) chargeTargets() (volt.ChargeTargets, error) {
	ct, ok := s.Fleets.(volt.ChargeTargets)
	if !ok {
		return nil, notWired("charge target")
	}
	return ct, nil
}

func (s *server) getChargeTarget(ctx context.Context, in *IDInput) (*Out[*volt.ChargeTarget], error) {
	ct, err := s.chargeTargets()
	if err != nil {
		return nil, err
	}
	c, err := ct.FindChargeTarget(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(c), nil
}

func (s *server) setChargeTarget(ctx context.Context, in *chargeTargetInput) (*Out[*volt.ChargeTarget], error) {
	ct, err := s.chargeTargets()
	if err != nil {
		return nil, err
	}
	c := &volt.ChargeTarget{UserID: in.ID, Percent: in.Body.Percent}
	if err := ct.SetChargeTarget(ctx, c); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(c), nil
}

// chargeTargetRoutes are the driver's charge target (issue 19).
func (s *server) chargeTargetRoutes() {
	a := s.api
	huma.Register(a, op("getChargeTarget", http.MethodGet, "/users/{id}/charge-target", "The driver's charge target in % (their own; 100 when none)", "fleets", 200), s.getChargeTarget)
	huma.Register(a, op("setChargeTarget", http.MethodPut, "/users/{id}/charge-target", "Set the driver's charge target: sessions stop when the car reaches it (their own)", "fleets", 200), s.setChargeTarget)
}

type fleetDriverInput struct {
	IDInput
	UserID string `path:"userId" maxLength:"64" doc:"The driver leaving the fleet."`
}

// FleetLeft answers a driver's removal from a fleet.
type FleetLeft struct {
	FleetID          string `json:"fleetId"`
	UserID           string `json:"userId"`
	VehiclesUnlinked int    `json:"vehiclesUnlinked"`
}

// removeFleetDriver takes a driver out of a fleet (issue 19): their
// vehicles are unlinked and the company's home reimbursement ends; their
// own history and the fleet's past claims stay.
func (s *server) removeFleetDriver(ctx context.Context, in *fleetDriverInput) (*Out[FleetLeft], error) {
	fl, ok := s.Fleets.(volt.FleetLeaver)
	if !ok {
		return nil, notWired("fleet")
	}
	n, err := fl.LeaveFleet(ctx, in.ID, in.UserID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(FleetLeft{FleetID: in.ID, UserID: in.UserID, VehiclesUnlinked: n}), nil
}
