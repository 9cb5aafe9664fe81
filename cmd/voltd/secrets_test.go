package main

import (
	"context"
	"strings"
	"testing"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// TestStartSealsPlainSecrets (issue 19): a database written before
// sealing holds a webhook secret and a vehicle's tokens as plain text; a
// node started with VOLT_SECRET_KEY seals them, and reads them back.
func TestStartSealsPlainSecrets(t *testing.T) {
	e := storetest.Engines(t)[0] // SQLite: the sweep's SQL runs on both engines in store's tests
	ctx := context.Background()
	dsn := e.DSN(t)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cpo := volt.NewID("cpo")
	for _, q := range []string{
		`INSERT INTO cpos (id, name, currency, created_at, updated_at) VALUES ('` + cpo + `', 'CPO', 'GBP', 0, 0)`,
		`INSERT INTO webhook_endpoints (id, cpo_id, url, events, secret, created_at, updated_at) VALUES ('whe_1', '` + cpo + `', 'https://x.test/h', '["session.started"]', 'whsec_plain0001', 0, 0)`,
		`INSERT INTO telematics_tokens (provider, provider_vehicle_id, access_token, refresh_token, updated_at) VALUES ('acme', 'car-1', 'at-plain-0001', 'rt-plain-0001', 0)`,
	} {
		if _, err := db.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	m := testMainWith(t, dsn, func(c *Config) { c.SecretKey = "a-secret-key-for-the-test" })
	var secret, access, refresh string
	if err := m.DB.QueryRow(ctx, `SELECT secret FROM webhook_endpoints WHERE id = 'whe_1'`).Scan(&secret); err != nil {
		t.Fatal(err)
	}
	if err := m.DB.QueryRow(ctx, `SELECT access_token, refresh_token FROM telematics_tokens WHERE provider_vehicle_id = 'car-1'`).Scan(&access, &refresh); err != nil {
		t.Fatal(err)
	}
	for what, v := range map[string]string{"webhook secret": secret, "access token": access, "refresh token": refresh} {
		if !strings.HasPrefix(v, "sealed:v1:") || strings.Contains(v, "plain") {
			t.Errorf("%s still stored as %q", what, v)
		}
	}
	tok, err := store.NewTelematicsTokens(m.DB).LoadTelematicsToken(volt.NewContextWithActor(ctx, volt.SystemActor), "acme", "car-1")
	if err != nil || tok.AccessToken != "at-plain-0001" || tok.RefreshToken != "rt-plain-0001" {
		t.Errorf("token after sealing: %+v, %v", tok, err)
	}
}
