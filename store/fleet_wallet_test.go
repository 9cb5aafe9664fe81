package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// fleetWalletFixture: a money fixture whose owner (of cpidA) has a fleet
// with a manager and a vehicle driven by driverB (card CARD-B, an empty
// wallet), the charging gate on.
type fleetWalletFixture struct {
	*moneyFixture
	fs                  *store.FleetService
	owner, fleet, other string
	mgr, admin, vans    context.Context
	car                 *volt.Vehicle
}

func newFleetWalletFixture(t *testing.T, db *store.DB) *fleetWalletFixture {
	t.Helper()
	f := &fleetWalletFixture{moneyFixture: newMoneyFixture(t, db), fs: store.NewFleetService(db)}
	f.svc.Gate = f.money
	ctx := context.Background()
	must(t, db.QueryRow(ctx, `SELECT owner_id FROM chargers WHERE cpid = ?`, f.cpidA).Scan(&f.owner))
	f.exec(t, `UPDATE users SET cpo_id = ? WHERE id = ?`, f.cpoA, f.driverB)
	f.fleet, f.other = "ugr_fw"+f.owner, "ugr_fw2"+f.owner
	f.exec(t, `INSERT INTO usergroups (id, name, role, cpo_id, owner_id, created_at, updated_at) VALUES (?, 'Sales cars', 'fleet_manager', ?, ?, 0, 0)`, f.fleet, f.cpoA, f.owner)
	f.exec(t, `INSERT INTO usergroups (id, name, role, cpo_id, owner_id, created_at, updated_at) VALUES (?, 'Vans', 'fleet_manager', ?, ?, 0, 0)`, f.other, f.cpoA, f.owner)
	f.mgr = volt.NewContextWithActor(ctx, &volt.Actor{UserID: "u-mgr", Grants: []volt.Grant{{Role: volt.RoleFleetManager, OwnerID: f.owner, FleetID: f.fleet}}})
	f.vans = volt.NewContextWithActor(ctx, &volt.Actor{UserID: "u-vans", Grants: []volt.Grant{{Role: volt.RoleFleetManager, OwnerID: f.owner, FleetID: f.other}}})
	f.admin = volt.NewContextWithActor(ctx, &volt.Actor{UserID: "u-adm", Grants: []volt.Grant{{Role: volt.RoleAdmin, OwnerID: f.owner}}})
	f.car = &volt.Vehicle{FleetID: f.fleet, DriverID: f.driverB, Make: "Kia", Model: "EV6", BatteryWh: 60_000, Registration: "AB12 CDE", VIN: "KNAE1234567890123"}
	must(t, f.fs.CreateVehicle(f.mgr, f.car))
	return f
}

// charge runs a 1 h session of wh on cpidA connector 1 with CARD-B and
// settles its CDR.
func (f *fleetWalletFixture) charge(t *testing.T, wh int64) *volt.CDR {
	t.Helper()
	f.now = f.now.Add(2 * time.Hour)
	st := f.start(t, f.cpidA, 1, "CARD-B", 1000, f.now)
	if st.Auth.Status != volt.AuthAccepted {
		t.Fatalf("fleet driver's start: %+v", st.Auth)
	}
	res := f.stop(t, f.cpidA, st.TransactionID, 1000+wh, f.now.Add(time.Hour))
	must(t, f.money.OnCDR(sys(), res.CDR))
	return res.CDR
}

