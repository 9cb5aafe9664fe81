package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// rawColumn reads one stored value as the database holds it.
func rawColumn(t *testing.T, db *store.DB, q string, args ...any) string {
	t.Helper()
	var s string
	must(t, db.QueryRow(context.Background(), q, args...).Scan(&s))
	return s
}

// noPlainText fails unless stored is sealed and shows nothing of plain.
func noPlainText(t *testing.T, what, stored, plain string) {
	t.Helper()
	if !strings.HasPrefix(stored, "sealed:v1:") || strings.Contains(stored, plain) || strings.Contains(stored, plain[len(plain)/2:]) {
		t.Errorf("%s stored as %q: not sealed (plain %q)", what, stored, plain)
	}
}

// TestWebhookSecretsSealed (issue 19): a webhook endpoint's signing
// secret is stored sealed, on creation and rotation; deliveries are still
// handed out with the plain secret to sign with; a secret stored as plain
// text before sealing still signs and is sealed by SealStoredSecrets; with
// another VOLT_SECRET_KEY nothing is signed with a wrong secret.
func TestWebhookSecretsSealed(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := volt.NewContextWithActor(context.Background(), volt.SystemActor)
		db.SetSecretKey("key-one")
		f := newChargingFixture(t, db)
		svc := store.NewWebhookService(db)
		ep := &volt.WebhookEndpoint{CPOID: f.cpoA, URL: "https://hooks.example.com/volt", Events: []string{volt.EventSessionStarted}}
		must(t, svc.CreateWebhookEndpoint(ctx, ep))
		const q = `SELECT secret FROM webhook_endpoints WHERE id = ?`
		noPlainText(t, "created secret", rawColumn(t, db, q, ep.ID), ep.Secret)

		// due answers the secret the next delivery is signed with ("" when
		// none is handed out).
		n := 0
		due := func() string {
			t.Helper()
			n++
			must(t, db.WithTx(ctx, func(tx *store.Tx) error {
				return tx.Emit(ctx, volt.Event{Type: volt.EventSessionStarted, CPOID: f.cpoA, CPID: f.cpidA, Data: map[string]int{"n": n}})
			}))
			if _, err := svc.FanOutWebhooks(ctx, 100); err != nil {
				t.Fatal(err)
			}
			ds, err := svc.ClaimWebhookDeliveries(ctx, 100, time.Hour)
			must(t, err)
			if len(ds) == 0 {
				return ""
			}
			if len(ds) != 1 {
				t.Fatalf("%d deliveries, want 1", len(ds))
			}
			return ds[0].Secret
		}
		if got := due(); got != ep.Secret {
			t.Errorf("delivery signed with %q, want the endpoint's %q", got, ep.Secret)
		}
		rot, err := svc.RotateWebhookSecret(ctx, ep.ID)
		must(t, err)
		noPlainText(t, "rotated secret", rawColumn(t, db, q, ep.ID), rot.Secret)
		if got := due(); got != rot.Secret || rot.Secret == ep.Secret {
			t.Errorf("delivery after rotation signed with %q, want %q", got, rot.Secret)
		}

		// A row from before sealing.
		f.exec(t, `UPDATE webhook_endpoints SET secret = ? WHERE id = ?`, "whsec_legacy0123456789", ep.ID)
		if got := due(); got != "whsec_legacy0123456789" {
			t.Errorf("legacy plain secret read as %q", got)
		}
		if n, err := db.SealStoredSecrets(ctx); err != nil || n != 1 {
			t.Errorf("sealed %d, %v; want the 1 legacy secret", n, err)
		}
		noPlainText(t, "legacy secret after SealStoredSecrets", rawColumn(t, db, q, ep.ID), "whsec_legacy0123456789")
		if got := due(); got != "whsec_legacy0123456789" {
			t.Errorf("sealed legacy secret read as %q", got)
		}
		if n, err := db.SealStoredSecrets(ctx); err != nil || n != 0 {
			t.Errorf("second sweep sealed %d, %v", n, err)
		}

		// Another key opens nothing: no delivery is signed with garbage.
		db.SetSecretKey("key-two")
		if got := due(); got != "" {
			t.Errorf("with another key a delivery was handed out signed with %q", got)
		}
		db.SetSecretKey("key-one")
		if got := due(); got != "whsec_legacy0123456789" {
			t.Errorf("back on the right key: %q", got)
		}
	})
}

