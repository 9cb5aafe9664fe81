package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/telematics"
)

// TestTelematicsOAuthAPI (issue 19): the driver asks the consent URL of
// their vehicle at a vehicle-data API; the provider's redirect with the
// signed state and a code stores the vehicle's tokens; a tampered or
// expired state, a refusal and a bad code are refused naming the field;
// another tenant's driver cannot start it; a sandbox vehicle has no OAuth.
func TestTelematicsOAuthAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if id, secret, _ := r.BasicAuth(); id != "volt" || secret != "s3cret" || r.PostFormValue("code") != "good-code" {
				w.WriteHeader(400)
				_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
				return
			}
			_, _ = w.Write([]byte(`{"access_token":"at-1","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-1"}`))
		}))
		defer tokenSrv.Close()
		tokens := store.NewTelematicsTokens(e.db)
		now := time.Now()
		prov := &telematics.HTTP{ProviderName: "acme", BaseURL: tokenSrv.URL, Tokens: tokens, Client: tokenSrv.Client(), Now: func() time.Time { return now },
			OAuth: telematics.OAuthConfig{ClientID: "volt", ClientSecret: "s3cret", AuthURL: "https://acme.example/authorize", TokenURL: tokenSrv.URL + "/token",
				RedirectURL: "https://volt.test/api/v1/telematics/oauth/acme/callback", Scopes: []string{"read_battery"}}}
		e.h.(*server).TelematicsOAuth = map[string]TelematicsAuthorizer{"acme": prov}
		v := &volt.Vehicle{FleetID: e.A.Fleet, DriverID: e.A.Driver, Make: "Kia", Model: "Niro", BatteryWh: 64_000, Registration: "OA19 UTH",
			VIN: "KNAE9999999999999", Provider: "acme", ProviderVehicleID: "acme-77"}
		must(t, e.cfg.Fleets.CreateVehicle(sys(), v))

		if status, got := e.do(http.MethodPost, "/api/v1/vehicles/"+v.ID+"/telematics/authorize", "", e.tokens["B/driver"]); status != 404 {
			t.Errorf("B's driver authorises A's vehicle: %d %s", status, got)
		}
		if status, got := e.do(http.MethodPost, "/api/v1/vehicles/"+e.A.Vehicle+"/telematics/authorize", "", e.tokens["A/driver"]); status != 422 {
			t.Errorf("a sandbox vehicle: %d %s", status, got)
		}
		status, got := e.do(http.MethodPost, "/api/v1/vehicles/"+v.ID+"/telematics/authorize", "", e.tokens["A/driver"])
		var auth TelematicsAuthorization
		if status != 200 || json.Unmarshal(got, &auth) != nil {
			t.Fatalf("authorize: %d %s", status, got)
		}
		u, _ := url.Parse(auth.AuthorizeURL)
		state := u.Query().Get("state")
		if u.Host != "acme.example" || u.Query().Get("client_id") != "volt" || !strings.HasPrefix(state, v.ID+".") {
			t.Fatalf("consent URL %s", auth.AuthorizeURL)
		}
		callback := func(q url.Values) (int, []byte) {
			return e.do(http.MethodGet, "/api/v1/telematics/oauth/acme/callback?"+q.Encode(), "", "")
		}
		for name, c := range map[string]struct {
			q     url.Values
			field string
		}{
			"tampered state": {url.Values{"code": {"good-code"}, "state": {strings.Replace(state, v.ID, e.A.Vehicle, 1)}}, "state"},
			"no state":       {url.Values{"code": {"good-code"}}, "state"},
			"refused":        {url.Values{"error": {"access_denied"}, "state": {state}}, "error"},
			"bad code":       {url.Values{"code": {"stolen"}, "state": {state}}, "code"},
		} {
			status, got := callback(c.q)
			if status < 400 || status >= 500 || errorShape(t, got).Field != c.field {
				t.Errorf("%s: %d %s, want a 4xx naming %s", name, status, got, c.field)
			}
		}
		if _, err := tokens.LoadTelematicsToken(sys(), "acme", "acme-77"); volt.ErrorCode(err) != volt.ENOTFOUND {
			t.Errorf("a token after refused callbacks: %v", err)
		}
		status, got = callback(url.Values{"code": {"good-code"}, "state": {state}})
		if status != 200 || !strings.Contains(string(got), `"authorized":true`) {
			t.Fatalf("callback: %d %s", status, got)
		}
		if tok, err := tokens.LoadTelematicsToken(sys(), "acme", "acme-77"); err != nil || tok.AccessToken != "at-1" || tok.RefreshToken != "rt-1" {
			t.Errorf("stored token %+v, %v", tok, err)
		}
		now = now.Add(2 * time.Hour) // the state lasts an hour
		if status, got := callback(url.Values{"code": {"good-code"}, "state": {state}}); status != 400 || errorShape(t, got).Field != "state" {
			t.Errorf("expired state: %d %s", status, got)
		}
		if status, _ := e.do(http.MethodGet, "/api/v1/telematics/oauth/nope/callback?code=x&state=y", "", ""); status != 404 {
			t.Errorf("unknown provider: %d", status)
		}
	})
}

