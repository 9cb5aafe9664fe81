package volt

import (
	"context"
	"errors"
	"time"
)

// ErrTelematicsNotAuthorized: the vehicle's driver has not authorised Volt
// at its vehicle-data API (or withdrew it); its sessions wait for the
// consent.
var ErrTelematicsNotAuthorized = errors.New("telematics: vehicle not authorised at the provider")

// TelematicsToken is a vehicle's OAuth 2.0 grant at a vehicle-data API
// (issue 19): the driver authorised Volt to read that one vehicle.
type TelematicsToken struct {
	AccessToken  string
	RefreshToken string
	// Expiry is when the access token ends (zero: unknown).
	Expiry time.Time
}

// TelematicsTokenStore keeps each vehicle's tokens by provider and the
// vehicle's id there (the platform only), sealed at rest with the
// platform's secret key. LoadTelematicsToken answers ENOTFOUND when the
// vehicle has not been authorised.
type TelematicsTokenStore interface {
	LoadTelematicsToken(ctx context.Context, provider, providerVehicleID string) (*TelematicsToken, error)
	SaveTelematicsToken(ctx context.Context, provider, providerVehicleID string, t *TelematicsToken) error
}
