package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestDriverLeavesFleet (issue 19): a driver leaving the fleet keeps their
// personal history (their sessions, their past claim) but not the fleet's
// data: their company car is unlinked (neither they nor the manager list
// it, its readings are refused), the company's home reimbursement ends, so
// a later home session reaches no claim of the fleet and no wallet credit;
// the fleet keeps the past claim. Only the fleet's manager, the owner's
// admin or the driver themself removes them.
func TestDriverLeavesFleet(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newPayoutFixture(t, db)
		ctx := context.Background()
		f.exec(t, `UPDATE users SET cpo_id = ? WHERE id IN (?, ?)`, f.cpoA, f.driverB, f.driver)
		car := &volt.Vehicle{FleetID: f.fleet, DriverID: f.driverB, Make: "Kia", Model: "EV6", BatteryWh: 60_000, Registration: "AB12 CDE",
			VIN: "KNAE1234567890123", Provider: "sandbox", ProviderVehicleID: "sbx-leave"}
		must(t, f.fs.CreateVehicle(f.mgr, car))
		rs := store.NewReimbursementService(db)
		must(t, rs.CreateReimbursementAgreement(sys(), &volt.ReimbursementAgreement{OwnerID: f.owner, UserID: f.driverB, CPID: f.cpidA,
			Rate: volt.MustDecimal("0.25")}))
		past := f.claim(t, f.driverB, "2026-02", 10_000, 250)
		drv := volt.NewContextWithActor(ctx, &volt.Actor{UserID: f.driverB})
		other := volt.NewContextWithActor(ctx, &volt.Actor{UserID: f.driver})
		vans := volt.NewContextWithActor(ctx, &volt.Actor{UserID: "u-vans", Grants: []volt.Grant{{Role: volt.RoleFleetManager, OwnerID: f.owner, FleetID: "ugr_other"}}})
		for name, c := range map[string]struct {
			ctx  context.Context
			code string
		}{"another driver": {other, volt.ENOTFOUND}, "another fleet's manager": {vans, volt.ENOTFOUND}} {
			if _, err := f.fs.LeaveFleet(c.ctx, f.fleet, f.driverB); volt.ErrorCode(err) != c.code {
				t.Errorf("%s removes the driver: %v", name, err)
			}
		}
		if _, err := f.fs.LeaveFleet(f.mgr, f.fleet, f.driver); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("remove a driver without a vehicle of the fleet: %v", err)
		}
		if n, err := f.fs.LeaveFleet(drv, f.fleet, f.driverB); err != nil || n != 1 {
			t.Fatalf("the driver leaves: %d, %v", n, err)
		}
		if _, err := f.fs.LeaveFleet(drv, f.fleet, f.driverB); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("leave twice: %v", err)
		}

		// The fleet's data is gone for the driver, the car for the fleet.
		for name, c := range map[string]context.Context{"driver": drv, "manager": f.mgr} {
			if _, n, err := f.fs.FindVehicles(c, volt.FleetFilter{}); err != nil || n != 0 {
				t.Errorf("%s lists %d vehicles after leaving (%v)", name, n, err)
			}
		}
		if _, err := f.fs.FindTelematicsReadings(drv, car.ID, f.now.Add(-time.Hour), f.now); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("the driver reads the car's telematics: %v", err)
		}
		if _, err := f.fs.RecordTelematics(sys(), "sandbox", "sbx-leave", []volt.TelematicsReading{{At: f.now, SoCPermille: 500}}); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("readings of the unlinked car: %v", err)
		}
		// Past claims stay with the fleet and the driver.
		for name, c := range map[string]context.Context{"driver": drv, "manager": f.mgr} {
			if got, err := f.fs.FindClaimByID(c, past); err != nil || got.Amount != 250 {
				t.Errorf("%s reads the past claim: %v", name, err)
			}
		}
		// A later home session: the driver's own history, nothing for the fleet.
		later := f.now.AddDate(0, 1, 0)
		s := f.start(t, f.cpidA, 1, "CARD-B", 1000, later)
		f.stop(t, f.cpidA, s.TransactionID, 11_000, later.Add(time.Hour))
		if _, n, err := f.svc.FindSessions(drv, volt.SessionFilter{UserID: f.driverB}); err != nil || n != 1 {
			t.Errorf("the driver's own sessions: %d, %v", n, err)
		}
		if n, err := f.fs.BuildClaims(sys(), later); err != nil || n != 0 {
			t.Errorf("claims after leaving: %d new, %v", n, err)
		}
		if _, n, _ := f.fs.FindClaims(f.mgr, volt.FleetFilter{}); n != 1 {
			t.Errorf("the fleet's claims after leaving: %d, want the past one", n)
		}
		if n, err := rs.RunReimbursements(sys(), later); err != nil || n != 0 {
			t.Errorf("wallet reimbursement after leaving: %d statements, %v", n, err)
		}
		if _, n, _ := rs.FindReimbursementAgreements(sys(), volt.ReimbursementFilter{UserID: f.driverB}); n != 0 {
			t.Errorf("%d agreements left after leaving", n)
		}
		// The fleet may give the car to another driver.
		again := *car
		again.DriverID = f.driver
		if err := f.fs.CreateVehicle(f.mgr, &again); err != nil {
			t.Errorf("the car with a new driver: %v", err)
		}
	})
}
