package audit

import (
	"context"
	"encoding/json"
	"time"

	"github.com/volt-ev/volt"
)

// credentials audits a volt.ChargerCredentialService: chosen passwords
// ("charger.set-password"), the rotations the charger accepted
// ("charger.rotate-password") and imports ("charger.import"). Passwords
// never reach the log.
type credentials struct {
	volt.ChargerCredentialService
	chargers volt.ChargerService
	r        *Recorder
}

// WrapCredentials returns next with its changes recorded; chargers reads the
// charger before and after (its password hash is hidden from JSON).
func WrapCredentials(next volt.ChargerCredentialService, chargers volt.ChargerService, r *Recorder) volt.ChargerCredentialService {
	return &credentials{ChargerCredentialService: next, chargers: chargers, r: r}
}

func (c *credentials) tracked() tracked[*volt.Charger] {
	return tracked[*volt.Charger]{typ: volt.ResourceCharger, find: c.chargers.FindChargerByCPID, place: (*volt.Charger).Ref}
}

// SetChargerPassword sets and records "charger.set-password".
func (c *credentials) SetChargerPassword(ctx context.Context, cpid, password string) error {
	return run(ctx, c.r, c.tracked(), mutation{action: "charger.set-password", id: cpid, call: func() (string, error) {
		return idIf(cpid, c.ChargerCredentialService.SetChargerPassword(ctx, cpid, password))
	}})
}

// FinishPasswordRotation finishes and records "charger.rotate-password"
// with whether the charger accepted.
func (c *credentials) FinishPasswordRotation(ctx context.Context, cpid, id string, accepted bool, grace time.Duration) (*time.Time, error) {
	var until *time.Time
	err := run(ctx, c.r, c.tracked(), mutation{action: "charger.rotate-password", id: cpid,
		details: map[string]bool{"accepted": accepted}, call: func() (string, error) {
			var err error
			until, err = c.ChargerCredentialService.FinishPasswordRotation(ctx, cpid, id, accepted, grace)
			return idIf(cpid, err)
		}})
	return until, err
}

// ImportChargers imports and records one "charger.import" entry naming the
// chargers created.
func (c *credentials) ImportChargers(ctx context.Context, rows []volt.ChargerImportRow) ([]*volt.ChargerCredentials, error) {
	creds, err := c.ChargerCredentialService.ImportChargers(ctx, rows)
	e := &volt.AuditEntry{Action: "charger.import", ResourceType: volt.ResourceCharger}
	cpids := make([]string, 0, len(creds))
	for _, cr := range creds {
		cpids = append(cpids, cr.CPID)
	}
	e.Details, _ = json.Marshal(map[string]any{"rows": len(rows), "cpids": cpids})
	e.SetResult(err)
	c.r.Record(ctx, e)
	return creds, err
}
