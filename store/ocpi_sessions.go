package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/volt-ev/volt"
)

// RoamingSessionsToPush returns the sessions on the CPOs' chargers that a
// partner's token started, active or stopped since then, with the state
// last pushed to the partner.
func (s *OCPIService) RoamingSessionsToPush(ctx context.Context, since time.Time, limit int) ([]volt.RoamingSession, error) {
	rows, err := s.db.Query(ctx, `SELECT `+prefixCols("x.", sessionCols)+`, t.partner_id, COALESCE(o.state, ''), o.sent_at
		FROM sessions x JOIN ocpi_tokens t ON t.cpo_id = x.cpo_id AND t.uid_norm = upper(x.id_tag)
		JOIN ocpi_partners p ON p.id = t.partner_id AND p.status = ?
		LEFT JOIN ocpi_sessions_sent o ON o.session_id = x.id
		WHERE x.user_id = '' AND x.auth_status = ? AND (x.status = ? OR x.stopped_at >= ?) ORDER BY x.started_at LIMIT ?`,
		string(volt.OCPIConnected), string(volt.AuthAccepted), string(volt.SessionActive), toMS(since), limit)
	if err != nil {
		return nil, fmt.Errorf("roaming sessions: %w", err)
	}
	defer rows.Close()
	var out []volt.RoamingSession
	for rows.Next() {
		var rs volt.RoamingSession
		var sent sql.NullInt64
		r, err := scanSession(withExtra{rowScanner: rows, extra: &rs.PartnerID, more: []any{&rs.SentState, &sent}})
		if err != nil {
			return nil, fmt.Errorf("roaming sessions: %w", err)
		}
		rs.Session, rs.SentAt = &r.Session, fromNullMS(sent)
		out = append(out, rs)
	}
	return out, rows.Err()
}

// QueueSessionPush queues a session's state for its partner and records
// it as sent, in one transaction.
func (s *OCPIService) QueueSessionPush(ctx context.Context, sessionID, state string, push *volt.OCPIPush) error {
	return s.db.WithTx(ctx, func(tx *Tx) error {
		push.ID = volt.NewID("opu")
		if _, err := tx.Exec(ctx, `INSERT INTO ocpi_pushes (id, partner_id, module, object_id, method, url, body, attempts, next_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`, push.ID, push.PartnerID, push.Module, push.ObjectID, push.Method, push.URL, string(push.Body),
			tx.NowMS(), tx.NowMS()); err != nil {
			return fmt.Errorf("queue session %s: %w", sessionID, err)
		}
		_, err := tx.Exec(ctx, `INSERT INTO ocpi_sessions_sent (session_id, partner_id, state, sent_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (session_id) DO UPDATE SET state = excluded.state, sent_at = excluded.sent_at`, sessionID, push.PartnerID, state, tx.NowMS())
		if err != nil {
			return fmt.Errorf("record session %s sent: %w", sessionID, err)
		}
		return nil
	})
}
