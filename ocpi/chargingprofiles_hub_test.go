package ocpi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/ocpischema"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestChargingProfilesThroughHub: a charging profile a hub routes from
// the party behind it (NL*EMX) for that party's driver's session is kept
// with the party; its result, the ActiveChargingProfile pushed once the
// charger took it (no load management) and the one the loop's later
// limit pushes all name NL*EMX in OCPI-to, not the hub. A profile the
// hub sets as itself names the hub. Every exchange is validated against
// the OCPI documents.
func TestChargingProfilesThroughHub(t *testing.T) {
	spec := ocpischema.Load(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) { profilesThroughHub(t, spec, eng.Open(t), eng.Open(t)) })
	}
}

func profilesThroughHub(t *testing.T, spec *ocpischema.Spec, dbA, dbH *store.DB) {
	A := newVolt(t, dbA, spec, "A Power", "GB", "AAA")
	H := newVolt(t, dbH, spec, "Hub", "GB", "HUB")
	_, cpids := A.site(t, A.cpo, "Mayfair", false, 2)
	_, _, tokH := connect(t, A, H, "GB", "HUB")
	A.srv.CommandTimeout = 3 * time.Second
	base := A.http.URL + "/ocpi/cpo/2.2.1/"
	if st, _, env := call(t, "PUT", base+"hubclientinfo/NL/EMX", tokH, map[string]any{"country_code": "NL", "party_id": "EMX", "role": "EMSP",
		"status": "CONNECTED", "last_updated": ocpiNow()}); st != 200 || code(env) != 1000 {
		t.Fatalf("ClientInfo: %d %v", st, env)
	}
	routed := []string{"OCPI-from-country-code", "NL", "OCPI-from-party-id", "EMX", "OCPI-to-country-code", "GB", "OCPI-to-party-id", "AAA"}
	tok := func(cc, pid, uid string) map[string]any {
		return map[string]any{"country_code": cc, "party_id": pid, "uid": uid, "type": "RFID", "contract_id": cc + "-" + pid + "-C1",
			"issuer": pid, "valid": true, "whitelist": "ALLOWED", "last_updated": ocpiNow()}
	}
	if st, _, env := call(t, "PUT", base+"tokens/NL/EMX/04E0E0E0?type=RFID", tokH, tok("NL", "EMX", "04E0E0E0"), routed...); st != 200 || code(env) != 1000 {
		t.Fatalf("routed token: %d %v", st, env)
	}
	if st, _, env := call(t, "PUT", base+"tokens/GB/HUB/04A0A0A0?type=RFID", tokH, tok("GB", "HUB", "04A0A0A0")); st != 200 || code(env) != 1000 {
		t.Fatalf("the hub's own token: %d %v", st, env)
	}
	startOn := func(cpid, uid string) *volt.Session {
		t.Helper()
		at := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
		res, err := A.charging.StartTransaction(sys(), volt.StartRequest{CPID: cpid, ConnectorID: 1, IDTag: uid, MeterStart: 0, At: at, ReceivedAt: at})
		must(t, err)
		if res.Session == nil {
			t.Fatalf("no session for %s: %+v", uid, res.Auth)
		}
		return res.Session
	}
	sess, own := startOn(cpids[0], "04E0E0E0"), startOn(cpids[1], "04A0A0A0")

	rec := &toRecorder{hubURL: H.http.URL}
	A.srv.Client = &http.Client{Transport: rec, Timeout: 10 * time.Second}
	profile := map[string]any{"charging_rate_unit": "A", "charging_profile_period": []any{map[string]any{"start_period": 0, "limit": 16}}}
	// waitFor waits for requests to the hub with method and path; it
	// returns the parties they were addressed to.
	waitFor := func(method, path string, n int) []string {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) { // the asynchronous result and pushes
			_, _ = A.srv.DeliverDue(sys(), 10)
			if got := rec.to(method, path); len(got) >= n || time.Now().After(deadline) {
				return got
			}
		}
	}
	resultPath := "/ocpi/emsp/2.2.1/chargingprofiles/result/"
	if st, _, env := call(t, "PUT", base+"chargingprofiles/"+sess.ID, tokH, map[string]any{"charging_profile": profile,
		"response_url": H.http.URL + resultPath + "r1"}, routed...); st != 200 || env["data"].(map[string]any)["result"] != "ACCEPTED" {
		t.Fatalf("routed SetChargingProfile: %d %v", st, env)
	}
	if got := waitFor("POST", resultPath+"r1", 1); len(got) != 1 || got[0] != "NL*EMX" {
		t.Errorf("the routed profile's result addressed to %v, want NL*EMX", got)
	}
	activePath := "/ocpi/emsp/2.2.1/chargingprofiles/" + sess.ID
	if got := waitFor("PUT", activePath, 1); len(got) != 1 || got[0] != "NL*EMX" {
		t.Errorf("the routed profile's ActiveChargingProfile addressed to %v, want NL*EMX", got)
	}
	if p, err := A.store.FindSessionProfile(sys(), sess.ID); err != nil || p.Party != "NL*EMX" || p.PartnerID == "" {
		t.Errorf("the routed profile kept as %+v, %v", p, err)
	}
	// A later limit (the loop's) is addressed to the party too.
	A.srv.LimitApplied(sys(), sess.ID, 10)
	if got := waitFor("PUT", activePath, 2); len(got) != 2 || got[1] != "NL*EMX" {
		t.Errorf("the loop's ActiveChargingProfile addressed to %v, want NL*EMX twice", got)
	}
	// The hub's own driver's session: the hub itself.
	if st, _, env := call(t, "PUT", base+"chargingprofiles/"+own.ID, tokH, map[string]any{"charging_profile": profile,
		"response_url": H.http.URL + resultPath + "r2"}); st != 200 || env["data"].(map[string]any)["result"] != "ACCEPTED" {
		t.Fatalf("the hub's own SetChargingProfile: %d %v", st, env)
	}
	if got := waitFor("PUT", "/ocpi/emsp/2.2.1/chargingprofiles/"+own.ID, 1); len(got) != 1 || got[0] != "GB*HUB" {
		t.Errorf("the hub's own ActiveChargingProfile addressed to %v, want GB*HUB", got)
	}
	if got, err := A.store.FindSessionProfile(sys(), own.ID); err != nil || got.Party != "GB*HUB" {
		t.Errorf("the hub's own profile kept as %+v, %v", got, err)
	}
	if A.exchanges < 6 {
		t.Errorf("%d validated exchanges: the validator is not in the path", A.exchanges)
	}
}
