package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/volt-ev/volt"
)

// The device model of OCPP 2.x chargers (volt.DeviceModelService), in
// charger_device_model (migration 0016).

const deviceModelRowsPerInsert = 200 // 15 parameters a row, under the engines' limits

// RecordDeviceModel merges attributes into a charger's device model. An
// attribute with a mutability (from NotifyReport) replaces every stored
// field; one without (a GetVariables or SetVariables result) only its value.
// Like the configuration, it commits without waiting for an fsync on
// PostgreSQL: the charger reports it again.
func (s *ChargingService) RecordDeviceModel(ctx context.Context, cpid string, vars []volt.DeviceVariable) error {
	if len(vars) == 0 {
		return nil
	}
	var full, values []volt.DeviceVariable
	for _, v := range vars {
		if v.Mutability != "" {
			full = append(full, v)
		} else {
			values = append(values, v)
		}
	}
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		if err := tx.Lazy(ctx); err != nil {
			return err
		}
		if _, err := lockCharger(ctx, tx, cpid); err != nil {
			return err
		}
		if err := upsertDeviceModel(ctx, tx, cpid, full, `value = excluded.value, mutability = excluded.mutability,
			persistent = excluded.persistent, constant = excluded.constant, data_type = excluded.data_type,
			unit = excluded.unit, updated_at = excluded.updated_at`); err != nil {
			return err
		}
		return upsertDeviceModel(ctx, tx, cpid, values, `value = excluded.value, updated_at = excluded.updated_at`)
	})
	if err != nil {
		return fmt.Errorf("record device model of %s: %w", cpid, err)
	}
	return nil
}

func upsertDeviceModel(ctx context.Context, tx *Tx, cpid string, vars []volt.DeviceVariable, set string) error {
	for len(vars) > 0 {
		n := min(len(vars), deviceModelRowsPerInsert)
		args := make([]any, 0, 15*n)
		for _, v := range vars[:n] {
			var value any
			if v.Value != nil {
				value = *v.Value
			}
			args = append(args, cpid, v.Component, v.ComponentInstance, intOr(v.EVSEID, -1), intOr(v.ConnectorID, -1),
				v.Variable, v.VariableInstance, attributeType(v.AttributeType), value, v.Mutability, v.Persistent, v.Constant,
				v.DataType, v.Unit, tx.NowMS())
		}
		q := `INSERT INTO charger_device_model (cpid, component, component_instance, evse_id, connector_id, variable,
			variable_instance, attribute_type, value, mutability, persistent, constant, data_type, unit, updated_at) VALUES ` +
			valuesRows(n, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)") + `
			ON CONFLICT (cpid, component, component_instance, evse_id, connector_id, variable, variable_instance, attribute_type)
			DO UPDATE SET ` + set
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return err
		}
		vars = vars[n:]
	}
	return nil
}

// attributeType is the attribute's type, Actual when absent (OCPP 2.0.1
// AttributeEnumType's default).
func attributeType(t string) string {
	if t == "" {
		return "Actual"
	}
	return t
}

func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

// FindDeviceModel returns a charger's device model if the actor may see the
// charger (ENOTFOUND otherwise).
func (s *ChargingService) FindDeviceModel(ctx context.Context, cpid string) ([]volt.DeviceVariable, error) {
	if err := s.canReadCharger(ctx, cpid); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT component, component_instance, evse_id, connector_id, variable, variable_instance,
		attribute_type, value, mutability, persistent, constant, data_type, unit, updated_at
		FROM charger_device_model WHERE cpid = ?
		ORDER BY component, component_instance, evse_id, connector_id, variable, variable_instance, attribute_type`, cpid)
	if err != nil {
		return nil, fmt.Errorf("find device model of %s: %w", cpid, err)
	}
	defer rows.Close()
	out := []volt.DeviceVariable{}
	for rows.Next() {
		var (
			v          volt.DeviceVariable
			evse, conn int
			value      sql.NullString
			updated    int64
		)
		if err := rows.Scan(&v.Component, &v.ComponentInstance, &evse, &conn, &v.Variable, &v.VariableInstance,
			&v.AttributeType, &value, &v.Mutability, &v.Persistent, &v.Constant, &v.DataType, &v.Unit, &updated); err != nil {
			return nil, fmt.Errorf("scan device model of %s: %w", cpid, mapError(err))
		}
		if evse >= 0 {
			v.EVSEID = &evse
		}
		if conn >= 0 {
			v.ConnectorID = &conn
		}
		if value.Valid {
			v.Value = &value.String
		}
		v.UpdatedAt = fromMS(updated)
		out = append(out, v)
	}
	return out, mapError(rows.Err())
}
