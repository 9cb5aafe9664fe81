package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
)

// TestBrowserCompanyCar (issue 19 item 4): a fleet driver logs in, follows
// the account page's link to their company car, sees it with its latest
// telematics reading and their claims, and opens a claim whose sessions
// say which were confirmed by the car, which wait for the fleet manager and
// which were rejected. Another driver's claim is not found. Axe checks each
// page.
func TestBrowserCompanyCar(t *testing.T) {
	s := newStack(t)
	f, ctx := s.f, sysCtx()
	fs := store.NewFleetService(f.db)
	f.app.cfg.Fleets = fs
	fleet := &volt.Usergroup{Name: "Sales cars", Role: volt.RoleFleetManager, CPOID: f.cpo.ID, OwnerID: f.group.OwnerID}
	must(t, f.users.CreateUsergroup(ctx, fleet))
	dana, other := f.driver("dana@example.com"), f.driver("olly@example.com")
	car := &volt.Vehicle{FleetID: fleet.ID, DriverID: dana.ID, Make: "Kia", Model: "EV6", BatteryWh: 77_400, Registration: "DA12 NAA",
		VIN: "KNAE1234567890123", Provider: "sandbox", ProviderVehicleID: "sbx-dana"}
	must(t, fs.CreateVehicle(ctx, car))
	now := time.Now().UTC()
	_, err := fs.RecordTelematics(ctx, "sandbox", "sbx-dana", []volt.TelematicsReading{
		{At: now.Add(-3 * time.Hour), OdometerM: 20_500_000, SoCPermille: 350, Latitude: 51.45, Longitude: -2.59},
		{At: now.Add(-time.Hour), OdometerM: 20_512_000, SoCPermille: 785, Latitude: 51.45, Longitude: -2.59, Charging: true}})
	must(t, err)
	month := now.Format("2006-01")
	for _, c := range []struct{ id, user string }{{"rcl_dana", dana.ID}, {"rcl_olly", other.ID}} {
		_, err := f.db.Exec(context.Background(), `INSERT INTO reimbursement_claims (id, cpo_id, owner_id, fleet_id, user_id, vehicle_id, agreement_id,
			cpid, month, state, rate, currency, paid_wh, amount, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', '0.25', 'GBP', 9000, 225, 0)`,
			c.id, f.cpo.ID, f.group.OwnerID, fleet.ID, c.user, car.ID, "rag_"+c.id, f.charger, month)
		must(t, err)
	}
	for i, st := range []string{volt.ClaimMatched, volt.ClaimFlagged, volt.ClaimRejected} {
		_, err := f.db.Exec(context.Background(), `INSERT INTO reimbursement_claim_sessions (claim_id, cdr_id, started_at, stopped_at, energy_wh, state, reason)
			VALUES ('rcl_dana', ?, ?, ?, 9000, ?, ?)`, fmt.Sprintf("cdr_%d", i), now.Add(time.Duration(i-30)*time.Hour).UnixMilli(),
			now.Add(time.Duration(i-29)*time.Hour).UnixMilli(), st, map[bool]string{true: "The company vehicle was 20.0 km from the home charger during the session."}[i > 0])
		must(t, err)
	}

	b := newBrowser(t)
	spark := fmt.Sprintf(s.base, "charge.spark.test")
	b.Run("login form", chromedp.Navigate(spark+"/app/login?next=/app/account"), chromedp.WaitVisible(chromedp.CSS(`#email`)))
	b.submit("log in", chromedp.SendKeys(chromedp.CSS(`#email`), "dana@example.com"), chromedp.SendKeys(chromedp.CSS(`#password`), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/app/login"] button`)))
	b.submit("company car link", chromedp.Click(chromedp.CSS(`#company-car-link`)))
	if got := b.text("latest reading", "#car-latest"); !strings.Contains(got, "78.5 %") || !strings.Contains(got, "20512 km") || !strings.Contains(got, "charging") {
		t.Errorf("latest reading %q", got)
	}
	page := value(b, "page text", chromedp.Evaluate[string](`document.body.innerText`))
	if !strings.Contains(page, "Kia EV6 · DA12 NAA") || !strings.Contains(page, month+" · Open: being checked · 9.00 kWh") {
		t.Errorf("company car page:\n%s", page)
	}
	b.checkPage("company car")
	b.submit("open claim", chromedp.Click(chromedp.CSS(`#claims a`)))
	states := value(b, "claim sessions", chromedp.Evaluate[string](`[...document.querySelectorAll('#claim-sessions li')].map(l => l.innerText).join('\n')`))
	for _, want := range []string{"Confirmed by your car's data", "Not confirmed: waiting for your fleet manager", "Rejected: not paid", "20.0 km from the home charger"} {
		if !strings.Contains(states, want) {
			t.Errorf("claim sessions lack %q:\n%s", want, states)
		}
	}
	b.checkPage("claim")
	b.submit("another driver's claim", chromedp.Navigate(spark+"/app/claims/rcl_olly"))
	if body := value(b, "body", chromedp.Evaluate[string](`document.body.innerText`)); strings.Contains(body, "Home charging claim") || !strings.Contains(strings.ToLower(body), "not found") {
		t.Errorf("another driver's claim shows:\n%s", body)
	}
}
