package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/volt-ev/volt"
)

// TelematicsTokens keeps vehicles' OAuth tokens at vehicle-data APIs
// (issue 19; volt.TelematicsTokenStore), sealed at rest (secrets.go). Only
// the platform (the poller and the OAuth callback) uses it.
type TelematicsTokens struct{ db *DB }

var _ volt.TelematicsTokenStore = (*TelematicsTokens)(nil)

// NewTelematicsTokens returns the token store on db.
func NewTelematicsTokens(db *DB) *TelematicsTokens { return &TelematicsTokens{db: db} }

func platformOnly(ctx context.Context) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if !a.SuperAdmin {
		return volt.Errorf(volt.EFORBIDDEN, "Only the platform handles telematics tokens.")
	}
	return nil
}

// LoadTelematicsToken answers a vehicle's tokens, ENOTFOUND when it has
// none.
func (s *TelematicsTokens) LoadTelematicsToken(ctx context.Context, provider, providerVehicleID string) (*volt.TelematicsToken, error) {
	if err := platformOnly(ctx); err != nil {
		return nil, err
	}
	t := &volt.TelematicsToken{}
	var exp sql.NullInt64
	err := s.db.QueryRow(ctx, `SELECT access_token, refresh_token, expires_at FROM telematics_tokens WHERE provider = ? AND provider_vehicle_id = ?`,
		provider, providerVehicleID).Scan(&t.AccessToken, &t.RefreshToken, &exp)
	if err != nil {
		return nil, notFound(err, "Telematics token of vehicle", providerVehicleID)
	}
	if t.AccessToken, err = s.db.openText(t.AccessToken, telematicsTokenAAD("access_token", provider, providerVehicleID)); err != nil {
		return nil, err
	}
	if t.RefreshToken, err = s.db.openText(t.RefreshToken, telematicsTokenAAD("refresh_token", provider, providerVehicleID)); err != nil {
		return nil, err
	}
	if exp.Valid {
		t.Expiry = fromMS(exp.Int64)
	}
	return t, nil
}

// SaveTelematicsToken stores (or replaces) a vehicle's tokens.
func (s *TelematicsTokens) SaveTelematicsToken(ctx context.Context, provider, providerVehicleID string, t *volt.TelematicsToken) error {
	if err := platformOnly(ctx); err != nil {
		return err
	}
	var exp any
	if !t.Expiry.IsZero() {
		exp = toMS(t.Expiry)
	}
	_, err := s.db.Exec(ctx, `INSERT INTO telematics_tokens (provider, provider_vehicle_id, access_token, refresh_token, expires_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (provider, provider_vehicle_id) DO UPDATE SET access_token = excluded.access_token,
		refresh_token = excluded.refresh_token, expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
		provider, providerVehicleID, s.db.sealText(t.AccessToken, telematicsTokenAAD("access_token", provider, providerVehicleID)),
		s.db.sealText(t.RefreshToken, telematicsTokenAAD("refresh_token", provider, providerVehicleID)), exp, toMS(s.db.Now()))
	if err != nil {
		return fmt.Errorf("save telematics token of %s: %w", providerVehicleID, err)
	}
	return nil
}
