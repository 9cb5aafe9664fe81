package store_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/telematics"
)

// carAPI is a vehicle-data API of one car whose state the test sets.
type carAPI struct {
	mu    sync.Mutex
	down  bool
	soc   float64
	token string
}

func (c *carAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.down {
		http.Error(w, "down", http.StatusBadGateway)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+c.token || !strings.HasPrefix(r.URL.Path, "/vehicles/car-9") {
		http.Error(w, "no", http.StatusUnauthorized)
		return
	}
	v := map[string]any{"/vehicles/car-9": map[string]any{"id": "car-9"}, "/vehicles/car-9/odometer": map[string]any{"distance": 20_000.0},
		"/vehicles/car-9/battery": map[string]any{"percentRemaining": c.soc}, "/vehicles/car-9/location": map[string]any{"latitude": homeLat, "longitude": homeLon},
		"/vehicles/car-9/charge": map[string]any{"isPluggedIn": true, "state": "CHARGING"}}[r.URL.Path]
	_ = json.NewEncoder(w).Encode(v)
}

// TestHTTPTelematicsClaim (issue 19): a company car behind a vehicle-data
// API, its token in the database (the platform only), is polled at the
// start and the end of a home session: the claim matches it from the
// stored polls. With the provider down, the next session waits and says
// so in the claim, as it does without the driver's consent; once both are
// back, the session is checked.
func TestHTTPTelematicsClaim(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newMoneyFixture(t, db)
		ctx := context.Background()
		var owner, site string
		must(t, db.QueryRow(ctx, `SELECT owner_id, site_id FROM chargers WHERE cpid = ?`, f.cpidA).Scan(&owner, &site))
		f.exec(t, `UPDATE sites SET latitude = ?, longitude = ? WHERE id = ?`, homeLat, homeLon, site)
		fleet := "ugr_fleet" + owner
		f.exec(t, `INSERT INTO usergroups (id, name, role, cpo_id, owner_id, created_at, updated_at) VALUES (?, 'Fleet', 'fleet_manager', ?, ?, 0, 0)`, fleet, f.cpoA, owner)

		api := &carAPI{soc: 0.30, token: "tok-9"}
		srv := httptest.NewServer(api)
		defer srv.Close()
		tokens := store.NewTelematicsTokens(db)
		now := f.now
		prov := &telematics.HTTP{ProviderName: "acme", BaseURL: srv.URL, Tokens: tokens, Client: srv.Client(), Now: func() time.Time { return now }}
		fs := store.NewFleetService(db, prov)
		poller := &telematics.Poller{Provider: prov, Fleet: fs}
		car := &volt.Vehicle{FleetID: fleet, DriverID: f.driverB, Make: "Kia", Model: "EV6", BatteryWh: 60_000, Registration: "AB12 CDE",
			VIN: "KNAE1234567890123", Provider: "acme", ProviderVehicleID: "car-9"}
		must(t, fs.CreateVehicle(sys(), car))
		must(t, store.NewReimbursementService(db).CreateReimbursementAgreement(sys(), &volt.ReimbursementAgreement{
			OwnerID: owner, UserID: f.driverB, CPID: f.cpidA, Rate: volt.MustDecimal("0.25")}))

		drv := volt.NewContextWithActor(ctx, &volt.Actor{UserID: f.driverB})
		if err := tokens.SaveTelematicsToken(drv, "acme", "car-9", &volt.TelematicsToken{AccessToken: "x"}); volt.ErrorCode(err) != volt.EFORBIDDEN {
			t.Errorf("a driver stores a token: %v", err)
		}
		if _, err := poller.PollOnce(ctx); err == nil {
			t.Errorf("poll before the car is authorised: no error")
		}
		must(t, tokens.SaveTelematicsToken(sys(), "acme", "car-9", &volt.TelematicsToken{AccessToken: "tok-9", Expiry: f.now.Add(48 * time.Hour)}))

		// Polled at the start (30 %) and the end (45 %: 9 kWh gained) of a
		// 10 kWh session.
		t0 := f.now
		s1 := f.start(t, f.cpidA, 1, "CARD-B", 1000, t0)
		if n, err := poller.PollOnce(ctx); err != nil || n != 1 {
			t.Fatalf("poll at the start: %d, %v", n, err)
		}
		now = t0.Add(time.Hour)
		api.mu.Lock()
		api.soc = 0.45
		api.mu.Unlock()
		if n, err := poller.PollOnce(ctx); err != nil || n != 1 {
			t.Fatalf("poll at the end: %d, %v", n, err)
		}
		f.stop(t, f.cpidA, s1.TransactionID, 11_000, t0.Add(time.Hour))

		// The provider is down when the claim is built: the session waits.
		api.mu.Lock()
		api.down = true
		api.mu.Unlock()
		if _, err := poller.PollOnce(ctx); err == nil || !poller.Status()["car-9"].Waiting {
			t.Errorf("poll while down: %v, status %+v", err, poller.Status())
		}
		if _, err := fs.BuildClaims(sys(), t0); err != nil {
			t.Fatal(err)
		}
		claims, _, err := fs.FindClaims(drv, volt.FleetFilter{})
		must(t, err)
		if len(claims) != 1 {
			t.Fatalf("claims %v", claims)
		}
		c, err := fs.FindClaimByID(drv, claims[0].ID)
		must(t, err)
		if len(c.Sessions) != 1 || c.Sessions[0].State != volt.ClaimPending || !strings.Contains(c.Sessions[0].Reason, "did not answer") {
			t.Fatalf("claim while the provider is down: %+v", c.Sessions)
		}
		// Back up, but the driver withdrew the consent: it waits for that.
		api.mu.Lock()
		api.down = false
		api.mu.Unlock()
		f.exec(t, `DELETE FROM telematics_tokens WHERE provider_vehicle_id = 'car-9'`)
		if _, err := fs.BuildClaims(sys(), t0); err != nil {
			t.Fatal(err)
		}
		c, err = fs.FindClaimByID(drv, c.ID)
		must(t, err)
		if s := c.Sessions[0]; s.State != volt.ClaimPending || !strings.Contains(s.Reason, "not authorised") {
			t.Errorf("claim without the driver's consent: %+v", s)
		}
		must(t, tokens.SaveTelematicsToken(sys(), "acme", "car-9", &volt.TelematicsToken{AccessToken: "tok-9"}))
		if _, err := fs.BuildClaims(sys(), t0); err != nil {
			t.Fatal(err)
		}
		c, err = fs.FindClaimByID(drv, c.ID)
		must(t, err)
		if s := c.Sessions[0]; s.State != volt.ClaimMatched || s.GainedWh != 9_000 || c.Amount != 250 {
			t.Errorf("claim once the provider answers: %+v %+v", c, s)
		}
	})
}
