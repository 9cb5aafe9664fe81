package ocpi_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/ocpischema"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestRoamingTariffPerPartner: the operator gives eMSP B a roaming tariff
// and leaves C on the Public one. Each sees its own price in Locations and
// Tariffs; a session of B's token is priced by B's tariff and one of C's
// by the Public tariff, the live cost equal to the CDR, to the penny, and
// the CDR each partner is sent carries that total. Every exchange is
// validated against the OCPI documents.
func TestRoamingTariffPerPartner(t *testing.T) {
	spec := ocpischema.Load(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) { roamingTariff(t, spec, eng.Open(t), eng.Open(t)) })
	}
}

func roamingTariff(t *testing.T, spec *ocpischema.Spec, dbA, dbB *store.DB) {
	A := newVolt(t, dbA, spec, "A Power", "GB", "AAA")
	B := newVolt(t, dbB, spec, "B Drive", "GB", "BBB")
	C := newVolt(t, dbB, spec, "C Drive", "GB", "CCC")
	site, cpids := A.site(t, A.cpo, "Mayfair", false, 2) // Public: 0.456/kWh + 0.50 a session, incl. 20 % VAT
	pB, _, tokB := connect(t, A, B, "GB", "BBB")
	pC, _, tokC := connect(t, A, C, "GB", "CCC")
	roam := &volt.Tariff{CPOID: A.cpo, Name: "Roaming B", Currency: "GBP", VATRate: volt.MustDecimal("0.20"),
		EnergyPricePerKWh: volt.MustDecimal("0.30"), SessionFee: volt.MustDecimal("0.12")}
	must(t, A.tariffs.CreateTariff(sys(), roam))
	if _, err := A.store.UpdateOCPIPartner(A.admin, pB.ID, volt.OCPIPartnerUpdate{TariffID: &roam.ID}); err != nil {
		t.Fatal(err)
	}

	// What each partner is shown.
	tariffIDs := func(token string) []any {
		st, _, env := call(t, "GET", A.http.URL+"/ocpi/cpo/2.2.1/locations/"+site+"/"+cpids[0]+"-1/1", token, nil)
		if st != 200 {
			t.Fatalf("connector: %d %v", st, env)
		}
		ids, _ := env["data"].(map[string]any)["tariff_ids"].([]any)
		return ids
	}
	if ids := tariffIDs(tokB); len(ids) != 1 || ids[0] != roam.ID {
		t.Errorf("B's connector tariffs %v, want [%s]", ids, roam.ID)
	}
	if ids := tariffIDs(tokC); len(ids) != 1 || ids[0] == roam.ID {
		t.Errorf("C's connector tariffs %v: not B's", ids)
	}
	shown := func(token string) (string, float64) {
		st, _, env := call(t, "GET", A.http.URL+"/ocpi/cpo/2.2.1/tariffs", token, nil)
		data, _ := env["data"].([]any)
		if st != 200 || len(data) != 1 {
			t.Fatalf("tariffs: %d %v", st, env)
		}
		tr := data[0].(map[string]any)
		pc := tr["elements"].([]any)[0].(map[string]any)["price_components"].([]any)[0].(map[string]any)
		return tr["id"].(string), pc["price"].(float64)
	}
	if id, price := shown(tokB); id != roam.ID || price != 0.25 { // 0.30 incl. 20 % VAT
		t.Errorf("B's tariff %s at %v, want %s at 0.25", id, price, roam.ID)
	}
	if id, price := shown(tokC); id == roam.ID || price != 0.38 {
		t.Errorf("C's tariff %s at %v, want the Public one at 0.38", id, price)
	}

	// One session for each partner's token, 10 kWh.
	for _, x := range []struct{ token, pid, uid string }{{tokB, "BBB", "04B0B0B0"}, {tokC, "CCC", "04C0C0C0"}} {
		tok := map[string]any{"country_code": "GB", "party_id": x.pid, "uid": x.uid, "type": "RFID", "contract_id": "GB-" + x.pid + "-C1",
			"issuer": x.pid, "valid": true, "whitelist": "ALLOWED", "last_updated": ocpiNow()}
		if st, _, env := call(t, "PUT", A.http.URL+"/ocpi/cpo/2.2.1/tokens/GB/"+x.pid+"/"+x.uid+"?type=RFID", x.token, tok); st != 200 {
			t.Fatalf("token of %s: %d %v", x.pid, st, env)
		}
	}
	start := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	charge := func(cpid, uid string) (live, cdr *volt.Cost) {
		t.Helper()
		res, err := A.charging.StartTransaction(sys(), volt.StartRequest{CPID: cpid, ConnectorID: 1, IDTag: uid, MeterStart: 1000, At: start, ReceivedAt: start})
		must(t, err)
		if res.Auth.Status != volt.AuthAccepted {
			t.Fatalf("start with %s: %+v", uid, res.Auth)
		}
		tx := res.TransactionID
		_, err = A.charging.RecordMeterValues(sys(), volt.MeterReport{CPID: cpid, ConnectorID: 1, TransactionID: &tx,
			Samples: []volt.MeterSample{{Timestamp: start.Add(29 * time.Minute), Unit: "Wh", Value: "11000"}}})
		must(t, err)
		s, err := A.charging.FindSessionByID(sys(), res.Session.ID)
		must(t, err)
		stop, err := A.charging.StopTransaction(sys(), volt.StopRequest{CPID: cpid, TransactionID: tx, MeterStop: 11000,
			At: start.Add(30 * time.Minute), Reason: "Local"})
		must(t, err)
		if stop.CDR == nil || stop.CDR.TotalCost == nil || s.LiveCost == nil {
			t.Fatalf("session of %s: live %+v, CDR %+v", uid, s.LiveCost, stop.CDR)
		}
		return s.LiveCost, stop.CDR.TotalCost
	}
	for _, x := range []struct {
		cpid, uid string
		want      int64
	}{
		{cpids[0], "04B0B0B0", 312}, // B: 10 kWh at 0.30 + 0.12
		{cpids[1], "04C0C0C0", 506}, // C: 10 kWh at 0.456 + 0.50, the Public tariff
	} {
		live, cdr := charge(x.cpid, x.uid)
		if cdr.InclVAT != x.want || live.InclVAT != cdr.InclVAT || live.ExclVAT != cdr.ExclVAT {
			t.Errorf("%s: CDR %d (excl. %d), live %d (excl. %d); want %d", x.uid, cdr.InclVAT, cdr.ExclVAT, live.InclVAT, live.ExclVAT, x.want)
		}
	}

	// The CDRs go to their partners with those totals.
	if n, err := A.srv.SyncRoamingCDRs(sys()); err != nil || n != 2 {
		t.Fatalf("queued %d roaming CDRs, %v", n, err)
	}
	due, err := A.store.DueOCPIPushes(sys(), time.Now().Add(time.Hour), 100)
	must(t, err)
	totals := map[string]float64{}
	for _, p := range due {
		if p.Module != "cdrs" {
			continue
		}
		var cdr struct {
			TotalCost struct {
				InclVAT float64 `json:"incl_vat"`
			} `json:"total_cost"`
		}
		must(t, json.Unmarshal(p.Body, &cdr))
		spec.Schema(t, "CDR", p.Body)
		totals[p.PartnerID] = cdr.TotalCost.InclVAT
	}
	if totals[pB.ID] != 3.12 || totals[pC.ID] != 5.06 {
		t.Errorf("CDR totals sent: B %v, C %v; want 3.12 and 5.06", totals[pB.ID], totals[pC.ID])
	}

	// A group with no Public tariff: B's token charges there at B's roaming
	// tariff; C's, with nothing to price it, is refused.
	own := &volt.Owner{CPOID: A.cpo, Name: "Owner Bare"}
	must(t, A.hierarchy.CreateOwner(sys(), own))
	bare := &volt.Site{OwnerID: own.ID, Name: "Bare", Latitude: 51.5, Longitude: -0.14,
		Address: volt.Address{Line1: "2 Bare Road", City: "London", Postcode: "SW1A 1AA", Country: "GB"}}
	must(t, A.hierarchy.CreateSite(sys(), bare))
	g := &volt.ChargerGroup{SiteID: bare.ID, Name: "Group Bare"}
	must(t, A.hierarchy.CreateChargerGroup(sys(), g))
	cred, err := A.chargers.CreateCharger(sys(), &volt.Charger{ChargerGroupID: g.ID, Name: "Bare"}, 2)
	must(t, err)
	must(t, A.charging.RecordConnection(sys(), cred.CPID, true, "ocpp1.6", time.Now()))
	for conn, x := range []struct {
		uid  string
		want volt.AuthStatus
	}{{"04B0B0B0", volt.AuthAccepted}, {"04C0C0C0", volt.AuthBlocked}} {
		res, err := A.charging.StartTransaction(sys(), volt.StartRequest{CPID: cred.CPID, ConnectorID: conn + 1, IDTag: x.uid, MeterStart: 0,
			At: time.Now(), ReceivedAt: time.Now()})
		must(t, err)
		if res.Auth.Status != x.want {
			t.Errorf("%s on a group without a Public tariff: %+v, want %s", x.uid, res.Auth, x.want)
		}
	}
}

func ocpiNow() string { return time.Now().UTC().Format("2006-01-02T15:04:05Z") }
