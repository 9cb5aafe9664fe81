package ocpi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/ocpischema"
	"github.com/volt-ev/volt/ocpi"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func sys() context.Context { return volt.NewContextWithActor(context.Background(), volt.SystemActor) }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// volt1 is one Volt instance with its own database, serving OCPI over
// real HTTP, every exchange validated against the OCPI documents.
type volt1 struct {
	db        *store.DB
	store     *store.OCPIService
	hierarchy *store.HierarchyService
	chargers  *store.ChargerService
	tariffs   *store.TariffService
	charging  *store.ChargingService
	srv       *ocpi.Server
	http      *httptest.Server
	down      atomic.Bool // answer 503 to everything (a partner down)
	patches   sync.Map    // last path segment (an EVSE uid) → *atomic.Int64: PATCHes received, down or not
	exchanges int
	cpo       string
	admin     context.Context
	driver    string // a driver of the CPO (eMSP side)
	cmd       *fakeCharger
	owner     string // benchmarks: the owner of the sites being made
}

// fakeCharger answers every OCPP command Accepted and records it.
type fakeCharger struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeCharger) Call(_ context.Context, cpid, action string, req any) (json.RawMessage, error) {
	b, _ := json.Marshal(req)
	f.mu.Lock()
	f.calls = append(f.calls, cpid+" "+action+" "+string(b))
	f.mu.Unlock()
	return json.RawMessage(`{"status":"Accepted"}`), nil
}

func (f *fakeCharger) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// remoteStart is B's driver starting on A's charger from B's side: B sends
// START_SESSION, A answers at once, sends RemoteStartTransaction to the
// charger and posts the charger's outcome to B's response_url.
func remoteStart(t *testing.T, A, B *volt1, pA *volt.OCPIPartner, siteA, cpid string, tok ocpi.Token) {
	t.Helper()
	resp, err := B.srv.StartSession(sys(), pA.ID, siteA, cpid+"-1", tok)
	must(t, err)
	if resp.Result != "ACCEPTED" {
		t.Fatalf("START_SESSION answer %+v", resp)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		results, err := B.store.FindPartnerObjects(sys(), pA.ID, "commands")
		must(t, err)
		if len(results) == 1 {
			if !strings.Contains(string(results[0]), `"result":"ACCEPTED"`) {
				t.Errorf("command result %s", results[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no command result at B after 10 s")
		}
		time.Sleep(10 * time.Millisecond) // polling for the asynchronous result, not a timed assertion
	}
	if calls := A.cmd.Calls(); len(calls) != 1 || calls[0] != cpid+` RemoteStartTransaction {"connectorId":1,"idTag":"04B0B0B0"}` {
		t.Errorf("charger calls %v", calls)
	}
	// An unknown session to stop.
	cur, err := B.store.FindOCPIPartnerSystem(sys(), pA.ID)
	must(t, err)
	st, _, env := call(t, "POST", A.http.URL+"/ocpi/cpo/2.2.1/commands/STOP_SESSION", cur.TheirToken,
		map[string]any{"response_url": B.http.URL + "/ocpi/emsp/2.2.1/commands/STOP_SESSION/x", "session_id": "ses_nope"})
	if st != 200 || env["data"].(map[string]any)["result"] != "UNKNOWN_SESSION" {
		t.Errorf("STOP_SESSION of an unknown session: %d %v", st, env)
	}
}

// newVolt builds one instance; a nil spec serves without validation
// (benchmarks).
func newVolt(t testing.TB, db *store.DB, spec *ocpischema.Spec, name, cc, pid string) *volt1 {
	t.Helper()
	v := &volt1{db: db, store: store.NewOCPIService(db), hierarchy: store.NewHierarchyService(db), chargers: store.NewChargerService(db),
		tariffs: store.NewTariffService(db), charging: store.NewChargingService(db)}
	v.charging.Pricer = store.NewPricer(db)
	v.cmd = &fakeCharger{}
	v.srv = &ocpi.Server{Store: v.store, Partners: v.store, Hierarchy: v.hierarchy, Chargers: v.chargers, Tariffs: v.tariffs,
		Charging: v.charging, Commander: v.cmd, Relaxations: []string{ocpi.RelaxRawToken}}
	mux := http.NewServeMux()
	mux.Handle("/ocpi/", v.srv.Handler())
	mux.Handle("GET /api/v1/open-data/locations", &ocpi.OpenData{Server: v.srv})
	var validated http.Handler = mux
	if spec != nil {
		validated = spec.Handler(t, mux, &v.exchanges)
	}
	v.http = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch {
			n, _ := v.patches.LoadOrStore(path.Base(r.URL.Path), new(atomic.Int64))
			n.(*atomic.Int64).Add(1)
		}
		if v.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		validated.ServeHTTP(w, r)
	}))
	t.Cleanup(v.http.Close)
	v.srv.BaseURL = v.http.URL
	cpo := &volt.CPO{Name: name}
	must(t, v.hierarchy.CreateCPO(sys(), cpo))
	v.cpo = cpo.ID
	v.admin = volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_admin", Grants: []volt.Grant{{Role: volt.RoleAdmin, CPOID: cpo.ID}}})
	must(t, v.store.SetOCPIParty(v.admin, &volt.OCPIParty{CPOID: cpo.ID, CountryCode: cc, PartyID: pid}))
	return v
}

