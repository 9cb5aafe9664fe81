package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpi"
	"github.com/volt-ev/volt/store"
)

// TestRoamingProfilesAPI: Volt, as eMSP, sets a charging profile on a
// session of a partner CPO (a fake CPO over real HTTP); the CPO answers
// ACCEPTED and later posts its result to Volt's response_url. The API
// shows the session's last request, the answer, the result and the
// active profile the CPO pushed; the partner's list shows the session;
// another CPO's staff get not_found; a session with nothing is
// not_found; a too long session id names its field.
func TestRoamingProfilesAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		srv := e.cfg.RoamingProfiles.(*ocpi.Server)
		volt1 := httptest.NewServer(srv.Handler())
		defer volt1.Close()
		srv.BaseURL = volt1.URL

		// The partner CPO: takes the profile, keeps Volt's response_url.
		var mu sync.Mutex
		var respURL, gotBody string
		cpo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var in struct {
				ResponseURL string `json:"response_url"`
			}
			b := new(bytes.Buffer)
			_, _ = b.ReadFrom(r.Body)
			_ = json.Unmarshal(b.Bytes(), &in)
			mu.Lock()
			respURL, gotBody = in.ResponseURL, r.Method+" "+r.URL.Path+" "+b.String()
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"data":{"result":"ACCEPTED","timeout":30},"status_code":1000,"timestamp":"` + time.Now().UTC().Format("2006-01-02T15:04:05Z") + `"}`))
		}))
		defer cpo.Close()
		p := &volt.OCPIPartner{CPOID: e.A.CPO, Name: "Partner CPO", CountryCode: "DE", PartyID: "CPX", Role: volt.OCPIRoleCPO}
		_, err := e.cfg.OCPIPartners.CreateOCPIPartner(sys(), p)
		must(t, err)
		ocpiStore := store.NewOCPIService(e.db)
		_, err = ocpiStore.CompleteOCPIRegistration(sys(), volt.OCPIRegistration{PartnerID: p.ID, TheirToken: "their-token", OurToken: "our-token-for-the-cpo",
			VersionsURL: cpo.URL + "/versions", Version: "2.2.1", Endpoints: []volt.OCPIEndpoint{{Identifier: "chargingprofiles", Role: "RECEIVER", URL: cpo.URL + "/cp"}}})
		must(t, err)

		path := "/api/v1/ocpi-partners/" + p.ID + "/sessions/SES-1/charging-profile"
		staff := e.tokens["A/cpo-staff"]
		if st, body := e.do("GET", path, "", staff); st != 404 {
			t.Errorf("a session Volt sent nothing for: %d %s", st, body)
		}
		dur := 3600
		_, uid, err := srv.SendChargingProfile(sys(), p.ID, "SES-1", ocpi.ChargingProfile{ChargingRateUnit: "A", Duration: &dur,
			ChargingProfilePeriod: []ocpi.ChargingProfilePeriod{{StartPeriod: 0, Limit: 16}, {StartPeriod: 600, Limit: 8}}})
		must(t, err)
		mu.Lock()
		if !strings.HasPrefix(gotBody, "PUT /cp/SES-1 ") || !strings.HasSuffix(respURL, "/ocpi/emsp/2.2.1/chargingprofiles/result/"+uid) {
			t.Errorf("the CPO got %s (response_url %s)", gotBody, respURL)
		}
		mu.Unlock()

		// Awaiting the result: the request and the answer only.
		st, body := e.do("GET", path, "", staff)
		var got volt.RoamingProfileStatus
		must(t, json.Unmarshal(body, &got))
		if q := got.LastRequest; st != 200 || q == nil || q.ID != uid || q.Kind != "set" || q.Answer != "ACCEPTED" || q.Result != "" || q.ResultDueBy == nil ||
			q.Profile == nil || q.Profile.DurationS != 3600 || len(q.Profile.Periods) != 2 || q.Profile.Periods[1].StartS != 600 || got.Active != nil {
			t.Errorf("awaiting the result: %d %s", st, body)
		}

		// The CPO posts its result and pushes the active profile.
		post := func(method, url string, v string) {
			t.Helper()
			req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(v))
			must(t, err)
			req.Header.Set("Authorization", "Token "+base64.StdEncoding.EncodeToString([]byte("our-token-for-the-cpo")))
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			must(t, err)
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Fatalf("%s %s: %d", method, url, res.StatusCode)
			}
		}
		post("POST", respURL, `{"result":"ACCEPTED"}`)
		post("PUT", volt1.URL+"/ocpi/emsp/2.2.1/chargingprofiles/SES-1", `{"start_date_time":"2026-01-01T10:00:00Z",
			"charging_profile":{"charging_rate_unit":"A","charging_profile_period":[{"start_period":0,"limit":12.5}]}}`)
		st, body = e.do("GET", path, "", staff)
		got = volt.RoamingProfileStatus{}
		must(t, json.Unmarshal(body, &got))
		if st != 200 || got.LastRequest == nil || got.LastRequest.Result != "ACCEPTED" || got.Active == nil || got.Active.Source != "pushed" ||
			got.Active.Profile.Unit != "A" || len(got.Active.Profile.Periods) != 1 || got.Active.Profile.Periods[0].Limit != 12.5 ||
			!got.Active.StartAt.Equal(time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)) || got.PartnerID != p.ID || got.SessionID != "SES-1" {
			t.Errorf("with the result and the active profile: %d %s", st, body)
		}
		if st, body = e.do("GET", "/api/v1/ocpi-partners/"+p.ID+"/charging-profiles", "", staff); st != 200 ||
			!strings.Contains(string(body), `"sessionId":"SES-1"`) || !strings.Contains(string(body), `"result":"ACCEPTED"`) {
			t.Errorf("the partner's list: %d %s", st, body)
		}
		for _, tok := range []string{e.tokens["B/cpo-admin"], e.tokens["B/cpo-staff"]} {
			if st, body = e.do("GET", path, "", tok); st != 404 || strings.Contains(string(body), uid) {
				t.Errorf("another CPO's staff read the roaming session's profile: %d %s", st, body)
			}
			if st, body = e.do("GET", "/api/v1/ocpi-partners/"+p.ID+"/charging-profiles", "", tok); st != 404 {
				t.Errorf("another CPO's staff list the partner's profiles: %d %s", st, body)
			}
		}
		if st, body = e.do("GET", "/api/v1/ocpi-partners/"+p.ID+"/sessions/"+strings.Repeat("x", 37)+"/charging-profile", "", staff); st/100 != 4 ||
			!strings.Contains(string(body), "sessionId") {
			t.Errorf("a too long session id: %d %s", st, body)
		}
	})
}

// seedRoamingProfiles gives each tenant's partner a charging profile
// request on a session (issue 14), written as Volt keeps one, for the
// isolation test's super-admin control to read.
func (e *env) seedRoamingProfiles(t *testing.T) {
	t.Helper()
	s := store.NewOCPIService(e.db)
	for _, x := range []*tenant{e.A, e.B} {
		raw := `{"session_id":"` + x.Session + `","uid":"cpr_` + x.Name + `","kind":"get","sent_at":"2026-01-01T10:00:00Z","answer":"ACCEPTED","timeout":30}`
		_, err := s.PutPartnerObject(sys(), x.OCPIPartner, "chargingprofilerequests", x.Session, json.RawMessage(raw), time.Now())
		must(t, err)
	}
}
