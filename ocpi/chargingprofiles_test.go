package ocpi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/internal/ocpischema"
	"github.com/volt-ev/volt/lms"
	"github.com/volt-ev/volt/ocpi"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// profileCharger is a charger's smart charging as seen over OCPP 1.6: it
// keeps the transaction profile it last accepted per charger (Volt's
// load management's or an eMSP's) and answers GetCompositeSchedule with
// its first limit, or its maximum (32 A) without one; each action's
// status may be scripted.
type profileCharger struct {
	mu     sync.Mutex
	calls  []string
	limit  map[string]float64 // by CPID
	answer map[string]string  // by action: the status (default Accepted)
}

func (f *profileCharger) Call(_ context.Context, cpid, action string, req any) (json.RawMessage, error) {
	b, _ := json.Marshal(req)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, cpid+" "+action+" "+string(b))
	status := f.answer[action]
	if status == "" {
		status = "Accepted"
	}
	switch action {
	case "SetChargingProfile":
		var r struct {
			CsChargingProfiles struct {
				ChargingSchedule struct {
					ChargingSchedulePeriod []struct{ Limit float64 }
				}
			}
		}
		_ = json.Unmarshal(b, &r)
		if status == "Accepted" {
			f.limit[cpid] = r.CsChargingProfiles.ChargingSchedule.ChargingSchedulePeriod[0].Limit
		}
	case "ClearChargingProfile":
		if status == "Accepted" {
			delete(f.limit, cpid)
		}
	case "GetCompositeSchedule":
		l, ok := f.limit[cpid]
		if !ok {
			l = 32
		}
		return json.RawMessage(fmt.Sprintf(`{"status":"%s","connectorId":1,"scheduleStart":"2026-01-01T10:00:00Z",
			"chargingSchedule":{"duration":900,"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":%g,"numberPhases":3}]}}`, status, l)), nil
	}
	return json.RawMessage(`{"status":"` + status + `"}`), nil
}

func (f *profileCharger) set(action, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answer[action] = status
}

// last returns the last call of action ("" when none).
func (f *profileCharger) last(action string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.calls) - 1; i >= 0; i-- {
		if strings.Contains(f.calls[i], " "+action+" ") {
			return f.calls[i]
		}
	}
	return ""
}

func (f *profileCharger) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// TestChargingProfiles: the OCPI ChargingProfiles module, both roles, over
// real HTTP between two Volts, every exchange validated against the OCPI
// documents. B (eMSP) sets, reads and clears the profile of its driver's
// session on A's chargers: on a site without load management the
// profile goes to the charger as a transaction profile and the charger's
// answer reaches B's response_url; on a load-managed site the loop caps
// the session with it and the site's limit still wins; the charger's
// composite schedule is the ActiveChargingProfile. An unknown session,
// another eMSP's session and another CPO's session are UNKNOWN_SESSION
// and nothing is sent or stored; bad input is 2001. A pushes an
// ActiveChargingProfile to B, which keeps it.
func TestChargingProfiles(t *testing.T) {
	spec := ocpischema.Load(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) { chargingProfiles(t, spec, eng.Open(t), eng.Open(t)) })
	}
}