// site adds a site with a charger group (private or not) holding n
// chargers of two connectors (the first typed, the second not yet), and
// a Public tariff on the group; it returns the CPIDs.
func (v *volt1) site(t *testing.T, cpoID, name string, private bool, n int) (siteID string, cpids []string) {
	t.Helper()
	own := &volt.Owner{CPOID: cpoID, Name: "Owner " + name}
	must(t, v.hierarchy.CreateOwner(sys(), own))
	s := &volt.Site{OwnerID: own.ID, Name: name, Latitude: 51.501, Longitude: -0.1419,
		Address: volt.Address{Line1: "1 " + name + " Road", City: "London", Postcode: "SW1A 1AA", Country: "GB"}, Amenities: []string{"Cafe", "WiFi", "Piano"}}
	must(t, v.hierarchy.CreateSite(sys(), s))
	g := &volt.ChargerGroup{SiteID: s.ID, Name: "Group " + name, Private: private}
	must(t, v.hierarchy.CreateChargerGroup(sys(), g))
	tr := &volt.Tariff{CPOID: cpoID, Name: "Public " + name, Currency: "GBP", VATRate: volt.MustDecimal("0.20"),
		EnergyPricePerKWh: volt.MustDecimal("0.456"), SessionFee: volt.MustDecimal("0.50")}
	must(t, v.tariffs.CreateTariff(sys(), tr))
	must(t, v.tariffs.CreateTariffAssignment(sys(), &volt.TariffAssignment{TariffID: tr.ID, UsergroupID: volt.PublicUsergroupID, ChargerGroupID: g.ID}))
	ccs := volt.ConnectorCCS2
	for i := 0; i < n; i++ {
		cred, err := v.chargers.CreateCharger(sys(), &volt.Charger{ChargerGroupID: g.ID, Name: name}, 2)
		must(t, err)
		p, a, vv := 50000, 125, 400
		_, err = v.chargers.UpdateConnector(sys(), cred.CPID, 1, volt.ConnectorUpdate{Type: &ccs, MaxPowerW: &p, MaxCurrentA: &a, MaxVoltageV: &vv})
		must(t, err)
		must(t, v.charging.RecordConnection(sys(), cred.CPID, true, "ocpp1.6", time.Now()))
		must(t, v.charging.RecordStatus(sys(), volt.StatusReport{CPID: cred.CPID, ConnectorID: 1, Status: volt.StatusAvailable, ErrorCode: "NoError", At: time.Now()}))
		cpids = append(cpids, cred.CPID)
	}
	return s.ID, cpids
}

// call sends an OCPI request as a partner would.
func call(t testing.TB, method, url, token string, body any, hdr ...string) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			rd = strings.NewReader(b)
		default:
			raw, _ := json.Marshal(b)
			rd = bytes.NewReader(raw)
		}
	}
	req, err := http.NewRequest(method, url, rd)
	must(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Token "+base64.StdEncoding.EncodeToString([]byte(token)))
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env map[string]any
	_ = json.Unmarshal(raw, &env)
	return resp.StatusCode, resp.Header, env
}

func code(env map[string]any) int { f, _ := env["status_code"].(float64); return int(f) }

