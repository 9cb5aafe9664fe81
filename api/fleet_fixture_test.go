package api

import (
	"context"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
)

// buildFleet gives the tenant's fleet (the fleet manager's usergroup) a
// vehicle driven by its driver, and the driver's reimbursement claim of a
// month without home sessions (issue 19).
func buildFleet(t *testing.T, cfg Config, tn *tenant) {
	t.Helper()
	if cfg.Fleets == nil {
		return
	}
	vin := map[string]string{"A": "WVWZZZ1JZXW000001", "B": "WVWZZZ1JZXW000002"}[tn.Name]
	v := &volt.Vehicle{FleetID: tn.Fleet, DriverID: tn.Driver, Make: "Kia", Model: "EV6", BatteryWh: 77_400,
		Registration: "FL" + tn.Name + " 19", VIN: vin, Provider: "sandbox", ProviderVehicleID: "sbx-" + tn.Name}
	must(t, cfg.Fleets.CreateVehicle(sys(), v))
	tn.Vehicle = v.ID
	_, err := cfg.Fleets.BuildClaims(sys(), time.Date(2020, 1, 15, 0, 0, 0, 0, time.UTC))
	must(t, err)
	cs, _, err := cfg.Fleets.FindClaims(sys(), volt.FleetFilter{UserID: tn.Driver, Month: "2020-01"})
	must(t, err)
	if len(cs) != 1 {
		t.Fatalf("%d claims for %s, want 1", len(cs), tn.Name)
	}
	tn.Claim = cs[0].ID
}

// buildFleetCharge records a session the tenant's fleet paid, so the
// fleet's charges, drivers and invoice of 2020-01 have something to leak
// (the charge row only: the money of a fleet charge is covered by
// store.TestFleetWalletPaysDriversCharging).
func buildFleetCharge(t *testing.T, db *store.DB, tn *tenant) {
	t.Helper()
	if tn.Vehicle == "" {
		return
	}
	at := time.Date(2020, 1, 10, 18, 0, 0, 0, time.UTC)
	_, err := db.Exec(context.Background(), `INSERT INTO fleet_charges (cdr_id, fleet_id, cpo_id, owner_id, user_id, vehicle_id, cpid, month,
		started_at, stopped_at, energy_wh, currency, net, vat, gross) VALUES (?, ?, ?, ?, ?, ?, ?, '2020-01', ?, ?, 10000, 'GBP', 375, 75, 450)`,
		tn.CDR, tn.Fleet, tn.CPO, tn.Owner, tn.Driver, tn.Vehicle, tn.CPID, at.UnixMilli(), at.Add(time.Hour).UnixMilli())
	must(t, err)
}
