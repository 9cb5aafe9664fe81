package store

import (
	"context"
	"fmt"

	"github.com/volt-ev/volt"
)

// smartChargingInUse returns the name of a charger group of the site whose
// smart charging holds sessions (off-peak default or a random delay), ""
// when none does. Load management applies those holds (lms.SmartHold), so
// while one is set the site's load management cannot be turned off: the
// setting would silently do nothing (SetSmartCharging refuses the other
// order for the same reason).
func smartChargingInUse(ctx context.Context, tx *Tx, siteID string) (string, error) {
	rows, err := tx.Query(ctx, `SELECT s.settings, g.name FROM charger_group_smart_charging s
		JOIN charger_groups g ON g.id = s.charger_group_id WHERE s.site_id = ? ORDER BY g.name`, siteID)
	if err != nil {
		return "", fmt.Errorf("smart charging of site %s: %w", siteID, mapError(err))
	}
	defer rows.Close()
	for rows.Next() {
		var js, name string
		if err := rows.Scan(&js, &name); err != nil {
			return "", fmt.Errorf("smart charging of site %s: %w", siteID, mapError(err))
		}
		var sc volt.SmartCharging
		if err := decodeJSON(js, &sc); err != nil {
			return "", err
		}
		if sc.OffPeakDefault || sc.RandomDelayMaxS > 0 {
			return name, nil
		}
	}
	return "", mapError(rows.Err())
}