// TestRoamingBetweenTwoVolts runs two Volt instances with separate
// databases roaming over real HTTP (issue 14, Done when): the credentials
// handshake both ways, A's chargers in B's pulled locations, a B token
// pushed to A through the push queue and accepted by A's OCPP
// authorisation, a CDR pushed from A to B through a partner outage and
// stored once, and the faults (tokens, Token A, routing, malformed JSON,
// another CPO's location). Every request and answer is validated against
// the OCPI 2.2.1 documents.
func TestRoamingBetweenTwoVolts(t *testing.T) {
	spec := ocpischema.Load(t)
	engines := storetest.Engines(t)
	for _, eng := range engines {
		t.Run(eng.Name, func(t *testing.T) { roaming(t, spec, eng.Open(t), eng.Open(t)) })
	}
}

func roaming(t *testing.T, spec *ocpischema.Spec, dbA, dbB *store.DB) {
	A := newVolt(t, dbA, spec, "A Power", "GB", "AAA")
	B := newVolt(t, dbB, spec, "B Drive", "GB", "BBB")
	siteA, cpidsA := A.site(t, A.cpo, "Mayfair", false, 2)
	A.site(t, A.cpo, "Depot", true, 1) // private: never published
	// Another CPO on A's platform: its partner never sees it.
	other := &volt.CPO{Name: "C Other"}
	must(t, A.hierarchy.CreateCPO(sys(), other))
	must(t, A.store.SetOCPIParty(sys(), &volt.OCPIParty{CPOID: other.ID, CountryCode: "GB", PartyID: "CCC"}))
	siteC, _ := A.site(t, other.ID, "Elsewhere", false, 1)

	// A adds B as an eMSP; B adds A as a CPO and registers with A's Token A.
	pB := &volt.OCPIPartner{CPOID: A.cpo, Name: "B Drive", CountryCode: "GB", PartyID: "BBB", Role: volt.OCPIRoleEMSP}
	tokenA, err := A.store.CreateOCPIPartner(A.admin, pB)
	must(t, err)
	pA := &volt.OCPIPartner{CPOID: B.cpo, Name: "A Power", CountryCode: "GB", PartyID: "AAA", Role: volt.OCPIRoleCPO,
		RoamingMarginPercent: volt.MustDecimal("10")}
	// B's driver with the card that roams on A.
	users := store.NewUserService(dbB)
	driver := &volt.User{Email: "driver@b.example", Name: "B Driver", CPOID: B.cpo}
	must(t, users.CreateUser(sys(), driver, ""))
	must(t, users.CreateRFIDCard(sys(), &volt.RFIDCard{UID: "04B0B0B0", UserID: driver.ID}))
	B.driver = driver.ID
	_, err = B.store.CreateOCPIPartner(B.admin, pA)
	must(t, err)

	// Token A is good for versions only until the handshake, never for modules.
	if st, _, env := call(t, "GET", A.http.URL+"/ocpi/versions", tokenA, nil); st != 200 || code(env) != 1000 {
		t.Fatalf("versions with Token A: %d %v", st, env)
	}
	if st, _, _ := call(t, "GET", A.http.URL+"/ocpi/cpo/2.2.1/locations", tokenA, nil); st != 401 {
		t.Errorf("locations with Token A: %d, want 401", st)
	}
	if st, _, _ := call(t, "GET", A.http.URL+"/ocpi/versions", "", nil); st != 401 {
		t.Errorf("versions without a token: %d, want 401", st)
	}
	if st, _, _ := call(t, "GET", A.http.URL+"/ocpi/versions", "not-a-token", nil); st != 401 {
		t.Errorf("versions with an unknown token: %d, want 401", st)
	}

	got, err := B.srv.RegisterWithPartner(B.admin, pA.ID, A.http.URL+"/ocpi/versions", tokenA)
	must(t, err)
	if got.Status != volt.OCPIConnected || got.Endpoint("locations", "SENDER") == "" {
		t.Fatalf("B's view of A after the handshake: %+v", got)
	}
	aOfB, err := A.store.FindOCPIPartnerByID(A.admin, pB.ID)
	must(t, err)
	if aOfB.Status != volt.OCPIConnected || aOfB.Endpoint("cdrs", "RECEIVER") == "" {
		t.Fatalf("A's view of B after the handshake: %+v", aOfB)
	}
	if st, _, _ := call(t, "GET", A.http.URL+"/ocpi/versions", tokenA, nil); st != 401 {
		t.Errorf("Token A after the handshake: %d, want 401", st)
	}
	tokC := got.TheirToken // B's token for calling A
	// A second POST is refused: registered partners update with PUT.
	if st, _, _ := call(t, "POST", A.http.URL+"/ocpi/2.2.1/credentials", tokC, map[string]any{"token": "x", "url": "http://x", "roles": []any{}}); st != 405 {
		t.Errorf("second POST credentials: %d, want 405", st)
	}

	// The unencoded token is accepted under the named relaxation.
	req, _ := http.NewRequest("GET", A.http.URL+"/ocpi/2.2.1", nil)
	req.Header.Set("Authorization", "Token "+tokC)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("raw token under %s: %v %v", ocpi.RelaxRawToken, resp, err)
	}

	// Routing headers naming another party, malformed JSON.
	if st, _, env := call(t, "GET", A.http.URL+"/ocpi/cpo/2.2.1/locations", tokC, nil, "OCPI-to-country-code", "GB", "OCPI-to-party-id", "CCC"); st != 400 || code(env) != 2001 {
		t.Errorf("routing to another party: %d %v", st, env)
	}
	if st, _, env := call(t, "PUT", A.http.URL+"/ocpi/cpo/2.2.1/tokens/GB/BBB/X1", tokC, `{"uid":`); st != 400 || code(env) != 2001 {
		t.Errorf("malformed JSON: %d %v", st, env)
	}

	// Locations: A's public site only, paged; C's site is unknown to B.
	n, err := B.srv.PullLocations(sys(), pA.ID)
	must(t, err)
	locs, err := B.srv.PartnerLocations(sys(), pA.ID)
	must(t, err)
	if n != 1 || len(locs) != 1 || locs[0].ID != siteA || len(locs[0].EVSEs) != 2 {
		t.Fatalf("B pulled %d locations: %+v", n, locs)
	}
	ev := locs[0].EVSEs[0]
	if ev.EVSEID != "GB*AAA*E"+cpidsA[0]+"*1" || ev.Status != "AVAILABLE" || ev.Connectors[0].Standard != "IEC_62196_T2_COMBO" ||
		ev.Connectors[0].MaxAmperage != 125 || ev.Connectors[0].PowerType != "DC" {
		t.Errorf("EVSE %+v", ev)
	}
	if f := locs[0].Facilities; len(f) != 2 || f[0] != "CAFE" || f[1] != "WIFI" {
		t.Errorf("facilities %v", f)
	}
	if st, _, env := call(t, "GET", A.http.URL+"/ocpi/cpo/2.2.1/locations/"+siteC, tokC, nil); st != 404 || code(env) != 2003 {
		t.Errorf("another CPO's location: %d %v", st, env)
	}
	if st, _, env := call(t, "GET", A.http.URL+"/ocpi/cpo/2.2.1/locations/"+siteA+"/"+cpidsA[1]+"-1/1", tokC, nil); st != 200 || code(env) != 1000 {
		t.Errorf("one connector: %d %v", st, env)
	}
	if st, _, env := call(t, "GET", A.http.URL+"/ocpi/cpo/2.2.1/tariffs", tokC, nil); st != 200 || len(env["data"].([]any)) != 1 {
		t.Errorf("tariffs: %d %v", st, env)
	}

	// B pushes its driver's token to A through its queue; A's OCPP
	// authorisation accepts it on the public charger, not on the private.
	tok := ocpi.Token{CountryCode: "GB", PartyID: "BBB", UID: "04B0B0B0", Type: "RFID", ContractID: "GB-BBB-C12345678",
		Issuer: "B Drive", Valid: true, Whitelist: "ALLOWED", LastUpdated: ocpi.DateTime(time.Now())}
	must(t, B.srv.Enqueue(sys(), pA.ID, "tokens", tok.UID, http.MethodPut, "/GB/BBB/"+tok.UID+"?type=RFID", tok))
	if done, err := B.srv.DeliverDue(sys(), 10); err != nil || done != 1 {
		t.Fatalf("token push: %d delivered, %v", done, err)
	}
	res, err := A.charging.AuthorizeIDTag(sys(), cpidsA[0], "04b0b0b0")
	must(t, err)
	if res.Status != volt.AuthAccepted || res.UserID != "" {
		t.Errorf("roaming token on A's public charger: %+v", res)
	}
	tokenSync(t, A, B, pA, cpidsA[0])
	remoteStart(t, A, B, pA, siteA, cpidsA[0], tok)
	roamingSession(t, A, B, pA, pB, cpidsA[0])

	tok.Valid = false
	if st, _, env := call(t, "PUT", A.http.URL+"/ocpi/cpo/2.2.1/tokens/GB/BBB/04B0B0B0?type=RFID", tokC, tok); st != 200 || code(env) != 1000 {
		t.Fatalf("token update: %d %v", st, env)
	}
	if res, _ := A.charging.AuthorizeIDTag(sys(), cpidsA[0], "04B0B0B0"); res.Status != volt.AuthBlocked {
		t.Errorf("invalidated roaming token: %+v", res)
	}
	// A token for another party's URL is refused, never re-homed.
	tok.CountryCode, tok.PartyID = "GB", "CCC"
	if st, _, env := call(t, "PUT", A.http.URL+"/ocpi/cpo/2.2.1/tokens/GB/CCC/04B0B0B0", tokC, tok); st != 400 || code(env) != 2001 {
		t.Errorf("token of another party: %d %v", st, env)
	}

	// A CDR from A to B: B is down, the push waits with back-off and is
	// delivered once B is back; a repeat is stored once.
	cdr := map[string]any{"country_code": "GB", "party_id": "AAA", "id": "cdr_1", "start_date_time": "2026-01-01T10:00:00Z",
		"end_date_time": "2026-01-01T11:00:00Z", "cdr_token": map[string]any{"country_code": "GB", "party_id": "BBB", "uid": "04B0B0B0", "type": "RFID", "contract_id": "GB-BBB-C12345678"},
		"auth_method": "WHITELIST", "cdr_location": map[string]any{"id": siteA, "address": "1 Mayfair Road", "city": "London", "country": "GBR",
			"coordinates": map[string]any{"latitude": "51.501000", "longitude": "-0.141900"}, "evse_uid": cpidsA[0] + "-1", "evse_id": "GB*AAA*E" + cpidsA[0] + "*1",
			"connector_id": "1", "connector_standard": "IEC_62196_T2_COMBO", "connector_format": "CABLE", "connector_power_type": "DC"},
		"currency": "GBP", "charging_periods": []any{map[string]any{"start_date_time": "2026-01-01T10:00:00Z", "dimensions": []any{map[string]any{"type": "ENERGY", "volume": 10}}}},
		"total_cost": map[string]any{"excl_vat": 4.0, "incl_vat": 4.8}, "total_energy": 10, "total_time": 1, "last_updated": "2026-01-01T11:00:00Z"}
	now := time.Now()
	A.srv.Now = func() time.Time { return now }
	must(t, A.srv.Enqueue(sys(), pB.ID, "cdrs", "cdr_1", http.MethodPost, "", cdr))
	B.down.Store(true)
	if done, err := A.srv.DeliverDue(sys(), 10); err != nil || done != 0 {
		t.Fatalf("CDR to a partner down: %d delivered, %v", done, err)
	}
	B.down.Store(false)
	if due, _ := A.store.DueOCPIPushes(sys(), now, 10); len(due) != 0 {
		t.Errorf("a failed push is due again at once: %+v", due)
	}
	// A restart: a new server over the same database finds the push.
	restarted := &ocpi.Server{Store: A.store, Partners: A.store, Hierarchy: A.hierarchy, Chargers: A.chargers, Tariffs: A.tariffs,
		BaseURL: A.srv.BaseURL, Now: func() time.Time { return now.Add(time.Minute) }}
	if done, err := restarted.DeliverDue(sys(), 10); err != nil || done != 1 {
		t.Fatalf("CDR after the back-off: %d delivered, %v", done, err)
	}
	must(t, A.srv.Enqueue(sys(), pB.ID, "cdrs", "cdr_1", http.MethodPost, "", cdr))
	if done, _ := restarted.DeliverDue(sys(), 10); done != 1 {
		t.Errorf("a repeated CDR is not accepted")
	}
	cdrs, err := B.store.FindPartnerObjects(sys(), pA.ID, "cdrs")
	must(t, err)
	if len(cdrs) != 2 { // the roaming session's and cdr_1, each once
		t.Errorf("B holds %d CDRs, want exactly 2", len(cdrs))
	}
	// cdr_1 (4.80 incl. VAT + 10 %) billed once, though it came twice.
	if w, err := store.NewMoneyService(B.db, sandbox.New("test")).FindWallet(sys(), B.driver, "GBP"); err != nil || w.Balance != -(557+528) {
		t.Errorf("B's driver's wallet after a repeated CDR: %+v %v, want -1085", w, err)
	}

	// Rotation from B's side: the old token works until the new one is used.
	rot, err := B.srv.RotateCredentials(B.admin, pA.ID)
	must(t, err)
	if rot.TheirToken == tokC {
		t.Fatal("rotation kept the same token")
	}
	if st, _, _ := call(t, "GET", A.http.URL+"/ocpi/cpo/2.2.1/tariffs", rot.TheirToken, nil); st != 200 {
		t.Errorf("new token after rotation: %d", st)
	}
	// Unregister: every token of the pair is void.
	if st, _, _ := call(t, "DELETE", A.http.URL+"/ocpi/2.2.1/credentials", rot.TheirToken, nil); st != 200 {
		t.Errorf("unregister: %d", st)
	}
	if st, _, _ := call(t, "GET", A.http.URL+"/ocpi/cpo/2.2.1/tariffs", rot.TheirToken, nil); st != 401 {
		t.Errorf("token after unregister: %d, want 401", st)
	}
	if A.exchanges < 15 || B.exchanges < 3 {
		t.Errorf("validated %d exchanges at A and %d at B: the validator is not in the path", A.exchanges, B.exchanges)
	}
}

