package telematics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
)

// fakeAPI plays a vehicle-data API: an OAuth token endpoint (codes,
// refresh tokens, client credentials by Basic auth) and the per-signal
// resources behind bearer tokens it issued and has not revoked.
type fakeAPI struct {
	mu       sync.Mutex
	issued   int
	valid    map[string]string // access token -> vehicle
	refresh  map[string]string // refresh token -> vehicle
	codes    map[string]string // authorization code -> vehicle
	down     bool
	odoKM    float64
	soc      float64
	lat, lon float64
	charging bool
	calls    []string
}

func newFakeAPI() *fakeAPI {
	return &fakeAPI{valid: map[string]string{}, refresh: map[string]string{}, codes: map[string]string{"code-1": "veh-1"},
		odoKM: 12_345.6, soc: 0.4235, lat: 51.5007, lon: -0.1246, charging: true}
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, r.Method+" "+r.URL.Path)
	if f.down {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
		return
	}
	js := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	if r.URL.Path == "/oauth/token" {
		id, secret, ok := r.BasicAuth()
		if !ok || id != "volt" || secret != "s3cret" || r.PostFormValue("grant_type") == "" {
			js(401, map[string]string{"error": "invalid_client"})
			return
		}
		var vehicle string
		switch r.PostFormValue("grant_type") {
		case "authorization_code":
			vehicle = f.codes[r.PostFormValue("code")]
			delete(f.codes, r.PostFormValue("code"))
			if r.PostFormValue("redirect_uri") != "https://volt.example/cb" {
				vehicle = ""
			}
		case "refresh_token":
			vehicle = f.refresh[r.PostFormValue("refresh_token")]
		}
		if vehicle == "" {
			js(400, map[string]string{"error": "invalid_grant"})
			return
		}
		f.issued++
		at := fmt.Sprintf("at-%d", f.issued)
		f.valid[at] = vehicle
		resp := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": 3600}
		if r.PostFormValue("grant_type") == "authorization_code" {
			rt := "rt-" + vehicle
			f.refresh[rt] = vehicle
			resp["refresh_token"] = rt
		}
		js(200, resp)
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/v2/vehicles/"), "/")
	if f.valid[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")] != parts[0] {
		js(401, map[string]string{"error": "authentication"})
		return
	}
	res := ""
	if len(parts) > 1 {
		res = parts[1]
	}
	state := "NOT_CHARGING"
	if f.charging {
		state = "CHARGING"
	}
	switch res {
	case "":
		js(200, map[string]any{"id": parts[0], "make": "KIA"})
	case "odometer":
		js(200, map[string]any{"distance": f.odoKM})
	case "battery":
		js(200, map[string]any{"percentRemaining": f.soc, "range": 210.5})
	case "location":
		js(200, map[string]any{"latitude": f.lat, "longitude": f.lon})
	case "charge":
		js(200, map[string]any{"isPluggedIn": true, "state": state})
	default:
		http.NotFound(w, r)
	}
}

// memTokens is a TelematicsTokenStore in memory.
type memTokens struct {
	mu sync.Mutex
	m  map[string]volt.TelematicsToken
}

func (m *memTokens) LoadTelematicsToken(_ context.Context, provider, vid string) (*volt.TelematicsToken, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.m[provider+"/"+vid]
	if !ok {
		return nil, volt.Errorf(volt.ENOTFOUND, "no token")
	}
	return &t, nil
}

func (m *memTokens) SaveTelematicsToken(_ context.Context, provider, vid string, t *volt.TelematicsToken) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[provider+"/"+vid] = *t
	return nil
}

func newHTTPProvider(t *testing.T) (*HTTP, *fakeAPI, *memTokens, *time.Time) {
	api := newFakeAPI()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tokens := &memTokens{m: map[string]volt.TelematicsToken{}}
	h := &HTTP{ProviderName: "acme", BaseURL: srv.URL + "/v2", Tokens: tokens, Client: srv.Client(), Now: func() time.Time { return now },
		OAuth: OAuthConfig{ClientID: "volt", ClientSecret: "s3cret", AuthURL: srv.URL + "/oauth/authorize", TokenURL: srv.URL + "/oauth/token",
			RedirectURL: "https://volt.example/cb", Scopes: []string{"read_odometer", "read_battery", "read_location", "read_charge"}}}
	return h, api, tokens, &now
}

