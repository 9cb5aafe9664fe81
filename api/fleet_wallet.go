package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/report"
)

// Issue 19: the fleet wallet and the monthly fleet invoice. The fleet
// service (Config.Fleets) serves them when it is a
// volt.FleetBillingService.

// fleetCtx acts with the actor narrowed to the fleets (volt.Actor.ForFleets):
// an engineer or host of the CPO reaches no fleet's drivers or charges.
func fleetCtx(ctx context.Context) context.Context {
	if a := volt.ActorFromContext(ctx); a != nil {
		return volt.NewContextWithActor(ctx, a.ForFleets())
	}
	return ctx
}

func (s *server) fleetBilling() (volt.FleetBillingService, error) {
	b, ok := s.Fleets.(volt.FleetBillingService)
	if !ok {
		return nil, notWired("fleet wallet")
	}
	return b, nil
}

// FleetList is the answer of GET /api/v1/fleets.
type FleetList struct {
	Items []*volt.FleetWallet `json:"items"`
}

// FleetIDInput names a fleet in the path.
type FleetIDInput struct {
	ID string `path:"id" maxLength:"64" doc:"The fleet (an owner's fleet_manager usergroup)."`
}

type fleetWalletInput struct {
	FleetIDInput
	Body struct {
		Enabled bool `json:"enabled" doc:"true: the fleet pays its drivers' charging on its CPO's network."`
	}
}

type fleetMonthInput struct {
	FleetIDInput
	Month string `query:"month" maxLength:"7" doc:"YYYY-MM; default the current month (UTC)."`
}

type fleetChargesInput struct {
	FleetIDInput
	Month  string `query:"month" maxLength:"7" doc:"YYYY-MM; default all months."`
	UserID string `query:"userId" maxLength:"64"`
	PageParams
}

type fleetLimitInput struct {
	FleetIDInput
	UserID string `path:"userId" maxLength:"64" doc:"A driver of one of the fleet's vehicles."`
	Body   struct {
		MonthlyLimit *int64 `json:"monthlyLimit" doc:"Minor units, VAT included, of what the fleet pays for the driver a month; null removes the limit."`
	}
}

type fleetInvoiceInput struct {
	FleetIDInput
	Month  string `path:"month" maxLength:"7" doc:"YYYY-MM."`
	Format string `query:"format" enum:"json,csv,pdf" doc:"json (default), csv or pdf."`
}

// VehicleUpdate is the body of PUT /api/v1/vehicles/{id}: the vehicle
// stays in its fleet.
type VehicleUpdate struct {
	DriverID            string `json:"driverId" minLength:"1" maxLength:"64" doc:"The vehicle's driver."`
	Make                string `json:"make" minLength:"1" maxLength:"60"`
	Model               string `json:"model" minLength:"1" maxLength:"60"`
	BatteryWh           int64  `json:"batteryWh" doc:"Usable battery capacity in Wh."`
	Registration        string `json:"registration" minLength:"2" maxLength:"15"`
	VIN                 string `json:"vin" minLength:"17" maxLength:"17" doc:"ISO 3779 vehicle identification number."`
	TelematicsProvider  string `json:"telematicsProvider,omitempty" maxLength:"32" doc:"The telematics provider (sandbox)."`
	TelematicsVehicleID string `json:"telematicsVehicleId,omitempty" maxLength:"128" doc:"The vehicle's id at the provider."`
}

type vehicleUpdateInput struct {
	IDInput
	Body VehicleUpdate
}

func (s *server) fleetWalletRoutes() {
	a := s.api
	const get, put = http.MethodGet, http.MethodPut
	huma.Register(a, op("updateVehicle", put, "/vehicles/{id}", "Edit a vehicle and its driver (owner admins, the fleet's managers)", "fleets", 200), s.updateVehicle)
	huma.Register(a, op("listFleets", get, "/fleets", "The fleets you read, with their wallet", "fleets", 200), s.listFleets)
	huma.Register(a, op("getFleetWallet", get, "/fleets/{id}/wallet", "A fleet's wallet: on or off, and what the fleet owes", "fleets", 200), s.getFleetWallet)
	huma.Register(a, op("setFleetWallet", put, "/fleets/{id}/wallet", "Turn the fleet's payment of its drivers' charging on or off (owner admins)", "fleets", 200), s.setFleetWallet)
	huma.Register(a, op("listFleetDrivers", get, "/fleets/{id}/drivers", "The fleet's drivers with their monthly limit and what the fleet paid in the month", "fleets", 200), s.listFleetDrivers)
	huma.Register(a, op("setFleetDriverLimit", put, "/fleets/{id}/drivers/{userId}/limit", "Set or remove a driver's monthly limit (owner admins, the fleet's managers)", "fleets", 204), s.setFleetDriverLimit)
	huma.Register(a, op("listFleetCharges", get, "/fleets/{id}/charges", "Sessions the fleet paid, with net, VAT and gross", "fleets", 200), s.listFleetCharges)
	huma.Register(a, s.fileOp(op("getFleetInvoice", get, "/fleets/{id}/invoices/{month}", "The fleet's monthly invoice: sessions per driver and vehicle (JSON, CSV, PDF)", "fleets", 200),
		volt.FleetInvoice{}, mediaCSV, mediaPDF), s.getFleetInvoice)
}

