package app

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// fakeRoaming holds partner locations per CPO and records who asked.
type fakeRoaming struct {
	byCPO map[string][]volt.RoamingLocation
}

func (f fakeRoaming) FindRoamingLocations(_ context.Context, cpoID string) ([]volt.RoamingLocation, error) {
	if cpoID == "" { // the platform's own host: every CPO's partners
		var all []volt.RoamingLocation
		for _, l := range f.byCPO {
			all = append(all, l...)
		}
		return all, nil
	}
	return f.byCPO[cpoID], nil
}

// TestFindListsPartnerNetworks: the find page lists the partner networks'
// chargers of the host's CPO (issue 14) below Volt's own, with the
// partner's name, availability and the margin on its price; another
// CPO's partners never show.
func TestFindListsPartnerNetworks(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		roam := fakeRoaming{byCPO: map[string][]volt.RoamingLocation{}}
		f := newFixture(t, db, func(c *Config) { c.Roaming = roam })
		roam.byCPO[f.cpo.ID] = []volt.RoamingLocation{{PartnerName: "A Power", ID: "sit_a", Name: "Mayfair Hub", Address: "1 Mayfair Road",
			City: "London", EVSEs: 2, Available: 1, MarginPercent: volt.MustDecimal("10")}}
		roam.byCPO["cpo_other"] = []volt.RoamingLocation{{PartnerName: "Elsewhere Energy", ID: "sit_x", Name: "Hidden", EVSEs: 1}}
		c := f.client()
		c.host = "charge.spark.test" // the CPO's whitelabel
		res := c.get("/app/")
		if res.status != http.StatusOK {
			t.Fatalf("GET /app/: %d", res.status)
		}
		for _, want := range []string{"Partner networks", "Mayfair Hub", "A Power · 1 Mayfair Road, London", "1 of 2 available", "A Power's price + 10 %"} {
			if !strings.Contains(res.body, want) {
				t.Errorf("find page lacks %q", want)
			}
		}
		if strings.Contains(res.body, "Elsewhere Energy") {
			t.Error("another CPO's partner shows")
		}
	})
}

// fakeRoamingCharging is a partner network with one location of two EVSEs;
// it records the driver of each call and answers what the actor may see.
type fakeRoamingCharging struct {
	starts map[string]*volt.RoamingStart
	stops  []string
}

func (f *fakeRoamingCharging) FindRoamingLocation(_ context.Context, partnerID, locationID string) (*volt.RoamingLocation, []volt.RoamingEVSE, error) {
	if partnerID != "ocp_a" || locationID != "sit_a" {
		return nil, nil, volt.Errorf(volt.ENOTFOUND, "Partner location %q not found.", locationID)
	}
	return &volt.RoamingLocation{PartnerID: "ocp_a", PartnerName: "A Power", ID: "sit_a", Name: "Mayfair Hub", Address: "1 Mayfair Road", City: "London",
			MarginPercent: volt.MustDecimal("10"), Price: &volt.RoamingPrice{Currency: "GBP", PerKWh: volt.MustDecimal("0.55"), PerSession: volt.MustDecimal("1.1")}},
		[]volt.RoamingEVSE{{UID: "000001-1", EVSEID: "GB*AAA*E000001*1", Status: "AVAILABLE", Connectors: []string{"IEC_62196_T2_COMBO"}},
			{UID: "000002-1", Status: "CHARGING"}}, nil
}

func (f *fakeRoamingCharging) StartRoaming(ctx context.Context, partnerID, locationID, evseUID string) (*volt.RoamingStart, error) {
	a := volt.ActorFromContext(ctx)
	st := &volt.RoamingStart{ID: "rst_" + evseUID, UserID: a.UserID, PartnerID: partnerID, LocationID: locationID, EVSEUID: evseUID}
	f.starts[st.ID] = st
	return st, nil
}

