package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/volt-ev/volt"
)

var _ volt.ChargingReportService = (*ChargingService)(nil)

// chargingReportKeep is how long smart-charging reports are kept.
const chargingReportKeep = 31 * 24 * time.Hour

// RecordChargingReport stores a smart-charging report of an OCPP 2.x
// station (the gateway's, as the system) and drops the charger's reports
// older than 31 days. It fills r.ID and, when zero, r.ReceivedAt.
func (s *ChargingService) RecordChargingReport(ctx context.Context, r *volt.ChargingReport) error {
	if a := volt.ActorFromContext(ctx); a == nil || !a.System {
		return volt.Errorf(volt.EFORBIDDEN, "Only the gateway records charging reports.")
	}
	if !json.Valid(r.Payload) {
		return volt.Errorf(volt.EINVALID, "Charging report payload is not JSON.")
	}
	r.ID = volt.NewID("ccr")
	var reqID any
	if r.RequestID != nil {
		reqID = *r.RequestID
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		if err := tx.Lazy(ctx); err != nil {
			return err
		}
		if r.ReceivedAt.IsZero() {
			r.ReceivedAt = tx.Now()
		}
		if _, err := tx.Exec(ctx, `INSERT INTO charger_charging_reports (id, cpid, evse_id, kind, request_id, payload, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, r.ID, r.CPID, r.EVSEID, r.Kind, reqID, string(r.Payload), toMS(r.ReceivedAt)); err != nil {
			return fmt.Errorf("record %s of %s: %w", r.Kind, r.CPID, mapError(err))
		}
		if _, err := tx.Exec(ctx, `DELETE FROM charger_charging_reports WHERE cpid = ? AND received_at < ?`,
			r.CPID, toMS(r.ReceivedAt.Add(-chargingReportKeep))); err != nil {
			return fmt.Errorf("prune charging reports of %s: %w", r.CPID, mapError(err))
		}
		return nil
	})
}

// FindChargingReports returns a charger's smart-charging reports, newest
// first, of kind when set, at most limit (default and at most 100).
func (s *ChargingService) FindChargingReports(ctx context.Context, cpid, kind string, limit int) ([]*volt.ChargingReport, error) {
	if err := s.canReadCharger(ctx, cpid); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	rows, err := s.db.Query(ctx, `SELECT id, cpid, evse_id, kind, request_id, payload, received_at FROM charger_charging_reports
		WHERE cpid = ? AND (? = '' OR kind = ?) ORDER BY received_at DESC, id DESC LIMIT ?`, cpid, kind, kind, limit)
	if err != nil {
		return nil, fmt.Errorf("find charging reports of %s: %w", cpid, mapError(err))
	}
	defer rows.Close()
	out := []*volt.ChargingReport{}
	for rows.Next() {
		var (
			r       volt.ChargingReport
			reqID   sql.NullInt64
			payload string
			at      int64
		)
		if err := rows.Scan(&r.ID, &r.CPID, &r.EVSEID, &r.Kind, &reqID, &payload, &at); err != nil {
			return nil, fmt.Errorf("scan charging report of %s: %w", cpid, mapError(err))
		}
		if reqID.Valid {
			v := int(reqID.Int64)
			r.RequestID = &v
		}
		r.Payload, r.ReceivedAt = json.RawMessage(payload), fromMS(at)
		out = append(out, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find charging reports of %s: %w", cpid, mapError(err))
	}
	return out, nil
}