// roamingSession charges B's driver on A's charger as the gateway would
// record it, and follows the CDR: A queues it once (a second sweep queues
// nothing), delivers it to B, and counts it as B's third-party income in
// A's income report.
func roamingSession(t *testing.T, A, B *volt1, pA, pB *volt.OCPIPartner, cpid string) {
	t.Helper()
	start := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	res, err := A.charging.StartTransaction(sys(), volt.StartRequest{CPID: cpid, ConnectorID: 1, IDTag: "04B0B0B0", MeterStart: 1000, At: start, ReceivedAt: start})
	must(t, err)
	if res.Auth.Status != volt.AuthAccepted {
		t.Fatalf("roaming start: %+v", res.Auth)
	}
	// B follows it: A pushes the session at start, progress throttled.
	syncSessions := func(want int) {
		t.Helper()
		n, err := A.srv.SyncRoamingSessions(sys())
		must(t, err)
		if n != want {
			t.Fatalf("session sync queued %d, want %d", n, want)
		}
		if done, err := A.srv.DeliverDue(sys(), 10); err != nil || done != want {
			t.Fatalf("session delivery: %d, %v", done, err)
		}
	}
	syncSessions(1)
	txID := res.TransactionID
	_, err = A.charging.RecordMeterValues(sys(), volt.MeterReport{CPID: cpid, ConnectorID: 1, TransactionID: &txID,
		Samples: []volt.MeterSample{{Timestamp: start.Add(10 * time.Minute), Unit: "Wh", Value: "5000"}}})
	must(t, err)
	syncSessions(0) // progress within the minute: throttled
	sessionAt := func() string {
		objs, err := B.store.FindPartnerObjects(sys(), pA.ID, "sessions")
		must(t, err)
		if len(objs) != 1 {
			t.Fatalf("B holds %d sessions", len(objs))
		}
		var o struct{ Status string }
		must(t, json.Unmarshal(objs[0], &o))
		return o.Status
	}
	if st := sessionAt(); st != "ACTIVE" {
		t.Errorf("B's view of the session: %s", st)
	}

	// B stops it: A answers at once and sends RemoteStopTransaction.
	cur, err := B.store.FindOCPIPartnerSystem(sys(), pA.ID)
	must(t, err)
	st, _, env := call(t, "POST", A.http.URL+"/ocpi/cpo/2.2.1/commands/STOP_SESSION", cur.TheirToken,
		map[string]any{"response_url": B.http.URL + "/ocpi/emsp/2.2.1/commands/STOP_SESSION/stop1", "session_id": res.Session.ID})
	if st != 200 || env["data"].(map[string]any)["result"] != "ACCEPTED" {
		t.Errorf("STOP_SESSION: %d %v", st, env)
	}
	want := fmt.Sprintf(`%s RemoteStopTransaction {"transactionId":%d}`, cpid, res.TransactionID)
	// Wait for the outcome to reach B, so no delivery round of A's runs
	// beside the ones below.
	stopped := func() bool {
		results, err := B.store.FindPartnerObjects(sys(), pA.ID, "commands")
		must(t, err)
		return len(results) == 2 && slices.Contains(A.cmd.Calls(), want)
	}
	for deadline := time.Now().Add(10 * time.Second); !stopped(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s in %v, or no result at B", want, A.cmd.Calls())
		}
	}
	stop, err := A.charging.StopTransaction(sys(), volt.StopRequest{CPID: cpid, TransactionID: res.TransactionID, MeterStop: 11000,
		At: start.Add(30 * time.Minute), Reason: "Local"})
	must(t, err)
	if stop.CDR == nil || stop.CDR.TotalCost == nil || stop.CDR.TotalCost.InclVAT != 506 {
		t.Fatalf("roaming CDR %+v", stop.CDR) // 10 kWh at 0.456 + 0.50 session fee
	}
	syncSessions(1) // the end, at once
	if st := sessionAt(); st != "COMPLETED" {
		t.Errorf("B's view of the ended session: %s", st)
	}
	for i := 0; i < 2; i++ {
		n, err := A.srv.SyncRoamingCDRs(sys())
		must(t, err)
		if want := 1 - i; n != want {
			t.Errorf("sweep %d queued %d roaming CDRs, want %d", i, n, want)
		}
	}
	if done, err := A.srv.DeliverDue(sys(), 10); err != nil || done != 1 {
		t.Fatalf("roaming CDR delivery: %d, %v", done, err)
	}
	cdrs, err := B.store.FindPartnerObjects(sys(), pA.ID, "cdrs")
	must(t, err)
	if len(cdrs) != 1 || !strings.Contains(string(cdrs[0]), `"id":"`+stop.CDR.ID+`"`) || !strings.Contains(string(cdrs[0]), `"incl_vat":5.06`) {
		t.Fatalf("B received %s", cdrs)
	}
	// The CDR is also pullable by B, as it was sent.
	if st, h, env := call(t, "GET", A.http.URL+"/ocpi/cpo/2.2.1/cdrs?limit=5", cur.TheirToken, nil); st != 200 ||
		len(env["data"].([]any)) != 1 || h.Get("X-Total-Count") != "1" {
		t.Errorf("CDRs pull: %d %v %v", st, h, env)
	}
	// B bills its driver the CDR's cost plus its 10 % margin on A, once
	// (the repeat of a CDR further down changes nothing).
	w, err := store.NewMoneyService(B.db, sandbox.New("test")).FindWallet(sys(), B.driver, "GBP")
	must(t, err)
	if w.Balance != -(506 + 51) {
		t.Errorf("B's driver's wallet after the roaming CDR: %d, want -557", w.Balance)
	}
	rep, err := store.NewReportService(A.db).IncomeReport(A.admin, volt.IncomeFilter{CPOID: A.cpo, From: start.Add(-time.Hour), To: start.Add(2 * time.Hour)})
	must(t, err)
	if rep.ThirdPartyIncome != 506 || len(rep.ThirdPartyByPartner) != 1 || rep.ThirdPartyByPartner[0].PartnerName != "B Drive" ||
		rep.ThirdPartyByPartner[0].Income != 506 || rep.ThirdPartyByPartner[0].PartnerID != pB.ID {
		t.Errorf("A's income report: third party %d, by partner %+v", rep.ThirdPartyIncome, rep.ThirdPartyByPartner)
	}
}

