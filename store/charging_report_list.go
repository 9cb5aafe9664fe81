package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/volt-ev/volt"
)

var _ volt.ChargingReportLister = (*ChargingService)(nil)

// ListChargingReports pages the charger's reports, newest first, of one
// kind when kind is not "", with the total before paging, for an actor who
// may read the charger (issue #13).
func (s *ChargingService) ListChargingReports(ctx context.Context, cpid, kind string, p volt.Page) ([]*volt.ChargingReport, int, error) {
	if err := s.canReadCharger(ctx, cpid); err != nil {
		return nil, 0, err
	}
	p = p.Normalize()
	var total int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM charger_charging_reports WHERE cpid = ? AND (? = '' OR kind = ?)`,
		cpid, kind, kind).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count charging reports of %s: %w", cpid, mapError(err))
	}
	rows, err := s.db.Query(ctx, `SELECT id, cpid, evse_id, kind, request_id, payload, received_at FROM charger_charging_reports
		WHERE cpid = ? AND (? = '' OR kind = ?) ORDER BY received_at DESC, id DESC LIMIT ? OFFSET ?`, cpid, kind, kind, p.Limit, p.Offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list charging reports of %s: %w", cpid, mapError(err))
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
			return nil, 0, fmt.Errorf("scan charging report of %s: %w", cpid, mapError(err))
		}
		if reqID.Valid {
			v := int(reqID.Int64)
			r.RequestID = &v
		}
		r.Payload, r.ReceivedAt = json.RawMessage(payload), fromMS(at)
		out = append(out, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list charging reports of %s: %w", cpid, mapError(err))
	}
	return out, total, nil
}