// TestHTTPProviderOAuthAndPoll (issue 19): a driver's consent URL carries
// the client, redirect, scopes and state; the code is exchanged for the
// vehicle's tokens (stored); a poll reads odometer, battery, location and
// charging state as one reading; an expired token is refreshed before the
// call and a refused one once after it, keeping the refresh token; a bad
// code, a vehicle never authorised and a provider down are errors the
// claims wait on.
func TestHTTPProviderOAuthAndPoll(t *testing.T) {
	h, api, tokens, now := newHTTPProvider(t)
	ctx := context.Background()
	u, err := url.Parse(h.AuthCodeURL("st-veh-1"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Path != "/oauth/authorize" || q.Get("response_type") != "code" || q.Get("client_id") != "volt" || q.Get("state") != "st-veh-1" ||
		q.Get("redirect_uri") != "https://volt.example/cb" || q.Get("scope") != "read_odometer read_battery read_location read_charge" {
		t.Errorf("consent URL %s", u)
	}
	if _, err := h.Poll(ctx, "veh-1"); !errors.Is(err, ErrNotAuthorized) {
		t.Errorf("poll before the consent: %v", err)
	}
	if err := h.Exchange(ctx, "veh-1", "code-wrong"); !errors.Is(err, ErrNotAuthorized) {
		t.Errorf("bad code: %v", err)
	}
	if err := h.Exchange(ctx, "veh-1", "code-1"); err != nil {
		t.Fatal(err)
	}
	tok, _ := tokens.LoadTelematicsToken(ctx, "acme", "veh-1")
	if tok.AccessToken != "at-1" || tok.RefreshToken != "rt-veh-1" || !tok.Expiry.Equal(now.Add(time.Hour)) {
		t.Errorf("stored token %+v", tok)
	}
	r, err := h.Poll(ctx, "veh-1")
	if err != nil {
		t.Fatal(err)
	}
	want := volt.TelematicsReading{At: *now, OdometerM: 12_345_600, SoCPermille: 424, Latitude: 51.5007, Longitude: -0.1246, Charging: true}
	if r != want {
		t.Errorf("reading %+v, want %+v", r, want)
	}
	// An hour later the token is expired: refreshed first, then used.
	*now = now.Add(time.Hour)
	api.mu.Lock()
	api.calls = nil
	api.mu.Unlock()
	if _, err := h.Poll(ctx, "veh-1"); err != nil {
		t.Fatal(err)
	}
	api.mu.Lock()
	if len(api.calls) != 5 || api.calls[0] != "POST /oauth/token" {
		t.Errorf("calls after expiry: %v", api.calls)
	}
	api.mu.Unlock()
	tok, _ = tokens.LoadTelematicsToken(ctx, "acme", "veh-1")
	if tok.AccessToken != "at-2" || tok.RefreshToken != "rt-veh-1" {
		t.Errorf("refreshed token %+v", tok)
	}
	// The provider revokes the access token: one refusal, one refresh.
	api.mu.Lock()
	delete(api.valid, "at-2")
	api.charging = false
	api.mu.Unlock()
	if r, err := h.Poll(ctx, "veh-1"); err != nil || r.Charging {
		t.Fatalf("poll after revocation: %+v, %v", r, err)
	}
	if tok, _ = tokens.LoadTelematicsToken(ctx, "acme", "veh-1"); tok.AccessToken != "at-3" {
		t.Errorf("token after revocation %+v", tok)
	}
	// The driver withdraws consent: the refresh token is refused too.
	api.mu.Lock()
	delete(api.valid, "at-3")
	delete(api.refresh, "rt-veh-1")
	api.mu.Unlock()
	if _, err := h.Poll(ctx, "veh-1"); !errors.Is(err, ErrNotAuthorized) {
		t.Errorf("consent withdrawn: %v", err)
	}
	api.mu.Lock()
	api.refresh["rt-veh-1"] = "veh-1"
	api.down = true
	api.mu.Unlock()
	if _, err := h.Readings(ctx, "veh-1", now.Add(-time.Hour), *now); !errors.Is(err, ErrUnavailable) {
		t.Errorf("readings while the provider is down: %v", err)
	}
	api.mu.Lock()
	api.down = false
	api.mu.Unlock()
	if rs, err := h.Readings(ctx, "veh-1", now.Add(-time.Hour), *now); err != nil || len(rs) != 0 {
		t.Errorf("readings of an API without history: %v, %v", rs, err)
	}
	// Another vehicle's token does not read this one.
	if err := tokens.SaveTelematicsToken(ctx, "acme", "veh-2", &volt.TelematicsToken{AccessToken: "at-4"}); err != nil {
		t.Fatal(err)
	}
	api.mu.Lock()
	api.valid["at-4"] = "veh-1"
	api.mu.Unlock()
	if _, err := h.Poll(ctx, "veh-2"); !errors.Is(err, ErrNotAuthorized) {
		t.Errorf("a token of another vehicle: %v", err)
	}
}

// fakeFleet records what the poller stores (only the two methods the
// poller uses).
type fakeFleet struct {
	volt.FleetService
	vehicles []*volt.Vehicle
	mu       sync.Mutex
	stored   map[string][]volt.TelematicsReading
}

func (f *fakeFleet) FindVehicles(ctx context.Context, fl volt.FleetFilter) ([]*volt.Vehicle, int, error) {
	p := fl.Page.Normalize()
	end := min(len(f.vehicles), p.Offset+p.Limit)
	if p.Offset >= end {
		return nil, len(f.vehicles), nil
	}
	return f.vehicles[p.Offset:end], len(f.vehicles), nil
}

func (f *fakeFleet) RecordTelematics(ctx context.Context, provider, vid string, rs []volt.TelematicsReading) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stored[provider+"/"+vid] = append(f.stored[provider+"/"+vid], rs...)
	return len(rs), nil
}

// TestPollerPollsItsVehicles: the poller reads the provider's vehicles
// (only those, across pages), records a reading each, and keeps the
// failures in its status: a vehicle not authorised waits, the others are
// polled all the same.
func TestPollerPollsItsVehicles(t *testing.T) {
	h, _, _, _ := newHTTPProvider(t)
	ctx := context.Background()
	if err := h.Exchange(ctx, "veh-1", "code-1"); err != nil {
		t.Fatal(err)
	}
	fleet := &fakeFleet{stored: map[string][]volt.TelematicsReading{}}
	for i := range 120 { // more than a page of other vehicles first
		fleet.vehicles = append(fleet.vehicles, &volt.Vehicle{ID: fmt.Sprint("v", i), Provider: "sandbox", ProviderVehicleID: fmt.Sprint("s", i)})
	}
	fleet.vehicles = append(fleet.vehicles, &volt.Vehicle{ID: "va", Provider: "acme", ProviderVehicleID: "veh-1"},
		&volt.Vehicle{ID: "vb", Provider: "acme", ProviderVehicleID: "veh-unauthorised"})
	p := &Poller{Provider: h, Fleet: fleet}
	n, err := p.PollOnce(ctx)
	if n != 1 || err == nil || !strings.Contains(err.Error(), "veh-unauthorised") {
		t.Fatalf("poll: %d stored, %v", n, err)
	}
	if rs := fleet.stored["acme/veh-1"]; len(rs) != 1 || rs[0].SoCPermille != 424 || len(fleet.stored) != 1 {
		t.Errorf("stored %v", fleet.stored)
	}
	st := p.Status()
	if st["veh-1"].Error != "" || st["veh-1"].Waiting || !st["veh-unauthorised"].Waiting || st["veh-unauthorised"].Error == "" {
		t.Errorf("status %+v", st)
	}
}