// tokenSync: B pushes its drivers' cards to A on its own (a new card, then
// blocked, then deleted), each change once; A's OCPP authorisation follows.
func tokenSync(t *testing.T, A, B *volt1, pA *volt.OCPIPartner, cpid string) {
	t.Helper()
	users := store.NewUserService(B.db)
	card := &volt.RFIDCard{UID: "04C0C0C0", UserID: B.driver}
	must(t, users.CreateRFIDCard(sys(), card))
	sync := func(want int) { t.Helper(); B.syncTokens(t, want) }
	sync(2) // both of the driver's cards (the one pushed by hand too: never sent by the sync)
	sync(0)
	if res, _ := A.charging.AuthorizeIDTag(sys(), cpid, "04C0C0C0"); res.Status != volt.AuthAccepted {
		t.Errorf("synced card at A: %+v", res)
	}
	// Issue 19: the driver gets a company car of a fleet: the cards are
	// sent again, carrying the fleet as group_id.
	own := &volt.Owner{CPOID: B.cpo, Name: "Fleet owner"}
	must(t, B.hierarchy.CreateOwner(sys(), own))
	fleet := "ugr_fleet" + own.ID
	ctx := context.Background()
	_, err := B.db.Exec(ctx, `INSERT INTO usergroups (id, name, role, cpo_id, owner_id, created_at, updated_at) VALUES (?, 'Fleet', 'fleet_manager', ?, ?, 0, 0)`, fleet, B.cpo, own.ID)
	must(t, err)
	_, err = B.db.Exec(ctx, `INSERT INTO vehicles (id, cpo_id, owner_id, fleet_id, driver_id, make, model, battery_wh, registration, vin, created_at)
		VALUES ('veh_fleet', ?, ?, ?, ?, 'Kia', 'EV6', 60000, 'AB12 CDE', 'KNAE1234567890123', 0)`, B.cpo, own.ID, fleet, B.driver)
	must(t, err)
	sync(2)
	var data string
	must(t, A.db.QueryRow(ctx, `SELECT data FROM ocpi_tokens WHERE uid = '04C0C0C0'`).Scan(&data))
	if !strings.Contains(data, `"group_id":"`+fleet+`"`) {
		t.Errorf("fleet driver's token at A: %s", data)
	}
	card.Blocked = true
	must(t, users.UpdateRFIDCard(sys(), card))
	sync(1)
	if res, _ := A.charging.AuthorizeIDTag(sys(), cpid, "04C0C0C0"); res.Status != volt.AuthBlocked {
		t.Errorf("blocked card at A: %+v", res)
	}
	must(t, users.DeleteRFIDCard(sys(), card.ID))
	sync(0) // deleted after blocked: still not valid, nothing new to say
}

