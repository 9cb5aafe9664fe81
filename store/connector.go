package store

import (
	"context"
	"fmt"

	"github.com/volt-ev/volt"
)

const connectorCols = `cpid, connector_id, type, power_type, format, max_power_w, max_current_a, max_voltage_v,
	status, error_code, info, vendor_error, status_at`

func scanConnector(s rowScanner) (*volt.Connector, error) {
	var k volt.Connector
	var typ, power, format, status string
	var at int64
	if err := s.Scan(&k.CPID, &k.ConnectorID, &typ, &power, &format, &k.MaxPowerW, &k.MaxCurrentA, &k.MaxVoltageV,
		&status, &k.ErrorCode, &k.Info, &k.VendorError, &at); err != nil {
		return nil, err
	}
	k.Type, k.PowerType, k.Format = volt.ConnectorType(typ), volt.PowerType(power), volt.ConnectorFormat(format)
	k.Status, k.StatusAt = volt.ConnectorStatus(status), fromMS(at)
	return &k, nil
}

// UpdateConnector changes a connector's facts on a charger the actor may
// write: the update is applied to the stored connector and validated as a
// whole (volt.Connector.Apply), so a partial change cannot leave a CCS
// connector on AC.
func (s *ChargerService) UpdateConnector(ctx context.Context, cpid string, connectorID int, u volt.ConnectorUpdate) (*volt.Connector, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	var out *volt.Connector
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		ch, err := findCharger(ctx, tx, a, "cpid", cpid)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, ch.Ref()) {
			return forbidden("charger")
		}
		var k *volt.Connector
		for i := range ch.Connectors {
			if ch.Connectors[i].ConnectorID == connectorID {
				k = &ch.Connectors[i]
			}
		}
		if k == nil || connectorID < 1 {
			return volt.Errorf(volt.ENOTFOUND, "Charger %s has no connector %d.", cpid, connectorID)
		}
		if err := k.Apply(u); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE connectors SET type = ?, power_type = ?, format = ?, max_power_w = ?, max_current_a = ?, max_voltage_v = ?
			WHERE cpid = ? AND connector_id = ?`,
			string(k.Type), string(k.PowerType), string(k.Format), k.MaxPowerW, k.MaxCurrentA, k.MaxVoltageV, cpid, connectorID); err != nil {
			return fmt.Errorf("update connector %s/%d: %w", cpid, connectorID, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE chargers SET updated_at = ? WHERE cpid = ?`, tx.NowMS(), cpid); err != nil {
			return fmt.Errorf("update connector %s/%d: %w", cpid, connectorID, err)
		}
		out = k
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
