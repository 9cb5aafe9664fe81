package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/volt-ev/volt"
)

// measurandExportRegister is the register of energy given back to the grid
// (V2X, OCPP 2.1; issue 15).
const measurandExportRegister = "Energy.Active.Export.Register"

// exportedWh returns the energy a session's car gave back: the highest
// whole-meter Energy.Active.Export.Register reading of its meter values
// less the first one (by time), 0 without two readings. Energy given back
// before the first export reading is not counted, so a driver is never
// credited for more than the meter shows (a 2.1 station reports the
// register at Transaction.Begin). Read at every MeterValues message with
// an export reading (liveExport) and when the session completes.
func exportedWh(ctx context.Context, tx *Tx, sess *volt.Session) (int64, error) {
	rows, err := tx.Query(ctx, `SELECT samples FROM meter_values
		WHERE cpid = ? AND transaction_id = ? AND sampled_at >= ? AND session_id = ? AND samples LIKE ?
		ORDER BY sampled_at, seq`, sess.CPID, sess.TransactionID, toMS(sess.StartedAt), sess.ID, "%"+measurandExportRegister+"%")
	if err != nil {
		return 0, fmt.Errorf("exported energy of session %s: %w", sess.ID, mapError(err))
	}
	defer rows.Close()
	var first, high int64
	found := false
	for rows.Next() {
		var js string
		if err := rows.Scan(&js); err != nil {
			return 0, fmt.Errorf("exported energy of session %s: %w", sess.ID, mapError(err))
		}
		var samples []storedSample
		if err := decodeJSON(js, &samples); err != nil {
			return 0, fmt.Errorf("exported energy of session %s: %w", sess.ID, err)
		}
		for _, smp := range samples {
			if smp.Measurand != measurandExportRegister || smp.Phase != "" || smp.Location == "EV" ||
				(smp.Format != "" && !strings.EqualFold(smp.Format, "Raw")) {
				continue
			}
			wh, err := energyWh(smp.Value, smp.Unit)
			if err != nil || wh < 0 {
				continue
			}
			if !found {
				first, high, found = wh, wh, true
			}
			high = max(high, wh)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("exported energy of session %s: %w", sess.ID, mapError(err))
	}
	return high - first, nil
}

// hasExportRegister reports whether samples carry a whole-meter export
// register reading (the only ones exportedWh counts).
func hasExportRegister(samples []volt.MeterSample) bool {
	for _, smp := range samples {
		if smp.Measurand == measurandExportRegister && smp.Phase == "" && smp.Location != "EV" {
			return true
		}
	}
	return false
}

// liveExport brings the session's exported energy up to date after a
// MeterValues message with an export register reading was stored in tx
// (issue 15: the live cost credits it at every reading, exactly as the CDR
// of a stop at that reading would) and reports whether it changed. The
// same exportedWh the CDR uses, over the readings stored so far, so live
// and final cannot disagree. Only messages with an export reading pay
// for the read: sessions without V2X cost nothing more.
func (s *ChargingService) liveExport(ctx context.Context, tx *Tx, sess *sessionRow, samples []volt.MeterSample) (bool, error) {
	if !hasExportRegister(samples) {
		return false, nil
	}
	wh, err := exportedWh(ctx, tx, &sess.Session)
	if err != nil {
		return false, err
	}
	if wh == sess.ExportedWh {
		return false, nil
	}
	sess.ExportedWh = wh
	if _, err := tx.Exec(ctx, `UPDATE sessions SET exported_wh = ? WHERE id = ?`, wh, sess.ID); err != nil {
		return false, fmt.Errorf("exported energy of session %s: %w", sess.ID, mapError(err))
	}
	return true, nil
}
