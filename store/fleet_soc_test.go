package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestCarSoCAndChargeTarget (issue 19): a session on a charger that sends
// no state of charge takes it from the company car charging there (not
// from the car elsewhere, nor once the charger reports its own); the
// driver's charge target (their own, 20 to 100 %) joins the session's
// limit the guard stops at, reached when the car's SoC gets there.
func TestCarSoCAndChargeTarget(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newPayoutFixture(t, db)
		ctx := context.Background()
		var site string
		must(t, db.QueryRow(ctx, `SELECT site_id FROM chargers WHERE cpid = ?`, f.cpidA).Scan(&site))
		f.exec(t, `UPDATE sites SET latitude = ?, longitude = ? WHERE id = ?`, homeLat, homeLon, site)
		car := &volt.Vehicle{FleetID: f.fleet, DriverID: f.driverB, Make: "Kia", Model: "EV6", BatteryWh: 60_000, Registration: "AB12 CDE",
			VIN: "KNAE1234567890123", Provider: "sandbox", ProviderVehicleID: "sbx-soc"}
		must(t, f.fs.CreateVehicle(sys(), car))
		t0 := f.now
		s := f.start(t, f.cpidA, 1, "CARD-B", 1000, t0)
		soc := func() *int {
			t.Helper()
			got, err := f.svc.FindSessionByID(sys(), s.Session.ID)
			must(t, err)
			return got.SoCPercent
		}
		reading := func(at time.Duration, permille int, lat float64, charging bool) {
			t.Helper()
			_, err := f.fs.RecordTelematics(sys(), "sandbox", "sbx-soc", []volt.TelematicsReading{
				{At: t0.Add(at), OdometerM: 1, SoCPermille: permille, Latitude: lat, Longitude: homeLon, Charging: charging}})
			must(t, err)
		}
		if soc() != nil {
			t.Fatalf("SoC before any reading: %d", *soc())
		}
		reading(-time.Minute, 300, homeLat, true) // before the start
		reading(5*time.Minute, 420, awayLat, true)
		reading(6*time.Minute, 430, homeLat, false)
		if p := soc(); p != nil {
			t.Errorf("SoC from a reading before the start, away or not charging: %d", *p)
		}
		reading(10*time.Minute, 552, homeLat, true)
		if p := soc(); p == nil || *p != 55 {
			t.Errorf("SoC from the car: %v, want 55", p)
		}
		reading(20*time.Minute, 604, homeLat, true)
		if p := soc(); p == nil || *p != 60 {
			t.Errorf("SoC from the car's next reading: %v, want 60", p)
		}
		// The charger starts reporting: its value wins.
		f.exec(t, `UPDATE sessions SET soc_percent = 63 WHERE id = ?`, s.Session.ID)
		reading(30*time.Minute, 700, homeLat, true)
		if p := soc(); p == nil || *p != 63 {
			t.Errorf("SoC after the charger reported: %v, want the charger's 63", p)
		}

		// The charge target: the driver's own.
		drv := volt.NewContextWithActor(ctx, &volt.Actor{UserID: f.driverB})
		if c, err := f.fs.FindChargeTarget(drv, f.driverB); err != nil || c.Percent != 100 {
			t.Errorf("default target: %+v, %v", c, err)
		}
		if err := f.fs.SetChargeTarget(drv, &volt.ChargeTarget{UserID: f.driverB, Percent: 10}); volt.ErrorCode(err) != volt.EINVALID || err.(*volt.Error).Field != "percent" {
			t.Errorf("10 %%: %v", err)
		}
		if err := f.fs.SetChargeTarget(f.admin, &volt.ChargeTarget{UserID: f.driverB, Percent: 50}); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("the owner's admin sets a driver's target: %v", err)
		}
		limits := store.NewFleetLimits(db, f.svc)
		if _, err := limits.FindSessionLimit(sys(), s.Session.ID); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("limit without a target: %v", err)
		}
		must(t, f.fs.SetChargeTarget(drv, &volt.ChargeTarget{UserID: f.driverB, Percent: 80}))
		if c, err := f.fs.FindChargeTarget(drv, f.driverB); err != nil || c.Percent != 80 {
			t.Errorf("stored target: %+v, %v", c, err)
		}
		l, err := limits.FindSessionLimit(sys(), s.Session.ID)
		if err != nil || l.SoCPercent != 80 {
			t.Fatalf("limit with the target: %+v, %v", l, err)
		}
		sess, err := f.svc.FindSessionByID(sys(), s.Session.ID)
		must(t, err)
		if l.Reached(sess) {
			t.Errorf("target 80 %% reached at %d %%", *sess.SoCPercent)
		}
		f.exec(t, `UPDATE sessions SET soc_percent = 80 WHERE id = ?`, s.Session.ID)
		if sess, _ = f.svc.FindSessionByID(sys(), s.Session.ID); !l.Reached(sess) {
			t.Errorf("target 80 %% not reached at %d %%", *sess.SoCPercent)
		}
		// A stored energy limit keeps and gains the target.
		must(t, f.svc.SetSessionLimit(drv, &volt.SessionLimit{SessionID: s.Session.ID, EnergyWh: 5_000}))
		if l, err := limits.FindSessionLimit(sys(), s.Session.ID); err != nil || l.EnergyWh != 5_000 || l.SoCPercent != 80 {
			t.Errorf("energy limit and target: %+v, %v", l, err)
		}
		// The driver, through the path that checks visibility, sees what the
		// platform's one statement answers.
		if l, err := limits.FindSessionLimit(drv, s.Session.ID); err != nil || l.EnergyWh != 5_000 || l.SoCPercent != 80 {
			t.Errorf("energy limit and target, as the driver: %+v, %v", l, err)
		}
		// Back to 100 %: the stored limit alone.
		must(t, f.fs.SetChargeTarget(drv, &volt.ChargeTarget{UserID: f.driverB, Percent: 100}))
		if l, err := limits.FindSessionLimit(sys(), s.Session.ID); err != nil || l.EnergyWh != 5_000 || l.SoCPercent != 0 {
			t.Errorf("energy limit without a target: %+v, %v", l, err)
		}
		if _, err := limits.FindSessionLimit(sys(), "ses_none"); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("no such session: %v", err)
		}
	})
}