// TestTelematicsTokensSealed (issue 19): a vehicle's OAuth tokens are
// stored sealed and load as saved; tokens stored before sealing load and
// are sealed by SealStoredSecrets; another key loads nothing.
func TestTelematicsTokensSealed(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := volt.NewContextWithActor(context.Background(), volt.SystemActor)
		tokens := store.NewTelematicsTokens(db)
		exp := time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC)
		must(t, tokens.SaveTelematicsToken(ctx, "acme", "car-1", &volt.TelematicsToken{AccessToken: "at-secret-1111", RefreshToken: "rt-secret-2222", Expiry: exp}))
		const q = `SELECT access_token FROM telematics_tokens WHERE provider = ? AND provider_vehicle_id = ?`
		const qr = `SELECT refresh_token FROM telematics_tokens WHERE provider = ? AND provider_vehicle_id = ?`
		noPlainText(t, "access token", rawColumn(t, db, q, "acme", "car-1"), "at-secret-1111")
		noPlainText(t, "refresh token", rawColumn(t, db, qr, "acme", "car-1"), "rt-secret-2222")
		tok, err := tokens.LoadTelematicsToken(ctx, "acme", "car-1")
		if err != nil || tok.AccessToken != "at-secret-1111" || tok.RefreshToken != "rt-secret-2222" || !tok.Expiry.Equal(exp) {
			t.Errorf("loaded %+v, %v", tok, err)
		}
		// A sealed token moved to another vehicle's row does not open there.
		must(t, tokens.SaveTelematicsToken(ctx, "acme", "car-2", &volt.TelematicsToken{AccessToken: "at-other-3333"}))
		if _, err := db.Exec(ctx, `UPDATE telematics_tokens SET access_token = (SELECT access_token FROM telematics_tokens WHERE provider_vehicle_id = 'car-1')
			WHERE provider_vehicle_id = 'car-2'`); err != nil {
			t.Fatal(err)
		}
		if tok, err := tokens.LoadTelematicsToken(ctx, "acme", "car-2"); err == nil {
			t.Errorf("car-1's token opened for car-2: %+v", tok)
		}

		// Rows from before sealing.
		if _, err := db.Exec(ctx, `INSERT INTO telematics_tokens (provider, provider_vehicle_id, access_token, refresh_token, updated_at) VALUES ('acme', 'car-3', 'at-plain-4444', 'rt-plain-5555', 0)`); err != nil {
			t.Fatal(err)
		}
		if tok, err := tokens.LoadTelematicsToken(ctx, "acme", "car-3"); err != nil || tok.AccessToken != "at-plain-4444" || tok.RefreshToken != "rt-plain-5555" {
			t.Errorf("legacy token %+v, %v", tok, err)
		}
		if n, err := db.SealStoredSecrets(ctx); err != nil || n != 2 {
			t.Errorf("sealed %d, %v; want the legacy access and refresh tokens", n, err)
		}
		noPlainText(t, "legacy access token", rawColumn(t, db, q, "acme", "car-3"), "at-plain-4444")
		noPlainText(t, "legacy refresh token", rawColumn(t, db, qr, "acme", "car-3"), "rt-plain-5555")
		if tok, err := tokens.LoadTelematicsToken(ctx, "acme", "car-3"); err != nil || tok.AccessToken != "at-plain-4444" || tok.RefreshToken != "rt-plain-5555" {
			t.Errorf("sealed legacy token %+v, %v", tok, err)
		}
		db.SetSecretKey("another key")
		if tok, err := tokens.LoadTelematicsToken(ctx, "acme", "car-1"); err == nil {
			t.Errorf("opened with another key: %+v", tok)
		}
	})
}