// roamingPair is the set-up several two-Volt tests share: A, a CPO with a
// site of one charger (cpids), and B, an eMSP registered with A through
// the credentials handshake. pB is B as A's partner, pA is A as B's, and
// reg is pA after the handshake (with the token B uses at A).
type roamingPair struct {
	A, B        *volt1
	pA, pB, reg *volt.OCPIPartner
	cpids       []string
}

func newRoamingPair(t *testing.T, spec *ocpischema.Spec, dbA, dbB *store.DB) *roamingPair {
	t.Helper()
	r := &roamingPair{A: newVolt(t, dbA, spec, "A Power", "GB", "AAA"), B: newVolt(t, dbB, spec, "B Drive", "GB", "BBB")}
	_, r.cpids = r.A.site(t, r.A.cpo, "Mayfair", false, 1)
	r.pB = &volt.OCPIPartner{CPOID: r.A.cpo, Name: "B Drive", CountryCode: "GB", PartyID: "BBB", Role: volt.OCPIRoleEMSP}
	tokenA, err := r.A.store.CreateOCPIPartner(r.A.admin, r.pB)
	must(t, err)
	r.pA = &volt.OCPIPartner{CPOID: r.B.cpo, Name: "A Power", CountryCode: "GB", PartyID: "AAA", Role: volt.OCPIRoleCPO}
	_, err = r.B.store.CreateOCPIPartner(r.B.admin, r.pA)
	must(t, err)
	r.reg, err = r.B.srv.RegisterWithPartner(r.B.admin, r.pA.ID, r.A.http.URL+"/ocpi/versions", tokenA)
	must(t, err)
	return r
}

// syncTokens runs v's token sync, which must queue want pushes, and
// delivers them.
func (v *volt1) syncTokens(t *testing.T, want int) {
	t.Helper()
	n, err := v.srv.SyncTokens(sys())
	must(t, err)
	if n != want {
		t.Fatalf("token sync queued %d, want %d", n, want)
	}
	if _, err := v.srv.DeliverDue(sys(), 10); err != nil {
		t.Fatal(err)
	}
}