// TestFleetWalletPaysDriversCharging (issue 19 item 2): with the fleet
// wallet off, the fleet driver's empty wallet refuses the start; the
// owner's admin (not the fleet manager) turns it on; the session is then
// billed to the fleet to the penny (net, VAT, gross), not the driver, once
// however often it is settled, and the ledger balances; at the driver's
// monthly limit the start is refused with the reason; other fleets and
// tenants find nothing.
func TestFleetWalletPaysDriversCharging(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newFleetWalletFixture(t, db)
		otherCPO := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "s", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: f.cpoB}}})
		if auth, err := f.svc.AuthorizeIDTag(sys(), f.cpidA, "CARD-B"); err != nil || auth.Status != volt.AuthBlocked || !strings.Contains(auth.Reason, "insufficient credit") {
			t.Fatalf("wallet off, empty driver wallet: %+v, %v", auth, err)
		}
		if _, err := f.fs.SetFleetWallet(f.mgr, f.fleet, true); volt.ErrorCode(err) != volt.EFORBIDDEN {
			t.Errorf("the fleet manager turns the wallet on: %v", err)
		}
		if _, err := f.fs.SetFleetWallet(otherCPO, f.fleet, true); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("another CPO turns the wallet on: %v", err)
		}
		w, err := f.fs.SetFleetWallet(f.admin, f.fleet, true)
		if err != nil || !w.Enabled || w.Currency != "GBP" || w.Owed != 0 {
			t.Fatalf("wallet on: %+v, %v", w, err)
		}

		cdr := f.charge(t, 10_000) // 10 kWh × 0.45 = 4.50, VAT 0.75
		if cdr.TotalCost.InclVAT != 450 {
			t.Fatalf("cost %+v", cdr.TotalCost)
		}
		must(t, f.money.OnCDR(sys(), cdr)) // settled again: nothing more
		if b, _ := f.ledger.Balance(context.Background(), volt.AccountWallet(f.driverB), "GBP"); b != 0 {
			t.Errorf("driver's wallet account moved by %d", b)
		}
		if b, _ := f.ledger.Balance(context.Background(), volt.AccountFleet(f.fleet), "GBP"); b != 450 {
			t.Errorf("fleet owes %d, want 450", b)
		}
		f.audit(t)
		charges, n, err := f.fs.FindFleetCharges(f.mgr, volt.FleetFilter{FleetID: f.fleet})
		if err != nil || n != 1 || charges[0].Net != 375 || charges[0].VAT != 75 || charges[0].Gross != 450 || charges[0].CDRID != cdr.ID ||
			charges[0].Registration != "AB12 CDE" || charges[0].Month != "2026-03" || charges[0].EnergyWh != 10_000 {
			t.Fatalf("fleet charges: %+v (%d), %v", charges, n, err)
		}
		for name, ctx := range map[string]context.Context{"other fleet": f.vans, "other CPO": otherCPO} {
			if _, _, err := f.fs.FindFleetCharges(ctx, volt.FleetFilter{FleetID: f.fleet}); volt.ErrorCode(err) != volt.ENOTFOUND {
				t.Errorf("%s reads the charges: %v", name, err)
			}
			if _, err := f.fs.FleetInvoice(ctx, f.fleet, "2026-03"); volt.ErrorCode(err) != volt.ENOTFOUND {
				t.Errorf("%s reads the invoice: %v", name, err)
			}
			if err := f.fs.SetDriverLimit(ctx, f.fleet, f.driverB, nil); volt.ErrorCode(err) != volt.ENOTFOUND {
				t.Errorf("%s sets a limit: %v", name, err)
			}
		}

		// The monthly limit: 4.00 is reached (4.50 paid): refused, with why.
		bad := int64(-1)
		if err := f.fs.SetDriverLimit(f.mgr, f.fleet, f.driverB, &bad); volt.ErrorCode(err) != volt.EINVALID || err.(*volt.Error).Field != "monthlyLimit" {
			t.Errorf("negative limit: %v", err)
		}
		if err := f.fs.SetDriverLimit(f.mgr, f.fleet, f.driver, nil); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("limit of a driver outside the fleet: %v", err)
		}
		limit := int64(400)
		must(t, f.fs.SetDriverLimit(f.mgr, f.fleet, f.driverB, &limit))
		auth, err := f.svc.AuthorizeIDTag(sys(), f.cpidA, "CARD-B")
		if err != nil || auth.Status != volt.AuthBlocked || !strings.Contains(auth.Reason, "fleet's monthly limit for this driver is reached (4.50 of 4.00 GBP)") {
			t.Fatalf("at the limit: %+v, %v", auth, err)
		}
		drivers, err := f.fs.FindFleetDrivers(f.mgr, f.fleet, "2026-03")
		if err != nil || len(drivers) != 1 || drivers[0].UserID != f.driverB || drivers[0].Spent != 450 || drivers[0].Sessions != 1 ||
			drivers[0].MonthlyLimit == nil || *drivers[0].MonthlyLimit != 400 {
			t.Fatalf("fleet drivers: %+v, %v", drivers, err)
		}
		// Raised to 10.00: a second session, 2 kWh (0.90).
		limit = 1000
		must(t, f.fs.SetDriverLimit(f.mgr, f.fleet, f.driverB, &limit))
		f.charge(t, 2_000)
		inv, err := f.fs.FleetInvoice(f.mgr, f.fleet, "2026-03")
		if err != nil || len(inv.Lines) != 2 || inv.Gross != 540 || inv.Net != 450 || inv.VAT != 90 || inv.EnergyWh != 12_000 || inv.FleetName != "Sales cars" {
			t.Fatalf("invoice: %+v, %v", inv, err)
		}
		if _, err := f.fs.FleetInvoice(f.mgr, f.fleet, "March"); volt.ErrorCode(err) != volt.EINVALID {
			t.Errorf("bad month: %v", err)
		}
		if w, err := f.fs.FindFleetWallet(f.admin, f.fleet); err != nil || w.Owed != 540 {
			t.Errorf("wallet: %+v, %v", w, err)
		}
		f.audit(t)
		// The credit guard stops a fleet session at the limit (10.00, 5.40
		// paid), not at the driver's empty wallet.
		live := &volt.Session{UserID: f.driverB, CPOID: f.cpoA, PaymentMethod: store.MethodCredit}
		for _, c := range []struct {
			cost, interval int64
			stop           bool
		}{{100, 50, false}, {400, 100, true}, {460, 0, true}} {
			live.LiveCost = &volt.Cost{Currency: "GBP", InclVAT: c.cost}
			if stop, err := f.money.GuardSession(sys(), live, c.interval); err != nil || stop != c.stop {
				t.Errorf("guard at live cost %d, interval %d: stop %v (%v), want %v", c.cost, c.interval, stop, err, c.stop)
			}
		}

		// Wallet off again: the driver's own wallet is asked again.
		_, err = f.fs.SetFleetWallet(f.admin, f.fleet, false)
		must(t, err)
		if auth, err := f.svc.AuthorizeIDTag(sys(), f.cpidA, "CARD-B"); err != nil || auth.Status != volt.AuthBlocked || !strings.Contains(auth.Reason, "insufficient credit") {
			t.Errorf("wallet off again: %+v, %v", auth, err)
		}
		fleets, err := f.fs.FindFleets(f.mgr)
		if err != nil || len(fleets) != 1 || fleets[0].FleetID != f.fleet {
			t.Errorf("manager's fleets: %+v, %v", fleets, err)
		}
		if fleets, err := f.fs.FindFleets(f.admin); err != nil || len(fleets) != 2 {
			t.Errorf("owner admin's fleets: %+v, %v", fleets, err)
		}
		if fleets, err := f.fs.FindFleets(otherCPO); err != nil || len(fleets) != 0 {
			t.Errorf("other CPO's fleets: %+v, %v", fleets, err)
		}
	})
}