// TestChargeTargetAPI (issue 19): a driver reads (100 % by default) and
// sets their own charge target; out of range names the field; nobody else
// sees it.
func TestChargeTargetAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		path := "/api/v1/users/" + e.A.Driver + "/charge-target"
		if status, got := e.do(http.MethodGet, path, "", e.tokens["A/driver"]); status != 200 || !strings.Contains(string(got), `"percent":100`) {
			t.Errorf("default target: %d %s", status, got)
		}
		if status, got := e.do(http.MethodPut, path, `{"percent":10}`, e.tokens["A/driver"]); status != 400 && status != 422 || errorShape(t, got).Field != "percent" {
			t.Errorf("10 %%: %d %s", status, got)
		}
		if status, got := e.do(http.MethodPut, path, `{"percent":80}`, e.tokens["A/driver"]); status != 200 || !strings.Contains(string(got), `"percent":80`) {
			t.Errorf("set 80 %%: %d %s", status, got)
		}
		if status, got := e.do(http.MethodGet, path, "", e.tokens["A/driver"]); status != 200 || !strings.Contains(string(got), `"percent":80`) {
			t.Errorf("read back: %d %s", status, got)
		}
		for _, who := range []string{"A/cpo-admin", "A/fleet-manager", "B/driver"} {
			if status, got := e.do(http.MethodGet, path, "", e.tokens[who]); status != 404 {
				t.Errorf("%s reads the driver's target: %d %s", who, status, got)
			}
		}
	})
}

// TestRemoveFleetDriverAPI (issue 19): the fleet's manager takes the
// driver out of the fleet: the vehicle is unlinked, the driver's past
// claim stays readable by both; B's manager cannot.
func TestRemoveFleetDriverAPI(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		path := "/api/v1/fleets/" + e.A.Fleet + "/drivers/" + e.A.Driver
		if status, got := e.do(http.MethodDelete, path, "", e.tokens["B/fleet-manager"]); status != 404 {
			t.Errorf("B's manager removes A's driver: %d %s", status, got)
		}
		status, got := e.do(http.MethodDelete, path, "", e.tokens["A/fleet-manager"])
		if status != 200 || !strings.Contains(string(got), `"vehiclesUnlinked":1`) {
			t.Fatalf("remove the driver: %d %s", status, got)
		}
		if status, got := e.do(http.MethodGet, "/api/v1/vehicles/"+e.A.Vehicle, "", e.tokens["A/driver"]); status != 404 {
			t.Errorf("the driver reads the unlinked vehicle: %d %s", status, got)
		}
		for _, who := range []string{"A/driver", "A/fleet-manager"} {
			if status, got := e.do(http.MethodGet, "/api/v1/reimbursement-claims/"+e.A.Claim, "", e.tokens[who]); status != 200 {
				t.Errorf("%s reads the past claim: %d %s", who, status, got)
			}
		}
		if status, _ := e.do(http.MethodDelete, path, "", e.tokens["A/fleet-manager"]); status != 404 {
			t.Errorf("remove twice: %d", status)
		}
	})
}