func chargingProfiles(t *testing.T, spec *ocpischema.Spec, dbA, dbB *store.DB) {
	A := newVolt(t, dbA, spec, "A Power", "GB", "AAA")
	Z := newVolt(t, dbA, spec, "Z Power", "GB", "ZZZ") // another CPO of the same Volt
	B := newVolt(t, dbB, spec, "B Drive", "GB", "BBB")
	C := newVolt(t, dbB, spec, "C Drive", "GB", "CCC") // another eMSP of A
	charger := &profileCharger{limit: map[string]float64{}, answer: map[string]string{}}
	sites := store.NewLoadManagementService(dbA)
	A.srv.Commander, A.srv.Sites, A.srv.CommandTimeout = charger, sites, 3*time.Second
	siteA, plain := A.site(t, A.cpo, "Mayfair", false, 1)
	managedSite, managed := A.site(t, A.cpo, "Depot", false, 1)
	_, zs := Z.site(t, Z.cpo, "Zed", false, 1)
	_ = siteA
	pBofA, pA, tokB := connect(t, A, B, "GB", "BBB")
	_, _, tokC := connect(t, A, C, "GB", "CCC")
	if pA.Endpoint("chargingprofiles", "RECEIVER") != A.http.URL+"/ocpi/cpo/2.2.1/chargingprofiles" {
		t.Fatalf("A advertises chargingprofiles at %q", pA.Endpoint("chargingprofiles", "RECEIVER"))
	}
	ofB, err := A.store.FindOCPIPartnerSystem(sys(), pBofA.ID)
	must(t, err)
	if ofB.Endpoint("chargingprofiles", "SENDER") != B.http.URL+"/ocpi/emsp/2.2.1/chargingprofiles" {
		t.Fatalf("B advertises chargingprofiles at %q", ofB.Endpoint("chargingprofiles", "SENDER"))
	}
	must(t, sites.SetLoadManagement(A.admin, &volt.LoadManagement{SiteID: managedSite, Mode: volt.LoadModeStatic, SupplyLimitA: 32, Phases: 3, FallbackLimitA: 32}))

	// B's driver's token at A, and a session on each site with it; one on
	// Z's charger.
	token := ocpi.Token{CountryCode: "GB", PartyID: "BBB", UID: "04B0B0B0", Type: "RFID", ContractID: "GB-BBB-C12345678",
		Issuer: "B Drive", Valid: true, Whitelist: "ALLOWED", LastUpdated: "2026-01-01T00:00:00Z"}
	if st, _, env := call(t, "PUT", A.http.URL+"/ocpi/cpo/2.2.1/tokens/GB/BBB/04B0B0B0?type=RFID", tokB, token); st != 200 || code(env) != 1000 {
		t.Fatalf("token push: %d %v", st, env)
	}
	start := func(cs *store.ChargingService, cpid string) *volt.Session {
		t.Helper()
		at := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
		res, err := cs.StartTransaction(sys(), volt.StartRequest{CPID: cpid, ConnectorID: 1, IDTag: "04B0B0B0", MeterStart: 0, At: at, ReceivedAt: at})
		must(t, err)
		if res.Session == nil {
			t.Fatalf("no session on %s: %+v", cpid, res.Auth)
		}
		return res.Session
	}
	sPlain, sManaged, sZ := start(A.charging, plain[0]), start(A.charging, managed[0]), start(Z.charging, zs[0])

	profile := func(unit string, limits ...float64) ocpi.ChargingProfile {
		cp := ocpi.ChargingProfile{ChargingRateUnit: unit}
		for i, l := range limits {
			cp.ChargingProfilePeriod = append(cp.ChargingProfilePeriod, ocpi.ChargingProfilePeriod{StartPeriod: i * 900, Limit: l})
		}
		return cp
	}
	result := func(uid string) *ocpi.ChargingProfileResult {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) { // polling the asynchronous result
			res, err := B.srv.ChargingProfileResultOf(sys(), pA.ID, uid)
			if err == nil {
				return res
			}
			if !volt.IsCode(err, volt.ENOTFOUND) {
				t.Fatal(err)
			}
			if time.Now().After(deadline) {
				t.Fatalf("no charging profile result %s at B after 10 s", uid)
			}
		}
	}
	set := func(sessionID string, cp ocpi.ChargingProfile, wantAnswer string) string {
		t.Helper()
		resp, uid, err := B.srv.SendChargingProfile(sys(), pA.ID, sessionID, cp)
		must(t, err)
		if resp.Result != wantAnswer || (wantAnswer == "ACCEPTED") != (resp.Timeout > 0) {
			t.Fatalf("SetChargingProfile on %s answered %+v, want %s", sessionID, resp, wantAnswer)
		}
		return uid
	}
	stored := func(sessionID string) *volt.SessionProfile {
		t.Helper()
		p, err := A.store.FindSessionProfile(sys(), sessionID)
		if volt.IsCode(err, volt.ENOTFOUND) {
			return nil
		}
		must(t, err)
		return p
	}

	// activeOf waits for the ActiveChargingProfile A pushed to B for a
	// session to be want ("A 16@0 8@900"; "none": none arrived).
	activeOf := func(sessionID, want string) {
		t.Helper()
		got := ""
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) { // polling the push queue
			_, err := A.srv.DeliverDue(sys(), 10)
			must(t, err)
			a, err := B.srv.ActiveChargingProfileOf(sys(), pA.ID, sessionID)
			got = "none"
			if err == nil {
				got = a.ChargingProfile.ChargingRateUnit
				for _, p := range a.ChargingProfile.ChargingProfilePeriod {
					got += fmt.Sprintf(" %g@%d", p.Limit, p.StartPeriod)
				}
				if at, _ := ocpi.ParseDateTime(a.StartDateTime); time.Since(at) > time.Minute || time.Until(at) > time.Minute {
					got += " at " + a.StartDateTime
				}
			}
			if got == want {
				return
			}
		}
		t.Errorf("B's active profile of %s: %s, want %s", sessionID, got, want)
	}

	// No load management: a transaction profile of Volt's own id over the
	// session's transaction, the charger's answer as the result.
	activeOf(sPlain.ID, "none")
	uid := set(sPlain.ID, profile("A", 16, 8), "ACCEPTED")
	if r := result(uid); r.Result != "ACCEPTED" {
		t.Errorf("set result %+v", r)
	}
	want := fmt.Sprintf(`%s SetChargingProfile {"connectorId":1,"csChargingProfiles":{"chargingProfileId":170001,"chargingProfileKind":"Relative",`+
		`"chargingProfilePurpose":"TxProfile","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"limit":16,"startPeriod":0},`+
		`{"limit":8,"startPeriod":900}]},"stackLevel":2,"transactionId":%d}}`, plain[0], sPlain.TransactionID)
	if got := charger.last("SetChargingProfile"); got != want {
		t.Errorf("charger call\n%s\nwant\n%s", got, want)
	}
	if p := stored(sPlain.ID); p == nil || p.PartnerID != pBofA.ID || p.Unit != "A" || len(p.Periods) != 2 || p.Periods[1].Limit != 8 {
		t.Errorf("stored profile %+v", p)
	}
	// The charger took it: the profile as sent, from now, is the session's
	// ActiveChargingProfile at B (no load management to say so).
	activeOf(sPlain.ID, "A 16@0 8@900")
	// B keeps its last request with A's answer and result (its API and
	// portal read it); another CPO's staff at B find nothing.
	ps, err := B.srv.RoamingProfileStatus(B.admin, pA.ID, sPlain.ID)
	must(t, err)
	if q := ps.LastRequest; q == nil || q.ID != uid || q.Kind != "set" || q.Answer != "ACCEPTED" || q.Result != "ACCEPTED" || q.ResultDueBy == nil ||
		q.Profile == nil || q.Profile.Unit != "A" || len(q.Profile.Periods) != 2 || q.Profile.Periods[1].Limit != 8 || q.Profile.Periods[1].StartS != 900 || ps.Active == nil || ps.Active.Source != "pushed" {
		t.Errorf("B's status of the profile it set: %+v %+v", ps, ps.LastRequest)
	}
	if _, err := B.srv.RoamingProfileStatus(C.admin, pA.ID, sPlain.ID); !volt.IsCode(err, volt.ENOTFOUND) {
		t.Errorf("another CPO's staff read B's roaming profile: %v", err)
	}
	if _, err := B.srv.RoamingProfileStatus(B.admin, pA.ID, "ses_never"); !volt.IsCode(err, volt.ENOTFOUND) {
		t.Errorf("a session B sent nothing for: %v", err)
	}
	// The charger refuses: REJECTED reaches B, and no new active profile.
	charger.set("SetChargingProfile", "Rejected")
	if r := result(set(sPlain.ID, profile("W", 7400), "ACCEPTED")); r.Result != "REJECTED" {
		t.Errorf("refused profile's result %+v", r)
	}
	activeOf(sPlain.ID, "A 16@0 8@900")
	charger.set("SetChargingProfile", "")

	// The active profile is the charger's composite schedule.
	resp, uid, err := B.srv.GetActiveChargingProfile(sys(), pA.ID, sPlain.ID, 900)
	must(t, err)
	if resp.Result != "ACCEPTED" {
		t.Fatalf("GetActiveChargingProfile answered %+v", resp)
	}
	r := result(uid)
	if r.Result != "ACCEPTED" || r.Profile == nil || r.Profile.StartDateTime != "2026-01-01T10:00:00Z" || r.Profile.ChargingProfile.ChargingRateUnit != "A" ||
		len(r.Profile.ChargingProfile.ChargingProfilePeriod) != 1 || r.Profile.ChargingProfile.ChargingProfilePeriod[0].Limit != 16 {
		t.Errorf("active profile result %+v %+v", r, r.Profile)
	}
	if got := charger.last("GetCompositeSchedule"); got != plain[0]+` GetCompositeSchedule {"connectorId":1,"duration":900}` {
		t.Errorf("charger call %s", got)
	}
	// B shows the GET as its last request; the active profile is still the
	// one A pushed (the GET's own result is shown only while none was).
	if st, err := B.srv.RoamingProfileStatus(B.admin, pA.ID, sPlain.ID); err != nil || st.LastRequest.Kind != "get" || st.LastRequest.Result != "ACCEPTED" ||
		st.Active == nil || st.Active.Source != "pushed" || len(st.Active.Profile.Periods) != 2 {
		t.Errorf("B's status after the GET: %+v %v", st, err)
	}

	// Clear: ClearChargingProfile of Volt's id; a second clear has no
	// profile to clear (UNKNOWN).
	resp, uid, err = B.srv.ClearChargingProfile(sys(), pA.ID, sPlain.ID)
	must(t, err)
	if resp.Result != "ACCEPTED" {
		t.Fatalf("ClearProfile answered %+v", resp)
	}
	if r := result(uid); r.Result != "ACCEPTED" {
		t.Errorf("clear result %+v", r)
	}
	if got := charger.last("ClearChargingProfile"); got != plain[0]+` ClearChargingProfile {"id":170001}` {
		t.Errorf("charger call %s", got)
	}
	if p := stored(sPlain.ID); p != nil {
		t.Errorf("profile kept after the clear: %+v", p)
	}
	// Cleared: the charger's own schedule (its 32 A) is the active profile.
	activeOf(sPlain.ID, "A 32@0 at 2026-01-01T10:00:00Z")
	_, uid, err = B.srv.ClearChargingProfile(sys(), pA.ID, sPlain.ID)
	must(t, err)
	if r := result(uid); r.Result != "UNKNOWN" {
		t.Errorf("second clear result %+v", r)
	}

	// Load-managed site: the loop (Volt's own, stepped here) caps the
	// session with the profile; ACCEPTED once the charger's composite
	// schedule is within it.
	mgr := lms.New(lms.Config{Sites: sites, Chargers: A.chargers, Sessions: A.charging, Profiles: A.store,
		Applier: &lms.OCPP16{Commander: charger}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MinInterval: time.Millisecond})
	lmsLimit := func() string {
		t.Helper()
		mgr.Step(sys(), true)
		var r struct {
			CsChargingProfiles struct {
				ChargingProfileID int
				ChargingSchedule  struct{ ChargingSchedulePeriod []struct{ Limit float64 } }
			}
		}
		call := charger.last("SetChargingProfile")
		_ = json.Unmarshal([]byte(call[strings.Index(call, "{"):]), &r)
		return fmt.Sprintf("%d %g", r.CsChargingProfiles.ChargingProfileID, r.CsChargingProfiles.ChargingSchedule.ChargingSchedulePeriod[0].Limit)
	}
	mgr.OnApplied(func(ctx context.Context, l lms.Limit) { A.srv.LimitApplied(ctx, l.SessionID, l.CurrentA) })
	activeAtB := func() string {
		t.Helper()
		_, err := A.srv.DeliverDue(sys(), 10)
		must(t, err)
		a, err := B.srv.ActiveChargingProfileOf(sys(), pA.ID, sManaged.ID)
		if volt.IsCode(err, volt.ENOTFOUND) {
			return "none"
		}
		must(t, err)
		return fmt.Sprintf("%s %g", a.ChargingProfile.ChargingRateUnit, a.ChargingProfile.ChargingProfilePeriod[0].Limit)
	}
	if got := lmsLimit(); got != "150001 32" {
		t.Fatalf("the loop's limit before any profile: %s", got)
	}
	if got := activeAtB(); got != "none" { // no profile set by B: nothing pushed
		t.Errorf("B's active profile of a session it set none on: %s", got)
	}
	uid = set(sManaged.ID, profile("A", 10), "ACCEPTED")
	if got := lmsLimit(); got != "150001 10" { // the loop's own profile, capped
		t.Errorf("the loop's limit under a 10 A profile: %s", got)
	}
	if r := result(uid); r.Result != "ACCEPTED" {
		t.Errorf("capped result %+v", r)
	}
	// The loop's new limit reaches B as the session's ActiveChargingProfile.
	if got := activeAtB(); got != "A 10" {
		t.Errorf("B's active profile of the capped session: %s", got)
	}
	if strings.Contains(charger.last("SetChargingProfile"), "170001") {
		t.Error("the eMSP's profile went to a load-managed charger as its own profile")
	}
	// Above the site's limit: the site wins.
	if r := result(set(sManaged.ID, profile("W", 44000), "ACCEPTED")); r.Result != "ACCEPTED" {
		t.Errorf("high profile's result %+v", r)
	}
	if got := lmsLimit(); got != "150001 32" {
		t.Errorf("the loop's limit under a 44 kW profile on a 32 A site: %s", got)
	}
	if got := activeAtB(); got != "A 32" {
		t.Errorf("B's active profile under the site's limit: %s", got)
	}
	// Cleared (under a 12 A profile): the loop gives the session its share again.
	uid = set(sManaged.ID, profile("A", 12), "ACCEPTED")
	if got := lmsLimit(); got != "150001 12" {
		t.Errorf("the loop's limit under a 12 A profile: %s", got)
	}
	if r := result(uid); r.Result != "ACCEPTED" {
		t.Errorf("12 A profile's result %+v", r)
	}
	_, uid, err = B.srv.ClearChargingProfile(sys(), pA.ID, sManaged.ID)
	must(t, err)
	if r := result(uid); r.Result != "ACCEPTED" {
		t.Errorf("managed clear result %+v", r)
	}
	if got := lmsLimit(); got != "150001 32" {
		t.Errorf("the loop's limit after the clear: %s", got)
	}
	// A charger that never applies the cap: REJECTED after the timeout.
	charger.set("SetChargingProfile", "Rejected")
	uid = set(sManaged.ID, profile("A", 8), "ACCEPTED")
	mgr.Step(sys(), true)
	if r := result(uid); r.Result != "REJECTED" {
		t.Errorf("unapplied cap's result %+v", r)
	}
	charger.set("SetChargingProfile", "")

	// Sessions that are not B's: unknown, nothing sent, nothing stored.
	before := charger.count()
	set("ses_nope", profile("A", 10), "UNKNOWN_SESSION")
	set(sZ.ID, profile("A", 10), "UNKNOWN_SESSION") // another CPO's session
	if p := stored(sZ.ID); p != nil {
		t.Errorf("a profile stored on another CPO's session: %+v", p)
	}
	uidB := set(sPlain.ID, profile("A", 20), "ACCEPTED")
	result(uidB)
	before = charger.count()
	url := A.http.URL + "/ocpi/cpo/2.2.1/chargingprofiles/"
	cRespURL := C.http.URL + "/ocpi/emsp/2.2.1/chargingprofiles/result/c1"
	st, _, env := call(t, "PUT", url+sPlain.ID, tokC, map[string]any{"charging_profile": profile("A", 6), "response_url": cRespURL})
	if st != 200 || env["data"].(map[string]any)["result"] != "UNKNOWN_SESSION" {
		t.Errorf("another eMSP's PUT on B's session: %d %v", st, env)
	}
	for _, m := range []string{"GET", "DELETE"} {
		st, _, env := call(t, m, url+sPlain.ID+"?duration=60&response_url="+cRespURL, tokC, nil)
		if st != 200 || env["data"].(map[string]any)["result"] != "UNKNOWN_SESSION" {
			t.Errorf("another eMSP's %s on B's session: %d %v", m, st, env)
		}
		st, _, env = call(t, m, url+sZ.ID+"?duration=60&response_url="+cRespURL, tokB, nil)
		if st != 200 || env["data"].(map[string]any)["result"] != "UNKNOWN_SESSION" {
			t.Errorf("B's %s on another CPO's session: %d %v", m, st, env)
		}
	}
	if p := stored(sPlain.ID); p == nil || p.PartnerID != pBofA.ID || p.Periods[0].Limit != 20 {
		t.Errorf("B's profile after the others' requests: %+v", p)
	}
	if n := charger.count(); n != before {
		t.Errorf("%d charger calls for requests on sessions not the partner's", n-before)
	}

	// Bad input.
	for name, body := range map[string]any{
		"unit":        map[string]any{"charging_profile": map[string]any{"charging_rate_unit": "kW", "charging_profile_period": []any{map[string]any{"start_period": 0, "limit": 1}}}, "response_url": cRespURL},
		"no url":      map[string]any{"charging_profile": profile("A", 6)},
		"no periods":  map[string]any{"charging_profile": map[string]any{"charging_rate_unit": "A"}, "response_url": cRespURL},
		"first at 60": map[string]any{"charging_profile": map[string]any{"charging_rate_unit": "A", "charging_profile_period": []any{map[string]any{"start_period": 60, "limit": 1}}}, "response_url": cRespURL},
		"malformed":   `{"charging_profile": `,
	} {
		if st, _, env := call(t, "PUT", url+sPlain.ID, tokB, body); st != 400 || code(env) != 2001 {
			t.Errorf("%s: %d %v", name, st, env)
		}
	}
	if st, _, env := call(t, "GET", url+sPlain.ID+"?response_url="+cRespURL, tokB, nil); st != 400 || code(env) != 2001 {
		t.Errorf("GET without duration: %d %v", st, env)
	}
	if st, _, env := call(t, "DELETE", url+sPlain.ID, tokB, nil); st != 400 || code(env) != 2001 {
		t.Errorf("DELETE without response_url: %d %v", st, env)
	}

	// eMSP side: A pushes the session's ActiveChargingProfile; B keeps it.
	bURL := B.http.URL + "/ocpi/emsp/2.2.1/chargingprofiles/"
	active := ocpi.ActiveChargingProfile{StartDateTime: "2026-01-01T10:00:00Z", ChargingProfile: profile("A", 20, 10)}
	if st, _, env := call(t, "PUT", bURL+sPlain.ID, ofB.TheirToken, active); st != 200 || code(env) != 1000 {
		t.Fatalf("ActiveChargingProfile push: %d %v", st, env)
	}
	got, err := B.srv.ActiveChargingProfileOf(sys(), pA.ID, sPlain.ID)
	must(t, err)
	if got.StartDateTime != active.StartDateTime || len(got.ChargingProfile.ChargingProfilePeriod) != 2 || got.ChargingProfile.ChargingProfilePeriod[1].Limit != 10 {
		t.Errorf("B's active profile %+v", got)
	}
	if st, err := B.srv.RoamingProfileStatus(B.admin, pA.ID, sPlain.ID); err != nil || st.Active == nil || st.Active.Source != "pushed" ||
		len(st.Active.Profile.Periods) != 2 || st.Active.Profile.Periods[1].Limit != 10 {
		t.Errorf("B's status after A's push: %+v %v", st, err)
	}
	list, err := B.srv.RoamingProfileStatuses(B.admin, pA.ID, 10)
	must(t, err)
	// Four sessions: the two of B's driver, the unknown one and Z's (both
	// answered UNKNOWN_SESSION); the newest request first.
	if len(list) != 4 || list[0].SessionID != sPlain.ID || list[0].LastRequest.Kind != "set" || list[0].LastRequest.Answer != "ACCEPTED" {
		t.Errorf("B's sessions with a profile request: %d %+v", len(list), list[0])
	}
	for i := 1; i < len(list); i++ {
		if list[i].LastRequest.SentAt.After(list[i-1].LastRequest.SentAt) {
			t.Errorf("B's sessions with a profile request not newest first: %v after %v", list[i].LastRequest.SentAt, list[i-1].LastRequest.SentAt)
		}
	}
	answers := map[string]string{}
	for _, x := range list {
		answers[x.SessionID] = x.LastRequest.Answer
	}
	if answers["ses_nope"] != "UNKNOWN_SESSION" || answers[sZ.ID] != "UNKNOWN_SESSION" || answers[sManaged.ID] != "ACCEPTED" {
		t.Errorf("answers kept: %v", answers)
	}
	if _, err := B.srv.RoamingProfileStatuses(C.admin, pA.ID, 10); !volt.IsCode(err, volt.ENOTFOUND) {
		t.Errorf("another CPO's staff list B's roaming profiles: %v", err)
	}
	if st, _, env := call(t, "PUT", bURL+sPlain.ID, ofB.TheirToken, map[string]any{"start_date_time": "2026-01-01T10:00:00Z",
		"charging_profile": map[string]any{"charging_rate_unit": "kW"}}); st != 400 || code(env) != 2001 {
		t.Errorf("bad ActiveChargingProfile: %d %v", st, env)
	}
	if st, _, env := call(t, "POST", bURL+"result/x", ofB.TheirToken, map[string]any{"result": "MAYBE"}); st != 400 || code(env) != 2001 {
		t.Errorf("bad result: %d %v", st, env)
	}
	// C's credentials at B do not exist: an eMSP module served to a CPO only.
	if st, _, _ := call(t, "PUT", bURL+sPlain.ID, tokC, active); st != 401 {
		t.Errorf("a stranger's push at B: %d", st)
	}
	// A session that ended is unknown; its profile is pruned when the
	// next one is set.
	_, err = A.charging.StopTransaction(sys(), volt.StopRequest{CPID: plain[0], TransactionID: sPlain.TransactionID, MeterStop: 1000, At: time.Now(), Reason: "Local"})
	must(t, err)
	set(sPlain.ID, profile("A", 10), "UNKNOWN_SESSION")
	if r := result(set(sManaged.ID, profile("A", 40), "ACCEPTED")); r.Result != "ACCEPTED" {
		t.Errorf("40 A profile's result %+v", r)
	}
	if p := stored(sPlain.ID); p != nil {
		t.Errorf("the ended session's profile is kept: %+v", p)
	}
	if p := stored(sManaged.ID); p == nil || p.Periods[0].Limit != 40 {
		t.Errorf("the active session's profile %+v", p)
	}
	if A.exchanges < 20 || B.exchanges < 10 {
		t.Errorf("validated exchanges: A %d, B %d", A.exchanges, B.exchanges)
	}
}
