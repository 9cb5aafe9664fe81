package web

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/pdfqr"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/web/webtest"
)

// fleetPortal is a portal fixture with two fleets of the owner ("Sales
// cars", managed by mgr@spark.test, and "Vans" with a vehicle of its own)
// and a driver, carla@spark.test.
type fleetPortal struct {
	*fixture
	fs          *store.FleetService
	sales, vans *volt.Usergroup
	carla       *volt.User
	vanVehicle  *volt.Vehicle
}

func newFleetPortal(t *testing.T) *fleetPortal {
	db := storetest.SQLite(t)
	fs := store.NewFleetService(db)
	p := &fleetPortal{fs: fs, fixture: newFixture(t, db, func(c *AdminConfig) { c.Fleets, c.FleetBilling, c.FleetPayments = fs, fs, fs })}
	ctx := sysCtx()
	p.sales = &volt.Usergroup{Name: "Sales cars", Role: volt.RoleFleetManager, CPOID: p.cpo.ID, OwnerID: p.owner.ID}
	must(t, p.users.CreateUsergroup(ctx, p.sales))
	p.vans = &volt.Usergroup{Name: "Vans", Role: volt.RoleFleetManager, CPOID: p.cpo.ID, OwnerID: p.owner.ID}
	must(t, p.users.CreateUsergroup(ctx, p.vans))
	mgr := &volt.User{Email: "mgr@spark.test", Name: "Mina", CPOID: p.cpo.ID}
	must(t, p.users.CreateUser(ctx, mgr, testPassword))
	must(t, p.users.AddMember(ctx, p.sales.ID, mgr.ID))
	p.carla = p.user("carla@spark.test", volt.RoleDriver)
	p.vanVehicle = &volt.Vehicle{FleetID: p.vans.ID, DriverID: p.carla.ID, Make: "Ford", Model: "E-Transit", BatteryWh: 68_000,
		Registration: "VAN 1", VIN: "WF0EXXTTRELA12345"}
	must(t, fs.CreateVehicle(ctx, p.vanVehicle))
	return p
}

// fleetLogin signs in a fleet manager, who lands on the fleet list.
func (b *browser) fleetLogin(email string) {
	b.T.Helper()
	b.Run("open login", b.open("/admin/login"), chromedp.WaitVisible(chromedp.CSS(`#email`)))
	b.Run("sign in as "+email,
		chromedp.SendKeys(chromedp.CSS(`#email`), email),
		chromedp.SendKeys(chromedp.CSS(`#password`), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/admin/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`main table`)))
}

