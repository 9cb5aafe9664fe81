package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/volt-ev/volt"
)

// DriverTokensOf returns the cards and app tokens (APP_USER) of the
// drivers of a partner's CPO (as eMSP, Volt pushes them to the partner
// CPO) with the state last sent and whether the driver owes a roaming
// debt; a token deleted since it was sent (a
// card removed, an account closed) comes back with Deleted set.
func (s *OCPIService) DriverTokensOf(ctx context.Context, partnerID string) ([]volt.DriverToken, error) {
	rows, err := s.db.Query(ctx, `SELECT c.id, c.uid, 'RFID', c.blocked, c.expires_at, u.disabled, COALESCE(t.state, ''),
		COALESCE((SELECT v.fleet_id FROM vehicles v WHERE v.driver_id = u.id AND v.cpo_id = p.cpo_id AND v.deleted_at IS NULL
			ORDER BY v.created_at, v.id LIMIT 1), ''),
		CASE WHEN c.roaming_whitelist <> '' THEN c.roaming_whitelist ELSE u.roaming_whitelist END,
		`+fleetLimited("p.cpo_id")+`, `+roamingDebtOf("u.id")+`
		FROM ocpi_partners p JOIN users u ON u.cpo_id = p.cpo_id JOIN rfid_cards c ON c.user_id = u.id
		LEFT JOIN ocpi_tokens_sent t ON t.partner_id = p.id AND t.uid = c.uid
		WHERE p.id = ?
		UNION ALL SELECT a.user_id, a.uid, 'APP_USER', FALSE, NULL, u.disabled, COALESCE(t.state, ''),
		COALESCE((SELECT v.fleet_id FROM vehicles v WHERE v.driver_id = u.id AND v.cpo_id = p.cpo_id AND v.deleted_at IS NULL
			ORDER BY v.created_at, v.id LIMIT 1), ''),
		u.roaming_whitelist,
		`+fleetLimited("p.cpo_id")+`, `+roamingDebtOf("u.id")+`
		FROM ocpi_partners p JOIN users u ON u.cpo_id = p.cpo_id JOIN ocpi_app_tokens a ON a.user_id = u.id
		LEFT JOIN ocpi_tokens_sent t ON t.partner_id = p.id AND t.uid = a.uid
		WHERE p.id = ? ORDER BY 2`, partnerID, partnerID)
	if err != nil {
		return nil, fmt.Errorf("driver tokens for %s: %w", partnerID, err)
	}
	defer rows.Close()
	var out []volt.DriverToken
	seen := map[string]bool{}
	for rows.Next() {
		var d volt.DriverToken
		var expires sql.NullInt64
		var disabled bool
		var limited bool
		if err := rows.Scan(&d.CardID, &d.UID, &d.Type, &d.Blocked, &expires, &disabled, &d.SentState, &d.GroupID, &d.Whitelist, &limited, &d.Debt); err != nil {
			return nil, fmt.Errorf("driver tokens for %s: %w", partnerID, err)
		}
		if limited { // the fleet pays with a monthly limit: asked before each start (issue 19)
			d.Whitelist = volt.FleetCappedWhitelist(d.Whitelist)
		}
		d.Blocked = d.Blocked || disabled
		d.ExpiresAt = fromNullMS(expires)
		seen[d.UID] = true
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	gone, err := s.db.Query(ctx, `SELECT t.uid, t.state, CASE WHEN a.uid IS NULL THEN 'RFID' ELSE 'APP_USER' END
		FROM ocpi_tokens_sent t LEFT JOIN ocpi_app_tokens a ON a.uid = t.uid WHERE t.partner_id = ?`, partnerID)
	if err != nil {
		return nil, fmt.Errorf("tokens sent to %s: %w", partnerID, err)
	}
	defer gone.Close()
	for gone.Next() {
		var d volt.DriverToken
		if err := gone.Scan(&d.UID, &d.SentState, &d.Type); err != nil {
			return nil, err
		}
		if !seen[d.UID] {
			d.Deleted = true
			out = append(out, d)
		}
	}
	return out, gone.Err()
}

// QueueTokenPush queues a token's new state for the partner and records
// it as sent, in one transaction.
func (s *OCPIService) QueueTokenPush(ctx context.Context, uid, state string, push *volt.OCPIPush) error {
	return s.db.WithTx(ctx, func(tx *Tx) error {
		push.ID = volt.NewID("opu")
		if _, err := tx.Exec(ctx, `INSERT INTO ocpi_pushes (id, partner_id, module, object_id, method, url, body, attempts, next_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`, push.ID, push.PartnerID, push.Module, push.ObjectID, push.Method, push.URL, string(push.Body),
			tx.NowMS(), tx.NowMS()); err != nil {
			return fmt.Errorf("queue token %s: %w", uid, err)
		}
		_, err := tx.Exec(ctx, `INSERT INTO ocpi_tokens_sent (partner_id, uid, state, sent_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (partner_id, uid) DO UPDATE SET state = excluded.state, sent_at = excluded.sent_at`, push.PartnerID, uid, state, tx.NowMS())
		if err != nil {
			return fmt.Errorf("record token %s sent: %w", uid, err)
		}
		return nil
	})
}

// ConnectedOCPIPartners lists every connected partner in a role (the
// system's view, for the sync loops).
func (s *OCPIService) ConnectedOCPIPartners(ctx context.Context, role volt.OCPIRole) ([]*volt.OCPIPartner, error) {
	rows, err := s.db.Query(ctx, `SELECT `+partnerCols+` FROM ocpi_partners WHERE status = ? AND role = ? ORDER BY id`, string(volt.OCPIConnected), string(role))
	if err != nil {
		return nil, fmt.Errorf("connected partners: %w", err)
	}
	defer rows.Close()
	var out []*volt.OCPIPartner
	for rows.Next() {
		p, err := scanPartner(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
