package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestTelematicsHTTPConfig (issue 19): VOLT_TELEMATICS_HTTP_* configure a
// vehicle-data API (the client secret from a file), its OAuth callback
// under VOLT_PUBLIC_URL, its webhook secret next to the sandbox's; without
// a name there is none, and a bad poll interval is refused.
func TestTelematicsHTTPConfig(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"VOLT_PUBLIC_URL": "https://volt.example/", "VOLT_TELEMATICS_HTTP_NAME": "acme",
		"VOLT_TELEMATICS_HTTP_BASE_URL": "https://api.acme.example/v2", "VOLT_TELEMATICS_HTTP_AUTH_URL": "https://connect.acme.example/oauth/authorize",
		"VOLT_TELEMATICS_HTTP_TOKEN_URL": "https://auth.acme.example/oauth/token", "VOLT_TELEMATICS_HTTP_CLIENT_ID": "volt",
		"VOLT_TELEMATICS_HTTP_CLIENT_SECRET_FILE": secretFile, "VOLT_TELEMATICS_HTTP_SCOPES": "read_battery read_location",
		"VOLT_TELEMATICS_HTTP_WEBHOOK_SECRET": "whk", "VOLT_TELEMATICS_HTTP_POLL_INTERVAL": "2m", "VOLT_TELEMATICS_SANDBOX_SECRET": "sbx"}
	cfg, err := parseConfig("t", nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	h := cfg.TelematicsHTTP
	if h.Name != "acme" || h.ClientSecret != "s3cret" || h.PollInterval != 2*time.Minute || h.WebhookSecret != "whk" {
		t.Errorf("config %+v", h)
	}
	p := h.provider(cfg.PublicURL, nil)
	if p.Name() != "acme" || p.BaseURL != "https://api.acme.example/v2" || p.OAuth.RedirectURL != "https://volt.example/api/v1/telematics/oauth/acme/callback" ||
		len(p.OAuth.Scopes) != 2 || p.OAuth.ClientSecret != "s3cret" {
		t.Errorf("provider %+v", p)
	}
	m := &Main{Config: cfg}
	if s := m.telematicsSecrets(); s["acme"] != "whk" || s["sandbox"] != "sbx" {
		t.Errorf("webhook secrets %v", s)
	}
	if ps := telematicsProviders(nil, p); len(ps) != 2 || telematicsOAuth(p)["acme"] == nil {
		t.Errorf("providers %v", ps)
	}
	none, err := parseConfig("t", nil, func(string) string { return "" })
	if err != nil || none.TelematicsHTTP.provider("https://x", nil) != nil || telematicsOAuth(nil) != nil {
		t.Errorf("no provider configured: %+v, %v", none.TelematicsHTTP, err)
	}
	env["VOLT_TELEMATICS_HTTP_POLL_INTERVAL"] = "often"
	if _, err := parseConfig("t", nil, func(k string) string { return env[k] }); err == nil {
		t.Error("a bad poll interval is accepted")
	}
}