// TestBrowserFleetManager (issue 19 item 1): a fleet manager signs in and
// lands on their fleets (only theirs); adds a vehicle linked to a driver,
// opens it and sees its telematics readings, edits it; sets the driver's
// monthly limit; sees the sessions the fleet paid with net, VAT and gross;
// decides a flagged claim session and approves the claim. Another fleet's
// vehicle is not found. Every page passes axe.
func TestBrowserFleetManager(t *testing.T) {
	webtest.Chromium(t)
	p := newFleetPortal(t)
	ctx := context.Background()
	now := time.Now().UTC()
	month := now.Format("2006-01")

	b := newBrowser(t, p.srv.URL)
	b.fleetLogin("mgr@spark.test")
	list := value(b, "read fleets", chromedp.Text(chromedp.CSS(`main table`)))
	if !strings.Contains(list, "Sales cars") || strings.Contains(list, "Vans") {
		t.Fatalf("the manager's fleet list: %q", list)
	}
	b.checkA11y("fleets")
	b.Run("open fleet", chromedp.Click(chromedp.CSS(`a[href="/admin/fleets/`+p.sales.ID+`"]`)), chromedp.WaitVisible(chromedp.CSS(`#driverEmail`)))
	if n := value(b, "wallet switch", chromedp.Evaluate[int](`document.querySelectorAll('form[action$="/wallet"]').length`)); n != 0 {
		t.Errorf("a fleet manager sees the wallet switch")
	}
	b.Run("add vehicle",
		chromedp.SendKeys(chromedp.CSS(`#driverEmail`), "carla@spark.test"),
		chromedp.SendKeys(chromedp.CSS(`#registration`), "ab12 cde"),
		chromedp.SendKeys(chromedp.CSS(`#vin`), "KNAE1234567890123"),
		chromedp.SendKeys(chromedp.CSS(`#make`), "Kia"),
		chromedp.SendKeys(chromedp.CSS(`#model`), "EV6"),
		chromedp.SendKeys(chromedp.CSS(`#batteryKwh`), "77.4"),
		chromedp.SendKeys(chromedp.CSS(`#telematicsProvider`), "sandbox"),
		chromedp.SendKeys(chromedp.CSS(`#telematicsVehicleId`), "sbx-kia"),
		chromedp.Click(chromedp.CSS(`form[action$="/vehicles"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	vs, n, err := p.fs.FindVehicles(sysCtx(), volt.FleetFilter{FleetID: p.sales.ID})
	if err != nil || n != 1 || vs[0].Registration != "AB12 CDE" || vs[0].BatteryWh != 77_400 || vs[0].DriverID != p.carla.ID {
		t.Fatalf("vehicles after the form: %+v (%d), %v", vs, n, err)
	}
	car := vs[0]
	b.checkA11y("fleet")

	// Readings from the provider show on the vehicle's page, newest first.
	_, err = p.fs.RecordTelematics(sysCtx(), "sandbox", "sbx-kia", []volt.TelematicsReading{
		{At: now.Add(-2 * time.Hour), OdometerM: 12_000_000, SoCPermille: 400, Latitude: 51.45, Longitude: -2.59},
		{At: now.Add(-time.Hour), OdometerM: 12_000_000, SoCPermille: 815, Latitude: 51.45, Longitude: -2.59, Charging: true}})
	must(t, err)
	b.Run("open vehicle", chromedp.Click(chromedp.CSS(`a[href$="/vehicles/`+car.ID+`"]`)), chromedp.WaitVisible(chromedp.CSS(`#registration`)))
	first := value(b, "read readings", chromedp.Text(chromedp.CSS(`main table tbody tr`)))
	if !strings.Contains(first, "81.5 %") || !strings.Contains(first, "12000.0 km") || !strings.Contains(first, "Yes") {
		t.Errorf("newest reading row %q", first)
	}
	if got := value(b, "driver shown", chromedp.Value(chromedp.CSS(`#driverEmail`))); got != "carla@spark.test" {
		t.Errorf("vehicle form's driver %q", got)
	}
	b.checkA11y("vehicle")
	b.Run("edit vehicle", chromedp.SetValue(chromedp.CSS(`#registration`), "XY99 ZZZ"),
		chromedp.Click(chromedp.CSS(`form[action$="/vehicles/`+car.ID+`"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	if v, err := p.fs.FindVehicleByID(sysCtx(), car.ID); err != nil || v.Registration != "XY99 ZZZ" {
		t.Errorf("after edit: %+v, %v", v, err)
	}
	// Another fleet's vehicle, even under this fleet's address: not found.
	b.Run("other fleet's vehicle", b.open("/admin/fleets/"+p.vans.ID+"/vehicles/"+p.vanVehicle.ID), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if body := value(b, "read", chromedp.Text(chromedp.CSS(`main`))); !strings.Contains(body, "Not found") || strings.Contains(body, "VAN 1") {
		t.Errorf("another fleet's vehicle: %q", body)
	}

	// A session the fleet paid, and a claim with a flagged session.
	_, err = p.db.Exec(ctx, `INSERT INTO fleet_charges (cdr_id, fleet_id, cpo_id, owner_id, user_id, vehicle_id, cpid, month, started_at, stopped_at,
		energy_wh, currency, net, vat, gross) VALUES ('cdr_f1', ?, ?, ?, ?, ?, 'CP-HOME', ?, ?, ?, 10000, 'GBP', 375, 75, 450)`,
		p.sales.ID, p.cpo.ID, p.owner.ID, p.carla.ID, car.ID, month, now.Add(-3*time.Hour).UnixMilli(), now.Add(-2*time.Hour).UnixMilli())
	must(t, err)
	_, err = p.db.Exec(ctx, `INSERT INTO reimbursement_claims (id, cpo_id, owner_id, fleet_id, user_id, vehicle_id, agreement_id, cpid, month, state, rate, currency,
		paid_wh, amount, created_at) VALUES ('rcl_1', ?, ?, ?, ?, ?, 'rag_1', 'CP-HOME', ?, 'open', '0.25', 'GBP', 0, 0, 0)`,
		p.cpo.ID, p.owner.ID, p.sales.ID, p.carla.ID, car.ID, month)
	must(t, err)
	for i, st := range []string{volt.ClaimMatched, volt.ClaimFlagged} {
		_, err = p.db.Exec(ctx, `INSERT INTO reimbursement_claim_sessions (claim_id, cdr_id, started_at, stopped_at, energy_wh, state, reason)
			VALUES ('rcl_1', ?, ?, ?, 8000, ?, ?)`, "cdr_h"+string(rune('1'+i)), now.Add(time.Duration(-10+i)*time.Hour).UnixMilli(),
			now.Add(time.Duration(-9+i)*time.Hour).UnixMilli(), st, map[bool]string{true: "The company vehicle was 20.0 km from the home charger during the session."}[i == 1])
		must(t, err)
	}
	b.Run("back to fleet", b.open("/admin/fleets/"+p.sales.ID), chromedp.WaitVisible(chromedp.CSS(`#driverEmail`)))
	body := value(b, "read fleet", chromedp.Text(chromedp.CSS(`main`)))
	for _, want := range []string{"3.75 GBP", "0.75 GBP", "4.50 GBP", "XY99 ZZZ", "carla@spark.test"} {
		if !strings.Contains(body, want) {
			t.Errorf("fleet page lacks %q", want)
		}
	}
	b.Run("set limit", chromedp.SetValue(chromedp.CSS(`#limit-`+p.carla.ID), "50.00"),
		chromedp.Click(chromedp.CSS(`form[action$="/limits"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	ds, err := p.fs.FindFleetDrivers(sysCtx(), p.sales.ID, month)
	if err != nil || len(ds) != 1 || ds[0].MonthlyLimit == nil || *ds[0].MonthlyLimit != 5000 || ds[0].Spent != 450 {
		t.Fatalf("drivers after the limit: %+v, %v", ds, err)
	}

	b.Run("open claim", chromedp.Click(chromedp.CSS(`a[href$="/claims/rcl_1"]`)), chromedp.WaitVisible(chromedp.CSS(`#claim-state`)))
	b.checkA11y("claim")
	b.Run("approve flagged", chromedp.Click(chromedp.CSS(`button[value=approve]`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	b.Run("approve claim", chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`), // approving asks first
		chromedp.Click(chromedp.CSS(`form[action$="/approve"] button`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := p.fs.FindClaimByID(sysCtx(), "rcl_1")
		must(t, err)
		if c.State == volt.ClaimIsApproved {
			if c.PaidWh != 16_000 || c.Amount != 400 || c.Sessions[1].State != volt.ClaimApproved {
				t.Fatalf("approved claim %+v", c)
			}
			break
		}
		if time.Now().After(deadline) {
			b.Screenshot("claim approval")
			t.Fatalf("claim still %s", c.State)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := value(b, "claim state", chromedp.Text(chromedp.CSS(`#claim-state`))); got != "approved" {
		t.Errorf("claim page state %q", got)
	}
}

// TestFleetPagesScope: the owner's admin switches the fleet wallet on (a
// fleet manager cannot); a driver is refused the portal; another CPO's
// admin finds no fleet.
func TestFleetPagesScope(t *testing.T) {
	p := newFleetPortal(t)
	admin := p.client()
	admin.login("admin@spark.test")
	if a := admin.get("/admin/fleets"); a.status != 200 || !strings.Contains(a.body, "Sales cars") || !strings.Contains(a.body, "Vans") {
		t.Fatalf("admin's fleets: %d", a.status)
	}
	if a := admin.post("/admin/fleets/"+p.sales.ID+"/wallet", url.Values{"enabled": {"true"}}); a.status != 303 {
		t.Fatalf("switch wallet: %d %s", a.status, a.body)
	}
	if w, err := p.fs.FindFleetWallet(sysCtx(), p.sales.ID); err != nil || !w.Enabled {
		t.Fatalf("wallet after switch: %+v, %v", w, err)
	}
	mgr := p.client()
	mgr.login("mgr@spark.test")
	if a := mgr.get("/admin/fleets/" + p.sales.ID); a.status != 200 || strings.Contains(a.body, "/wallet") {
		t.Errorf("manager's fleet page: %d, with the wallet switch", a.status)
	}
	mgr.post("/admin/fleets/"+p.sales.ID+"/wallet", url.Values{"enabled": {"false"}})
	if w, _ := p.fs.FindFleetWallet(sysCtx(), p.sales.ID); !w.Enabled {
		t.Errorf("the fleet manager switched the wallet off")
	}
	// The month's invoice from the fleet page, CSV and PDF.
	month := time.Now().UTC().Format("2006-01")
	_, err := p.db.Exec(context.Background(), `INSERT INTO fleet_charges (cdr_id, fleet_id, cpo_id, owner_id, user_id, vehicle_id, cpid, month,
		started_at, stopped_at, energy_wh, currency, net, vat, gross) VALUES ('cdr_f1', ?, ?, ?, ?, ?, 'CP-1', ?, ?, ?, 2500, 'GBP', 94, 19, 113)`,
		p.sales.ID, p.cpo.ID, p.owner.ID, p.carla.ID, p.vanVehicle.ID, month, time.Now().UnixMilli(), time.Now().UnixMilli())
	must(t, err)
	if a := mgr.get("/admin/fleets/" + p.sales.ID + "/invoices/" + month + ".csv"); a.status != 200 || !strings.Contains(a.body, "carla@spark.test,VAN 1,CP-1,cdr_f1") ||
		!strings.Contains(a.body, "2.500,0.94,0.19,1.13,GBP") {
		t.Errorf("invoice CSV: %d %s", a.status, a.body)
	}
	if a := mgr.get("/admin/fleets/" + p.sales.ID + "/invoices/" + month + ".pdf"); a.status != 200 ||
		!strings.Contains(pdfqr.Text(t, []byte(a.body)), "Total: net 0.94 GBP, VAT 0.19 GBP, gross 1.13 GBP") {
		t.Errorf("invoice PDF: %d", a.status)
	}
	if a := mgr.get("/admin/fleets/" + p.vans.ID + "/invoices/" + month + ".csv"); a.status != 404 {
		t.Errorf("manager reads another fleet's invoice: %d", a.status)
	}
	if a := mgr.get("/admin/fleets/" + p.vans.ID); a.status != 404 {
		t.Errorf("manager opens another fleet: %d", a.status)
	}
	if a := mgr.get("/admin/chargers"); a.status != 403 {
		t.Errorf("manager opens chargers: %d", a.status)
	}
	other := &volt.CPO{Name: "Other"}
	must(t, p.hier.CreateCPO(sysCtx(), other))
	u := &volt.User{Email: "admin@other.test", Name: "o", CPOID: other.ID}
	must(t, p.users.CreateUser(sysCtx(), u, testPassword))
	g := &volt.Usergroup{Name: "admins", Role: volt.RoleAdmin, CPOID: other.ID}
	must(t, p.users.CreateUsergroup(sysCtx(), g))
	must(t, p.users.AddMember(sysCtx(), g.ID, u.ID))
	oc := p.client()
	oc.login("admin@other.test")
	if a := oc.get("/admin/fleets/" + p.sales.ID); a.status != 404 {
		t.Errorf("other CPO's admin opens the fleet: %d", a.status)
	}
	if a := oc.get("/admin/fleets"); strings.Contains(a.body, "Sales cars") {
		t.Errorf("other CPO's admin lists the fleet")
	}
}