func (f *fakeRoamingCharging) FindRoamingCharge(ctx context.Context, id string) (*volt.RoamingChargeView, error) {
	st, ok := f.starts[id]
	if !ok || st.UserID != volt.ActorFromContext(ctx).UserID {
		return nil, volt.Errorf(volt.ENOTFOUND, "Charge %q not found.", id)
	}
	return &volt.RoamingChargeView{Start: *st, PartnerName: "A Power", LocationName: "Mayfair Hub", StartResult: "ACCEPTED",
		SessionID: "ses_1", Status: "ACTIVE", EnergyWh: 3250, Currency: "GBP", CostInclVAT: "2.40", ChargeLimit: "11 A"}, nil
}

func (f *fakeRoamingCharging) StopRoaming(ctx context.Context, id string) error {
	if _, err := f.FindRoamingCharge(ctx, id); err != nil {
		return err
	}
	f.stops = append(f.stops, id)
	return nil
}

// TestRoamingChargePages: a partner location shows its EVSEs and the
// partner's price with the margin; a visitor is sent to log in; a driver
// starts on the free EVSE, follows the charge and stops it; another
// driver's charge is not found; an unknown location is 404.
func TestRoamingChargePages(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		fake := &fakeRoamingCharging{starts: map[string]*volt.RoamingStart{}}
		f := newFixture(t, db, func(c *Config) { c.RoamingCharging = fake })
		f.driver("bea@b.test")
		f.driver("otto@b.test")
		c := f.client()
		res := c.get("/app/roam/ocp_a/sit_a")
		for _, want := range []string{"Mayfair Hub", "GB*AAA*E000001*1", "£0.55/kWh · £1.10 per session incl. VAT and 10 % roaming margin", "Log in"} {
			if !strings.Contains(res.body, want) {
				t.Errorf("location page for a visitor lacks %q", want)
			}
		}
		if res := c.get("/app/roam/ocp_a/nope"); res.status != http.StatusNotFound {
			t.Errorf("unknown location: %d", res.status)
		}
		c.login("bea@b.test")
		res = c.get("/app/roam/ocp_a/sit_a")
		if !strings.Contains(res.body, `name="evse" value="000001-1">`) || !strings.Contains(res.body, `value="000002-1" disabled>`) {
			t.Errorf("the driver's start form: free EVSE enabled, busy one disabled: %.2000s", res.body)
		}
		if res := c.post("/app/roam/ocp_a/sit_a", "/app/roam/ocp_a/sit_a/start", url.Values{}); res.status != http.StatusBadRequest || !strings.Contains(res.body, "evse") {
			t.Errorf("start without an EVSE: %d", res.status)
		}
		res = c.post("/app/roam/ocp_a/sit_a", "/app/roam/ocp_a/sit_a/start", url.Values{"evse": {"000001-1"}})
		if res.status != http.StatusSeeOther || res.loc != "/app/roam/charge/rst_000001-1" {
			t.Fatalf("start: %d → %q", res.status, res.loc)
		}
		res = c.get(res.loc)
		for _, want := range []string{`data-status="ACTIVE"`, "3.25 kWh", "2.40 GBP", `data-poll="2000"`, `id="stop"`, `<dd id="charge-limit">11 A</dd>`} {
			if !strings.Contains(res.body, want) {
				t.Errorf("charge page lacks %q", want)
			}
		}
		if res := c.post("/app/roam/charge/rst_000001-1", "/app/roam/charge/rst_000001-1/stop", nil); res.status != http.StatusSeeOther || len(fake.stops) != 1 {
			t.Errorf("stop: %d, stops %v", res.status, fake.stops)
		}
		other := f.client()
		other.login("otto@b.test")
		if res := other.get("/app/roam/charge/rst_000001-1"); res.status != http.StatusNotFound {
			t.Errorf("another driver's charge: %d", res.status)
		}
		if res := f.client().get("/app/roam/charge/rst_000001-1"); res.status != http.StatusSeeOther || !strings.Contains(res.loc, "/app/login") {
			t.Errorf("a visitor's charge page: %d %q", res.status, res.loc)
		}
	})
}
