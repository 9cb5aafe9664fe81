package store

import (
	"context"
	"fmt"
	"strconv"
)

// convertMeterSamples is the Go part of migration 0008: it moves the rows of
// meter_samples (one per sampled value) into meter_values (one per
// MeterValue), with the register reading parsed exactly as on the way in,
// then drops meter_samples and meter_messages. It works one charger at a
// time so that memory stays bounded by one charger's samples.
func convertMeterSamples(ctx context.Context, tx *Tx) error {
	cpids, err := distinctSampleChargers(ctx, tx)
	if err != nil {
		return err
	}
	for i, cpid := range cpids {
		if err := convertChargerSamples(ctx, tx, cpid, i); err != nil {
			return fmt.Errorf("convert meter samples of %s: %w", cpid, err)
		}
	}
	for _, stmt := range []string{`DROP TABLE meter_samples`, `DROP TABLE meter_messages`} {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}

func distinctSampleChargers(ctx context.Context, tx *Tx) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT cpid FROM meter_samples ORDER BY cpid`)
	if err != nil {
		return nil, fmt.Errorf("chargers with meter samples: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("chargers with meter samples: %w", mapError(err))
		}
		out = append(out, c)
	}
	return out, mapError(rows.Err())
}

// sampleGroup is the key of the old rows that become one meter_values row.
type sampleGroup struct {
	sessionID   string
	connectorID int
	txID        int64
	at          int64
}

func convertChargerSamples(ctx context.Context, tx *Tx, cpid string, n int) error {
	// Values linked to a session are filed under its transaction, as on
	// the way in (they may have come without a transactionId).
	rows, err := tx.Query(ctx, `SELECT m.session_id, m.connector_id, COALESCE(m.transaction_id, s.transaction_id, 0), m.sampled_at,
		m.measurand, m.phase, m.location, m.context, m.unit, m.format, m.value
		FROM meter_samples m LEFT JOIN sessions s ON s.id = m.session_id AND m.session_id <> ''
		WHERE m.cpid = ? ORDER BY m.connector_id, m.session_id, m.sampled_at`, cpid)
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	var keys []sampleGroup
	groups := map[sampleGroup]*meterElement{}
	for rows.Next() {
		var k sampleGroup
		var smp storedSample
		if err := rows.Scan(&k.sessionID, &k.connectorID, &k.txID, &k.at,
			&smp.Measurand, &smp.Phase, &smp.Location, &smp.Context, &smp.Unit, &smp.Format, &smp.Value); err != nil {
			rows.Close()
			return fmt.Errorf("read: %w", mapError(err))
		}
		e := groups[k]
		if e == nil {
			e = &meterElement{at: k.at}
			groups[k] = e
			keys = append(keys, k)
		}
		e.add(smp)
	}
	rows.Close()
	if err := mapError(rows.Err()); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	// Converted rows carry a digest of their own ("0008:" and a sequence per
	// charger): the old digests were of whole messages, and resends of
	// messages stored before the upgrade are long past.
	for i, k := range keys {
		digest := "0008:" + strconv.Itoa(n) + ":" + strconv.Itoa(i)
		if _, err := insertMeterValues(ctx, tx, nil, cpid, k.txID, digest, k.sessionID, k.connectorID,
			[]meterElement{*groups[k]}); err != nil {
			return err
		}
	}
	return nil
}
