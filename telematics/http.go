package telematics

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// Issue 19: the HTTP adapter for vehicle-data APIs in the common shape:
// OAuth 2.0 authorization-code grant per vehicle (the driver consents at
// the provider, Volt keeps the vehicle's access and refresh tokens), and
// one resource per signal, polled:
//
//	GET {base}/vehicles/{id}/odometer  {"distance": km}
//	GET {base}/vehicles/{id}/battery   {"percentRemaining": 0..1}
//	GET {base}/vehicles/{id}/location  {"latitude": .., "longitude": ..}
//	GET {base}/vehicles/{id}/charge    {"isPluggedIn": bool, "state": "CHARGING"|"FULLY_CHARGED"|"NOT_CHARGING"}
//
// with "Authorization: Bearer <access token>". Such APIs answer the
// current state only: history is what the poller stored.

// OAuthConfig is Volt's client registration at a provider.
type OAuthConfig struct {
	ClientID     string
	ClientSecret string
	// AuthURL is where the driver consents; TokenURL exchanges codes and
	// refresh tokens (client credentials by HTTP Basic).
	AuthURL, TokenURL string
	// RedirectURL is Volt's callback the provider sends the code to.
	RedirectURL string
	Scopes      []string
}

// ErrNotAuthorized: the vehicle's driver has not authorised Volt at the
// provider (or revoked it): readings wait for the authorisation.
var ErrNotAuthorized = volt.ErrTelematicsNotAuthorized

// ErrUnavailable wraps a provider that did not answer (network, 5xx,
// 429): sessions wait for it.
var ErrUnavailable = errors.New("telematics: provider unavailable")

// HTTP is a vehicle-data API provider.
type HTTP struct {
	// ProviderName is the name vehicles carry as their telematics provider.
	ProviderName string
	// BaseURL is the API's root ("https://api.example.com/v2.0").
	BaseURL string
	OAuth   OAuthConfig
	Tokens  volt.TelematicsTokenStore
	// Client defaults to a client with a 15-second timeout.
	Client *http.Client
	// Now defaults to time.Now (tests set it).
	Now func() time.Time
}

var _ volt.TelematicsProvider = (*HTTP)(nil)

// Name is the provider's name.
func (h *HTTP) Name() string { return h.ProviderName }

func (h *HTTP) client() *http.Client {
	if h.Client != nil {
		return h.Client
	}
	return &http.Client{Timeout: 15 * time.Second}
}

func (h *HTTP) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// AuthCodeURL is where a driver authorises Volt to read one vehicle:
// state comes back with the code to the redirect URL and must tie the
// callback to that vehicle (the caller signs it).
func (h *HTTP) AuthCodeURL(state string) string {
	q := url.Values{"response_type": {"code"}, "client_id": {h.OAuth.ClientID}, "redirect_uri": {h.OAuth.RedirectURL},
		"scope": {strings.Join(h.OAuth.Scopes, " ")}, "state": {state}}
	sep := "?"
	if strings.Contains(h.OAuth.AuthURL, "?") {
		sep = "&"
	}
	return h.OAuth.AuthURL + sep + q.Encode()
}

// Exchange trades the authorization code of providerVehicleID's consent
// for its tokens and stores them.
func (h *HTTP) Exchange(ctx context.Context, providerVehicleID, code string) error {
	if code == "" {
		return volt.FieldError("code", "The provider sent no authorization code.")
	}
	t, err := h.tokenRequest(ctx, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {h.OAuth.RedirectURL}})
	if err != nil {
		return err
	}
	return h.Tokens.SaveTelematicsToken(ctx, h.ProviderName, providerVehicleID, t)
}

// tokenResponse is RFC 6749 §5.1.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Error        string `json:"error"`
}

func (h *HTTP) tokenRequest(ctx context.Context, form url.Values) (*volt.TelematicsToken, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.OAuth.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("telematics token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(h.OAuth.ClientID), url.QueryEscape(h.OAuth.ClientSecret))
	resp, err := h.client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: token endpoint: %v", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	var tr tokenResponse
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = json.Unmarshal(body, &tr)
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return nil, fmt.Errorf("%w: token endpoint answered %d", ErrUnavailable, resp.StatusCode)
	case tr.Error == "invalid_grant":
		return nil, fmt.Errorf("%w: %s", ErrNotAuthorized, tr.Error)
	case resp.StatusCode != http.StatusOK || tr.AccessToken == "":
		return nil, fmt.Errorf("telematics token endpoint answered %d %s", resp.StatusCode, tr.Error)
	case tr.TokenType != "" && !strings.EqualFold(tr.TokenType, "bearer"):
		return nil, fmt.Errorf("telematics token type %q is not bearer", tr.TokenType)
	}
	t := &volt.TelematicsToken{AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken}
	if tr.ExpiresIn > 0 {
		t.Expiry = h.now().Add(time.Duration(tr.ExpiresIn) * time.Second)
	}
	return t, nil
}

