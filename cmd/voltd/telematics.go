package main

import (
	"context"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/api"
	"github.com/volt-ev/volt/telematics"
)

// telematicsHTTPConfig is a vehicle-data API provider (issue 19).
type telematicsHTTPConfig struct {
	Name          string        // VOLT_TELEMATICS_HTTP_NAME: the provider's name on vehicles; empty: none
	BaseURL       string        // VOLT_TELEMATICS_HTTP_BASE_URL: the API root
	AuthURL       string        // VOLT_TELEMATICS_HTTP_AUTH_URL: OAuth consent page
	TokenURL      string        // VOLT_TELEMATICS_HTTP_TOKEN_URL: OAuth token endpoint
	ClientID      string        // VOLT_TELEMATICS_HTTP_CLIENT_ID
	ClientSecret  string        // VOLT_TELEMATICS_HTTP_CLIENT_SECRET(_FILE)
	Scopes        string        // VOLT_TELEMATICS_HTTP_SCOPES: space-separated
	WebhookSecret string        // VOLT_TELEMATICS_HTTP_WEBHOOK_SECRET(_FILE): HMAC of its signed webhooks
	PollInterval  time.Duration // VOLT_TELEMATICS_HTTP_POLL_INTERVAL: 5m by default
}

func (c *telematicsHTTPConfig) parse(str, secret func(*string, string), dur func(*time.Duration, string)) {
	str(&c.Name, "VOLT_TELEMATICS_HTTP_NAME")
	str(&c.BaseURL, "VOLT_TELEMATICS_HTTP_BASE_URL")
	str(&c.AuthURL, "VOLT_TELEMATICS_HTTP_AUTH_URL")
	str(&c.TokenURL, "VOLT_TELEMATICS_HTTP_TOKEN_URL")
	str(&c.ClientID, "VOLT_TELEMATICS_HTTP_CLIENT_ID")
	secret(&c.ClientSecret, "VOLT_TELEMATICS_HTTP_CLIENT_SECRET")
	str(&c.Scopes, "VOLT_TELEMATICS_HTTP_SCOPES")
	secret(&c.WebhookSecret, "VOLT_TELEMATICS_HTTP_WEBHOOK_SECRET")
	dur(&c.PollInterval, "VOLT_TELEMATICS_HTTP_POLL_INTERVAL")
}

// provider builds the configured provider (nil when none): its OAuth
// callback is the API's, under publicURL.
func (c telematicsHTTPConfig) provider(publicURL string, tokens volt.TelematicsTokenStore) *telematics.HTTP {
	if c.Name == "" {
		return nil
	}
	return &telematics.HTTP{ProviderName: c.Name, BaseURL: c.BaseURL, Tokens: tokens, OAuth: telematics.OAuthConfig{
		ClientID: c.ClientID, ClientSecret: c.ClientSecret, AuthURL: c.AuthURL, TokenURL: c.TokenURL,
		RedirectURL: strings.TrimSuffix(publicURL, "/") + "/api/v1/telematics/oauth/" + c.Name + "/callback",
		Scopes:      strings.Fields(c.Scopes)}}
}

// startTelematicsPoll polls the provider's vehicles every interval, on one
// node of a cluster at a time.
func (m *Main) startTelematicsPoll(ctx context.Context, p *telematics.Poller) {
	every := p.Interval
	if every <= 0 {
		every = 5 * time.Minute
	}
	m.periodic(ctx, "telematics-poll-"+p.Provider.Name(), every, func(ctx context.Context) {
		if n, err := p.PollOnce(ctx); err != nil && ctx.Err() == nil {
			m.Logger.Warn("telematics poll", "provider", p.Provider.Name(), "stored", n, "err", err)
		}
	})
}

// telematicsProviders lists the sandbox and the HTTP provider when one is
// configured.
func telematicsProviders(sbx *telematics.Sandbox, h *telematics.HTTP) []volt.TelematicsProvider {
	ps := []volt.TelematicsProvider{sbx}
	if h != nil {
		ps = append(ps, h)
	}
	return ps
}

// telematicsSecrets are the webhook secrets by provider.
func (m *Main) telematicsSecrets() map[string]string {
	s := map[string]string{"sandbox": m.Config.TelematicsSandboxSecret}
	if h := m.Config.TelematicsHTTP; h.Name != "" {
		s[h.Name] = h.WebhookSecret
	}
	return s
}

// telematicsOAuth is the API's view of the providers drivers authorise.
func telematicsOAuth(h *telematics.HTTP) map[string]api.TelematicsAuthorizer {
	if h == nil {
		return nil
	}
	return map[string]api.TelematicsAuthorizer{h.Name(): h}
}