func (s *server) updateVehicle(ctx context.Context, in *vehicleUpdateInput) (*Out[*volt.Vehicle], error) {
	fb, err := s.fleetBilling()
	if err != nil {
		return nil, err
	}
	ctx = fleetCtx(ctx)
	b := in.Body
	v := &volt.Vehicle{ID: in.ID, DriverID: b.DriverID, Make: b.Make, Model: b.Model, BatteryWh: b.BatteryWh,
		Registration: b.Registration, VIN: b.VIN, Provider: b.TelematicsProvider, ProviderVehicleID: b.TelematicsVehicleID}
	if err := fb.UpdateVehicle(ctx, v); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(v), nil
}

func (s *server) listFleets(ctx context.Context, _ *struct{}) (*Out[FleetList], error) {
	fb, err := s.fleetBilling()
	if err != nil {
		return nil, err
	}
	ctx = fleetCtx(ctx)
	items, err := fb.FindFleets(ctx)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(FleetList{Items: items}), nil
}

func (s *server) getFleetWallet(ctx context.Context, in *FleetIDInput) (*Out[*volt.FleetWallet], error) {
	fb, err := s.fleetBilling()
	if err != nil {
		return nil, err
	}
	ctx = fleetCtx(ctx)
	w, err := fb.FindFleetWallet(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(w), nil
}

func (s *server) setFleetWallet(ctx context.Context, in *fleetWalletInput) (*Out[*volt.FleetWallet], error) {
	fb, err := s.fleetBilling()
	if err != nil {
		return nil, err
	}
	ctx = fleetCtx(ctx)
	w, err := fb.SetFleetWallet(ctx, in.ID, in.Body.Enabled)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(w), nil
}

func (s *server) listFleetDrivers(ctx context.Context, in *fleetMonthInput) (*Out[[]*volt.FleetDriver], error) {
	fb, err := s.fleetBilling()
	if err != nil {
		return nil, err
	}
	ctx = fleetCtx(ctx)
	month := in.Month
	if month == "" {
		month = s.Now().UTC().Format("2006-01")
	}
	ds, err := fb.FindFleetDrivers(ctx, in.ID, month)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(ds), nil
}

func (s *server) setFleetDriverLimit(ctx context.Context, in *fleetLimitInput) (*struct{}, error) {
	fb, err := s.fleetBilling()
	if err != nil {
		return nil, err
	}
	ctx = fleetCtx(ctx)
	if err := fb.SetDriverLimit(ctx, in.ID, in.UserID, in.Body.MonthlyLimit); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}

func (s *server) listFleetCharges(ctx context.Context, in *fleetChargesInput) (*ListOutput[*volt.FleetCharge], error) {
	fb, err := s.fleetBilling()
	if err != nil {
		return nil, err
	}
	ctx = fleetCtx(ctx)
	f := volt.FleetFilter{FleetID: in.ID, Month: in.Month, UserID: in.UserID, Page: in.page()}
	items, total, err := fb.FindFleetCharges(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) getFleetInvoice(ctx context.Context, in *fleetInvoiceInput) (*FileOutput, error) {
	fb, err := s.fleetBilling()
	if err != nil {
		return nil, err
	}
	ctx = fleetCtx(ctx)
	inv, err := fb.FleetInvoice(ctx, in.ID, in.Month)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	name := "fleet-invoice-" + inv.Month + "-" + inv.FleetID
	var buf bytes.Buffer
	switch in.Format {
	case "csv":
		err = report.WriteFleetInvoiceCSV(&buf, inv)
		return &FileOutput{ContentType: mediaCSV, ContentDisposition: attachment(name + ".csv"), Body: buf.Bytes()}, s.errIf(ctx, err)
	case "pdf":
		err = report.WriteFleetInvoicePDF(&buf, inv, s.fleetInvoiceHeading(ctx, inv))
		return &FileOutput{ContentType: mediaPDF, ContentDisposition: attachment(name + ".pdf"), Body: buf.Bytes()}, s.errIf(ctx, err)
	}
	b, err := json.Marshal(inv)
	return &FileOutput{ContentType: mediaJSON, Body: b}, s.errIf(ctx, err)
}

// fleetInvoiceHeading names the CPO and company of an invoice, as the
// system (a fleet manager reads neither, yet their invoice names them).
func (s *server) fleetInvoiceHeading(ctx context.Context, inv *volt.FleetInvoice) report.FleetInvoiceHeading {
	h := report.FleetInvoiceHeading{Company: inv.OwnerID}
	sys := volt.NewContextWithActor(ctx, volt.SystemActor)
	if o, err := s.Hierarchy.FindOwnerByID(sys, inv.OwnerID); err == nil {
		h.Company = o.Name
		if c, err := s.Hierarchy.FindCPOByID(sys, o.CPOID); err == nil {
			h.Issuer = c.Name
		}
	}
	return h
}