// token answers the vehicle's access token, refreshed (and stored) when it
// expires within a minute or when force is set (the API refused it).
func (h *HTTP) token(ctx context.Context, vid string, force bool) (string, error) {
	t, err := h.Tokens.LoadTelematicsToken(ctx, h.ProviderName, vid)
	if volt.IsCode(err, volt.ENOTFOUND) {
		return "", fmt.Errorf("%w: %s has no token", ErrNotAuthorized, vid)
	} else if err != nil {
		return "", err
	}
	if !force && (t.Expiry.IsZero() || h.now().Add(time.Minute).Before(t.Expiry)) {
		return t.AccessToken, nil
	}
	if t.RefreshToken == "" {
		return "", fmt.Errorf("%w: the access token expired and there is no refresh token", ErrNotAuthorized)
	}
	nt, err := h.tokenRequest(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {t.RefreshToken}})
	if err != nil {
		return "", err
	}
	if nt.RefreshToken == "" { // the provider keeps the refresh token
		nt.RefreshToken = t.RefreshToken
	}
	if err := h.Tokens.SaveTelematicsToken(ctx, h.ProviderName, vid, nt); err != nil {
		return "", err
	}
	return nt.AccessToken, nil
}

// get reads one resource of the vehicle into out, refreshing the token
// once when the API refuses it.
func (h *HTTP) get(ctx context.Context, vid, resource string, out any) error {
	for attempt := 0; ; attempt++ {
		tok, err := h.token(ctx, vid, attempt > 0)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(h.BaseURL, "/")+"/vehicles/"+url.PathEscape(vid)+resource, nil)
		if err != nil {
			return fmt.Errorf("telematics request: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/json")
		resp, err := h.client().Do(req)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrUnavailable, resource, err)
		}
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusUnauthorized && attempt == 0:
			continue
		case resp.StatusCode == http.StatusUnauthorized:
			return fmt.Errorf("%w: %s refused a fresh token", ErrNotAuthorized, resource)
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
			return fmt.Errorf("%w: %s answered %d", ErrUnavailable, resource, resp.StatusCode)
		case resp.StatusCode != http.StatusOK:
			return fmt.Errorf("telematics %s of %s answered %d", resource, vid, resp.StatusCode)
		case rerr != nil:
			return fmt.Errorf("%w: %s: %v", ErrUnavailable, resource, rerr)
		}
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("telematics %s of %s: %w", resource, vid, err)
		}
		return nil
	}
}

// Poll reads the vehicle's current odometer, state of charge, location
// and charging state as one reading at the poll's time (to the second).
func (h *HTTP) Poll(ctx context.Context, providerVehicleID string) (volt.TelematicsReading, error) {
	var odo struct {
		Distance *float64 `json:"distance"`
	}
	var bat struct {
		PercentRemaining *float64 `json:"percentRemaining"`
	}
	var loc struct {
		Latitude  *float64 `json:"latitude"`
		Longitude *float64 `json:"longitude"`
	}
	var chg struct {
		IsPluggedIn bool   `json:"isPluggedIn"`
		State       string `json:"state"`
	}
	r := volt.TelematicsReading{At: h.now().UTC().Truncate(time.Second)}
	for _, c := range []struct {
		res string
		out any
	}{{"/odometer", &odo}, {"/battery", &bat}, {"/location", &loc}, {"/charge", &chg}} {
		if err := h.get(ctx, providerVehicleID, c.res, c.out); err != nil {
			return r, err
		}
	}
	if odo.Distance == nil || bat.PercentRemaining == nil || loc.Latitude == nil || loc.Longitude == nil {
		return r, fmt.Errorf("telematics: %s answered without odometer, battery or location", providerVehicleID)
	}
	r.OdometerM = int64(*odo.Distance*1000 + 0.5)
	r.SoCPermille = int(*bat.PercentRemaining*1000 + 0.5)
	r.Latitude, r.Longitude = *loc.Latitude, *loc.Longitude
	r.Charging = chg.State == "CHARGING"
	if err := r.Validate(); err != nil {
		return r, fmt.Errorf("telematics: %s: %w", providerVehicleID, err)
	}
	return r, nil
}

// Readings answers no readings of its own (the API has no history: the
// poller stored what the claim checks) once the provider answers for the
// vehicle; a provider that does not answer, or a vehicle not authorised,
// is an error, so the claim's sessions wait and say so.
func (h *HTTP) Readings(ctx context.Context, providerVehicleID string, from, to time.Time) ([]volt.TelematicsReading, error) {
	if err := h.get(ctx, providerVehicleID, "", nil); err != nil {
		return nil, err
	}
	return nil, nil
}

// SignState is the OAuth state tying a consent to one vehicle (Volt's id)
// until exp: "vehicleID.unix.hmac" under the client secret, so a callback
// cannot be replayed onto another vehicle or after an hour.
func (h *HTTP) SignState(vehicleID string, exp time.Time) string {
	msg := vehicleID + "." + strconv.FormatInt(exp.Unix(), 10)
	m := hmac.New(sha256.New, []byte("telematics-oauth-state:"+h.OAuth.ClientSecret))
	m.Write([]byte(msg))
	return msg + "." + hex.EncodeToString(m.Sum(nil))
}

// VerifyState answers the vehicle a state names when it is genuine and
// not expired.
func (h *HTTP) VerifyState(state string) (string, bool) {
	i := strings.LastIndexByte(state, '.')
	if i < 0 || h.OAuth.ClientSecret == "" {
		return "", false
	}
	j := strings.LastIndexByte(state[:i], '.')
	if j < 0 {
		return "", false
	}
	unix, err := strconv.ParseInt(state[j+1:i], 10, 64)
	if err != nil || !h.now().Before(time.Unix(unix, 0)) {
		return "", false
	}
	vehicleID := state[:j]
	if !hmac.Equal([]byte(h.SignState(vehicleID, time.Unix(unix, 0))), []byte(state)) {
		return "", false
	}
	return vehicleID, true
}
