package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/telematics"
)

// Home of the driver (the site of cpidA) and somewhere 20 km away.
const homeLat, homeLon, awayLat, awayLon = 51.5007, -0.1246, 51.6800, -0.1246

// TestFleetHomeReimbursementEndToEnd (issue 19): a company car charges at
// its driver's home charger and the telematics sandbox confirms it
// (matched); a second session on the same charger while the company car is
// 20 km away is flagged, waits for the fleet manager, is rejected and not
// paid; the claim is approved for exactly the matched energy. A provider
// that is down leaves sessions pending; readings are stored once; other
// tenants, other fleets and other drivers see nothing.
func TestFleetHomeReimbursementEndToEnd(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newMoneyFixture(t, db)
		ctx := context.Background()
		var owner, site string
		must(t, db.QueryRow(ctx, `SELECT owner_id, site_id FROM chargers WHERE cpid = ?`, f.cpidA).Scan(&owner, &site))
		f.exec(t, `UPDATE sites SET latitude = ?, longitude = ? WHERE id = ?`, homeLat, homeLon, site)
		f.exec(t, `UPDATE users SET cpo_id = ? WHERE id = ?`, f.cpoA, f.driverB) // signed up with CPO A
		// The fleet: the owner's fleet_manager usergroup, with its manager.
		fleet, otherFleet := "ugr_fleet"+owner, "ugr_fleet2"+owner
		f.exec(t, `INSERT INTO usergroups (id, name, role, cpo_id, owner_id, created_at, updated_at) VALUES (?, 'Fleet', 'fleet_manager', ?, ?, 0, 0)`, fleet, f.cpoA, owner)
		f.exec(t, `INSERT INTO usergroups (id, name, role, cpo_id, owner_id, created_at, updated_at) VALUES (?, 'Vans', 'fleet_manager', ?, ?, 0, 0)`, otherFleet, f.cpoA, owner)
		manager := f.user(t, "CARD-M", false, nil)
		f.exec(t, `INSERT INTO memberships (usergroup_id, user_id, created_at) VALUES (?, ?, 0)`, fleet, manager)
		mgrActor, err := store.ActorOfUser(ctx, db, manager, "", false)
		must(t, err)
		if !mgrActor.ManagesFleet(fleet) || mgrActor.ManagesFleet(otherFleet) {
			t.Fatalf("manager's grants %+v", mgrActor.Grants)
		}
		mgr := volt.NewContextWithActor(ctx, mgrActor)
		vans := volt.NewContextWithActor(ctx, &volt.Actor{UserID: "u-vans", Grants: []volt.Grant{{Role: volt.RoleFleetManager, OwnerID: owner, FleetID: otherFleet}}})
		drv := volt.NewContextWithActor(ctx, &volt.Actor{UserID: f.driverB})
		otherCPO := volt.NewContextWithActor(ctx, &volt.Actor{UserID: "s", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: f.cpoB}}})

		sbx := telematics.NewSandbox()
		fs := store.NewFleetService(db, sbx)
		car := &volt.Vehicle{FleetID: fleet, DriverID: f.driverB, Make: "Kia", Model: "EV6", BatteryWh: 60_000,
			Registration: "ab12 cde", VIN: "knae1234567890123", Provider: "sandbox", ProviderVehicleID: "sbx-car-1"}
		bad := *car
		bad.VIN = "KNAE12345678901IO"
		if err := fs.CreateVehicle(mgr, &bad); volt.ErrorCode(err) != volt.EINVALID || err.(*volt.Error).Field != "vin" {
			t.Errorf("VIN with I and O: %v", err)
		}
		if err := fs.CreateVehicle(drv, car); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("a driver adds a fleet vehicle: %v", err)
		}
		if err := fs.CreateVehicle(vans, car); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("another fleet's manager adds a vehicle: %v", err)
		}
		must(t, fs.CreateVehicle(mgr, car))
		if car.VIN != "KNAE1234567890123" || car.Registration != "AB12 CDE" || car.OwnerID != owner {
			t.Errorf("vehicle %+v", car)
		}
		dup := *car
		if err := fs.CreateVehicle(mgr, &dup); volt.ErrorCode(err) != volt.ECONFLICT {
			t.Errorf("same VIN twice: %v", err)
		}
		for _, c := range []struct {
			name string
			ctx  context.Context
			n    int
		}{{"manager", mgr, 1}, {"driver", drv, 1}, {"other fleet", vans, 0}, {"other CPO", otherCPO, 0}} {
			if _, n, err := fs.FindVehicles(c.ctx, volt.FleetFilter{}); err != nil || n != c.n {
				t.Errorf("%s sees %d vehicles (%v), want %d", c.name, n, err, c.n)
			}
		}
		if _, err := fs.FindVehicleByID(otherCPO, car.ID); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("another CPO reads the vehicle: %v", err)
		}
		must(t, store.NewReimbursementService(db).CreateReimbursementAgreement(sys(), &volt.ReimbursementAgreement{
			OwnerID: owner, UserID: f.driverB, CPID: f.cpidA, Rate: volt.MustDecimal("0.25")}))

		// The company car at home charges 10 kWh metered, 9 kWh into the
		// battery; then it drives 20 km away and another car charges 8 kWh
		// on the same charger with the driver's card.
		t0 := f.now
		sbx.AddVehicle("sbx-car-1", t0.Add(-2*time.Hour), homeLat, homeLon, 300, 12_000_000)
		must(t, sbx.Charge("sbx-car-1", t0, t0.Add(time.Hour), 60_000, 9_000))
		must(t, sbx.Drive("sbx-car-1", t0.Add(90*time.Minute), t0.Add(2*time.Hour), awayLat, awayLon, 20, 50))
		s1 := f.start(t, f.cpidA, 1, "CARD-B", 1000, t0)
		f.stop(t, f.cpidA, s1.TransactionID, 11_000, t0.Add(time.Hour))
		s2 := f.start(t, f.cpidA, 1, "CARD-B", 11_000, t0.Add(3*time.Hour))
		f.stop(t, f.cpidA, s2.TransactionID, 19_000, t0.Add(4*time.Hour))

		// The provider is down: the claim waits and says so.
		sbx.SetDown(true)
		if _, err := fs.BuildClaims(mgr, t0); volt.ErrorCode(err) != volt.EFORBIDDEN {
			t.Errorf("a manager runs the job: %v", err)
		}
		if n, err := fs.BuildClaims(sys(), t0); err != nil || n != 1 {
			t.Fatalf("build claims: %d, %v", n, err)
		}
		claims, _, err := fs.FindClaims(mgr, volt.FleetFilter{Month: "2026-03"})
		if err != nil || len(claims) != 1 {
			t.Fatalf("manager's claims: %v, %v", claims, err)
		}
		claim, err := fs.FindClaimByID(mgr, claims[0].ID)
		must(t, err)
		if len(claim.Sessions) != 2 || claim.Sessions[0].State != volt.ClaimPending || claim.Sessions[1].State != volt.ClaimPending || claim.Amount != 0 {
			t.Fatalf("claim while the provider is down: %+v", claim)
		}
		if _, err := fs.ApproveClaim(mgr, claim.ID); volt.ErrorCode(err) != volt.EUNPROCESSABLE {
			t.Errorf("approve a claim with pending sessions: %v", err)
		}

		sbx.SetDown(false)
		for i := range 2 { // the second run changes nothing
			if n, err := fs.BuildClaims(sys(), t0); err != nil || n != 0 {
				t.Fatalf("rebuild %d: %d new, %v", i, n, err)
			}
		}
		claim, err = fs.FindClaimByID(drv, claim.ID)
		must(t, err)
		home, other := claim.Sessions[0], claim.Sessions[1]
		if home.State != volt.ClaimMatched || home.EnergyWh != 10_000 || home.GainedWh != 9_000 {
			t.Errorf("company car's session: %+v", home)
		}
		if other.State != volt.ClaimFlagged || other.EnergyWh != 8_000 || other.Reason == "" {
			t.Errorf("other car's session: %+v", other)
		}
		if claim.PaidWh != 10_000 || claim.Amount != 250 || claim.VehicleID != car.ID || claim.FleetID != fleet {
			t.Errorf("claim %+v, want 10 kWh × 0.25 = 250", claim)
		}
		for _, c := range []struct {
			name string
			ctx  context.Context
		}{{"other fleet", vans}, {"other CPO", otherCPO}, {"other driver", volt.NewContextWithActor(ctx, &volt.Actor{UserID: f.driver})}} {
			if _, err := fs.FindClaimByID(c.ctx, claim.ID); volt.ErrorCode(err) != volt.ENOTFOUND {
				t.Errorf("%s reads the claim: %v", c.name, err)
			}
			if _, n, _ := fs.FindClaims(c.ctx, volt.FleetFilter{}); n != 0 {
				t.Errorf("%s lists %d claims", c.name, n)
			}
		}

		// Only the fleet's manager decides, only flagged sessions.
		if _, err := fs.DecideClaimSession(drv, claim.ID, other.CDRID, true); volt.ErrorCode(err) != volt.EFORBIDDEN {
			t.Errorf("the driver approves their own session: %v", err)
		}
		if _, err := fs.DecideClaimSession(vans, claim.ID, other.CDRID, true); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("another fleet's manager decides: %v", err)
		}
		if _, err := fs.DecideClaimSession(mgr, claim.ID, home.CDRID, false); volt.ErrorCode(err) != volt.EUNPROCESSABLE {
			t.Errorf("reject a matched session: %v", err)
		}
		if _, err := fs.ApproveClaim(mgr, claim.ID); volt.ErrorCode(err) != volt.EUNPROCESSABLE {
			t.Errorf("approve a claim with a flagged session: %v", err)
		}
		claim, err = fs.DecideClaimSession(mgr, claim.ID, other.CDRID, false)
		must(t, err)
		if claim.Sessions[1].State != volt.ClaimRejected || claim.Sessions[1].DecidedBy != manager || claim.Amount != 250 {
			t.Errorf("after rejecting: %+v", claim)
		}
		claim, err = fs.ApproveClaim(mgr, claim.ID)
		must(t, err)
		if claim.State != volt.ClaimIsApproved || claim.ApprovedAt == nil || claim.Amount != 250 || claim.PaidWh != 10_000 {
			t.Errorf("approved claim %+v", claim)
		}
		if _, err := fs.ApproveClaim(mgr, claim.ID); volt.ErrorCode(err) != volt.EUNPROCESSABLE {
			t.Errorf("approve twice: %v", err)
		}
		// The blind wallet job leaves a driver with a company vehicle to the
		// claim: the flagged session is never paid.
		if n, err := store.NewReimbursementService(db).RunReimbursements(sys(), t0); err != nil || n != 0 {
			t.Errorf("wallet statement job: %d new, %v", n, err)
		}
		// Paid once by a Bacs Standard 18 file of exactly the claim.
		from := volt.BankAccount{SortCode: "40-11-62", AccountNumber: "12345678", Name: "Acme Fleet Ltd"}
		to := volt.BankAccount{SortCode: "200000", AccountNumber: "87654321", Name: "J Driver"}
		if _, err := fs.PayClaim(drv, claim.ID, volt.PayoutBacs18, from, to); volt.ErrorCode(err) != volt.EFORBIDDEN {
			t.Errorf("the driver pays their own claim: %v", err)
		}
		if _, err := fs.PayClaim(mgr, claim.ID, volt.PayoutBacs18, volt.BankAccount{SortCode: "4011", AccountNumber: "12345678", Name: "X"}, to); volt.ErrorCode(err) != volt.EINVALID {
			t.Errorf("short sort code: %v", err)
		}
		if _, err := fs.PayClaim(mgr, claim.ID, volt.PayoutBacs18, from, to); volt.ErrorCode(err) != volt.EINVALID || err.(*volt.Error).Field != "serviceUserNumber" {
			t.Errorf("Bacs before the owner set its service user number: %v", err)
		}
		ownerAdmin := volt.NewContextWithActor(ctx, &volt.Actor{UserID: "u-adm", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: f.cpoA, OwnerID: owner}}})
		must(t, fs.SetPayoutSettings(ownerAdmin, &volt.PayoutSettings{OwnerID: owner, Method: volt.PayoutBacs18, Originator: from, ServiceUserNumber: "123456"}))
		// The operator closed the next two weeks: the file's processing day
		// comes after them.
		today := db.Now().UTC().Truncate(24 * time.Hour)
		for i := range 15 {
			fs.Bacs.Closed = append(fs.Bacs.Closed, today.AddDate(0, 0, i))
		}
		pay, err := fs.PayClaim(mgr, claim.ID, volt.PayoutBacs18, from, to)
		must(t, err)
		lines := strings.Split(strings.TrimSuffix(pay.File, "\r\n"), "\r\n")
		if day := fs.Bacs.ProcessingDay(pay.CreatedAt); len(lines) < 4 || day.Before(today.AddDate(0, 0, 15)) ||
			!strings.HasPrefix(lines[3], fmt.Sprintf("UHL1 %02d%03d", day.Year()%100, day.YearDay())) {
			t.Errorf("processing day %s after the operator's closures, UHL1 %q", day, lines[min(3, len(lines)-1)])
		}
		if len(lines) != 9 || len(lines[4]) != 100 || len(lines[5]) != 100 || !strings.HasPrefix(lines[0], "VOL1") || !strings.HasPrefix(lines[8], "UTL1") {
			t.Fatalf("Bacs file %q", pay.File)
		}
		lines = lines[4:6]
		credit := "2000008765432109940116212345678    00000000250ACME FLEET LTD    " + fmt.Sprintf("%-18s", pay.Reference) + "J DRIVER          "
		contra := "4011621234567801740116212345678    00000000250CONTRA            " + fmt.Sprintf("%-18s", pay.Reference) + "ACME FLEET LTD    "
		if lines[0] != credit || lines[1] != contra || pay.Amount != 250 || pay.Method != volt.PayoutBacs18 {
			t.Errorf("Bacs file:\n%q\nwant\n%q\n%q", pay.File, credit, contra)
		}
		if c, err := fs.FindClaimByID(drv, claim.ID); err != nil || c.State != volt.ClaimIsPaid || c.PaymentReference != pay.Reference {
			t.Errorf("claim after the payout: %+v, %v", c, err)
		}
		again, err := fs.PayClaim(mgr, claim.ID, volt.PayoutWallet, from, to)
		if err != nil || again.Reference != pay.Reference || again.File != pay.File || again.Method != volt.PayoutBacs18 {
			t.Errorf("paid twice: %+v, %v", again, err)
		}
		if w, err := f.money.FindWallet(drv, f.driverB, "GBP"); err == nil && w.Balance != 0 {
			t.Errorf("driver's wallet %d after a Bacs payout, want 0", w.Balance)
		}
		f.audit(t)
	})
}