// TestFleetVehicleUpdate: the fleet manager edits a vehicle and links it to
// another driver; another fleet's manager finds nothing; it stays in its
// fleet.
func TestFleetVehicleUpdate(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newFleetWalletFixture(t, db)
		f.exec(t, `UPDATE users SET cpo_id = ? WHERE id = ?`, f.cpoA, f.driver)
		v := *f.car
		v.DriverID, v.Registration, v.FleetID = f.driver, "xy99 zzz", f.other
		if err := f.fs.UpdateVehicle(f.vans, &v); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("other fleet's manager edits: %v", err)
		}
		must(t, f.fs.UpdateVehicle(f.mgr, &v))
		got, err := f.fs.FindVehicleByID(f.mgr, f.car.ID)
		if err != nil || got.DriverID != f.driver || got.Registration != "XY99 ZZZ" || got.FleetID != f.fleet {
			t.Fatalf("after edit: %+v, %v", got, err)
		}
		v.BatteryWh = 1
		if err := f.fs.UpdateVehicle(f.mgr, &v); volt.ErrorCode(err) != volt.EINVALID {
			t.Errorf("bad battery: %v", err)
		}
	})
}

// TestFleetEngineerSeesNoFleet: a CPO engineer or host reads no fleet, its
// vehicles, drivers or claims (drivers' personal data); the CPO's admin
// does.
func TestFleetEngineerSeesNoFleet(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newFleetWalletFixture(t, db)
		for _, role := range []volt.Role{volt.RoleEngineer, volt.RoleHost, volt.RoleAdmin} {
			ctx := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "u-" + string(role), Grants: []volt.Grant{{Role: role, CPOID: f.cpoA}}})
			want := 0
			if role == volt.RoleAdmin {
				want = 1
			}
			if _, n, err := f.fs.FindVehicles(ctx, volt.FleetFilter{}); err != nil || n != want {
				t.Errorf("%s sees %d vehicles (%v), want %d", role, n, err, want)
			}
			if fl, err := f.fs.FindFleets(ctx); err != nil || len(fl) != 2*want {
				t.Errorf("%s sees %d fleets (%v), want %d", role, len(fl), err, 2*want)
			}
			_, err := f.fs.FindFleetDrivers(ctx, f.fleet, "2026-03")
			if (err == nil) != (want == 1) || (err != nil && volt.ErrorCode(err) != volt.ENOTFOUND) {
				t.Errorf("%s reads the fleet's drivers: %v", role, err)
			}
			if _, err := f.fs.FindVehicleByID(ctx, f.car.ID); (err == nil) != (want == 1) {
				t.Errorf("%s reads the vehicle: %v", role, err)
			}
		}
	})
}
