package store

import (
	"context"
	"fmt"
	"time"

	"github.com/volt-ev/volt"
)

// RoamingSessionsOf pages the sessions a partner's tokens had on the CPO's
// chargers, updated in [from, to) (zero ends open), oldest update first,
// with their total: the partner's Sessions pull (issue 14).
func (s *OCPIService) RoamingSessionsOf(ctx context.Context, partnerID string, from, to time.Time, offset, limit int) ([]volt.RoamingSession, int, error) {
	w := &where{}
	w.add("t.partner_id = ?", partnerID)
	w.add("x.user_id = ''")
	w.add("x.auth_status = ?", string(volt.AuthAccepted))
	if !from.IsZero() {
		w.add("x.updated_at >= ?", toMS(from))
	}
	if !to.IsZero() {
		w.add("x.updated_at < ?", toMS(to))
	}
	tail := ` FROM sessions x JOIN ocpi_tokens t ON t.cpo_id = x.cpo_id AND t.uid_norm = upper(x.id_tag) WHERE ` + w.String()
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*)`+tail, w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("roaming sessions of %s: %w", partnerID, err)
	}
	rows, err := s.db.Query(ctx, `SELECT `+prefixCols("x.", sessionCols)+`, t.partner_id`+tail+` ORDER BY x.updated_at, x.id LIMIT ? OFFSET ?`,
		append(w.args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("roaming sessions of %s: %w", partnerID, err)
	}
	defer rows.Close()
	out := []volt.RoamingSession{}
	for rows.Next() {
		var rs volt.RoamingSession
		r, err := scanSession(withExtra{rowScanner: rows, extra: &rs.PartnerID})
		if err != nil {
			return nil, 0, fmt.Errorf("roaming sessions of %s: %w", partnerID, err)
		}
		rs.Session = &r.Session
		out = append(out, rs)
	}
	return out, total, rows.Err()
}