// TestTelematicsRecordedOnce: a provider's webhook readings are stored once
// per vehicle and instant (a replay or an out-of-order batch adds only what
// is new); an unknown vehicle is not found; only the platform records.
func TestTelematicsRecordedOnce(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newMoneyFixture(t, db)
		ctx := context.Background()
		var owner string
		must(t, db.QueryRow(ctx, `SELECT owner_id FROM chargers WHERE cpid = ?`, f.cpidA).Scan(&owner))
		fleet := "ugr_fleet" + owner
		f.exec(t, `INSERT INTO usergroups (id, name, role, cpo_id, owner_id, created_at, updated_at) VALUES (?, 'Fleet', 'fleet_manager', ?, ?, 0, 0)`, fleet, f.cpoA, owner)
		fs := store.NewFleetService(db)
		v := &volt.Vehicle{FleetID: fleet, DriverID: f.driverB, Make: "Tesla", Model: "Model 3", BatteryWh: 57_500,
			Registration: "XY70ABC", VIN: "5YJ3E1EA7KF317000", Provider: "sandbox", ProviderVehicleID: "v-9"}
		must(t, fs.CreateVehicle(sys(), v))
		sbx := telematics.NewSandbox()
		sbx.AddVehicle("v-9", f.now, homeLat, homeLon, 500, 0)
		must(t, sbx.Charge("v-9", f.now, f.now.Add(time.Hour), 57_500, 11_500))
		rs, err := sbx.Readings(ctx, "v-9", f.now, f.now.Add(time.Hour))
		must(t, err)
		if len(rs) != 13 || rs[0].SoCPermille != 500 || rs[12].SoCPermille != 700 || !rs[6].Charging {
			t.Fatalf("sandbox readings %+v", rs)
		}
		if n, err := fs.RecordTelematics(sys(), "sandbox", "v-9", rs[:8]); err != nil || n != 8 {
			t.Fatalf("record: %d, %v", n, err)
		}
		// Replayed and out of order: only the five new ones are stored.
		batch := append([]volt.TelematicsReading{rs[12], rs[3]}, rs[5:12]...)
		if n, err := fs.RecordTelematics(sys(), "sandbox", "v-9", batch); err != nil || n != 5 {
			t.Fatalf("replay: %d new, %v", n, err)
		}
		got, err := fs.FindTelematicsReadings(volt.NewContextWithActor(ctx, &volt.Actor{UserID: f.driverB}), v.ID, f.now, f.now.Add(time.Hour))
		if err != nil || len(got) != 13 || got[12].SoCPermille != 700 {
			t.Fatalf("stored readings: %d, %v", len(got), err)
		}
		if _, err := fs.RecordTelematics(sys(), "sandbox", "v-unknown", rs); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("unknown vehicle: %v", err)
		}
		drv := volt.NewContextWithActor(ctx, &volt.Actor{UserID: f.driverB})
		if _, err := fs.RecordTelematics(drv, "sandbox", "v-9", rs); volt.ErrorCode(err) != volt.EFORBIDDEN {
			t.Errorf("a driver records telematics: %v", err)
		}
		badSoC := []volt.TelematicsReading{{At: f.now.Add(2 * time.Hour), SoCPermille: 1200}}
		if _, err := fs.RecordTelematics(sys(), "sandbox", "v-9", badSoC); volt.ErrorCode(err) != volt.EINVALID {
			t.Errorf("state of charge 120 %%: %v", err)
		}
	})
}
