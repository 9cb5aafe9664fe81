package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/volt-ev/volt"
)

// The profiles roaming eMSPs set on sessions (OCPI ChargingProfiles,
// volt.SessionProfileStore). They are read by the OCPI side (as the
// partner it checked) and the load management loop (as the system): no
// actor scope here.

var _ volt.SessionProfileStore = (*OCPIService)(nil)

// PutSessionProfile sets or replaces a session's profile.
func (s *OCPIService) PutSessionProfile(ctx context.Context, p *volt.SessionProfile) error {
	periods, err := json.Marshal(p.Periods)
	if err != nil {
		return fmt.Errorf("encode profile of session %s: %w", p.SessionID, err)
	}
	var start int64
	if p.StartAt != nil {
		start = toMS(*p.StartAt)
	}
	if p.SetAt.IsZero() {
		p.SetAt = s.db.Now()
	}
	if _, err := s.db.Exec(ctx, `INSERT INTO ocpi_charging_profiles (session_id, partner_id, cpo_id, unit, start_at, duration_s, periods, set_at, to_party)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET partner_id = excluded.partner_id, cpo_id = excluded.cpo_id,
		unit = excluded.unit, start_at = excluded.start_at, duration_s = excluded.duration_s, periods = excluded.periods, set_at = excluded.set_at,
		to_party = excluded.to_party`,
		p.SessionID, p.PartnerID, p.CPOID, p.Unit, start, p.DurationS, string(periods), toMS(p.SetAt), p.Party); err != nil {
		return fmt.Errorf("put profile of session %s: %w", p.SessionID, mapError(err))
	}
	// The profiles of the CPO's sessions that have ended are of no more
	// use (the loop reads active sessions'): pruned as new ones come.
	if _, err := s.db.Exec(ctx, `DELETE FROM ocpi_charging_profiles WHERE cpo_id = ? AND session_id IN
		(SELECT id FROM sessions WHERE cpo_id = ? AND status <> 'active')`, p.CPOID, p.CPOID); err != nil {
		return fmt.Errorf("prune profiles of ended sessions: %w", err)
	}
	return nil
}

const sessionProfileCols = `session_id, partner_id, cpo_id, unit, start_at, duration_s, periods, set_at, to_party`

func scanSessionProfile(sc interface{ Scan(...any) error }) (*volt.SessionProfile, error) {
	var p volt.SessionProfile
	var start, setAt int64
	var periods string
	if err := sc.Scan(&p.SessionID, &p.PartnerID, &p.CPOID, &p.Unit, &start, &p.DurationS, &periods, &setAt, &p.Party); err != nil {
		return nil, err
	}
	if start != 0 {
		t := fromMS(start)
		p.StartAt = &t
	}
	p.SetAt = fromMS(setAt)
	if err := json.Unmarshal([]byte(periods), &p.Periods); err != nil {
		return nil, fmt.Errorf("periods of session %s: %w", p.SessionID, err)
	}
	return &p, nil
}

// FindSessionProfile reads a session's profile (ENOTFOUND: none).
func (s *OCPIService) FindSessionProfile(ctx context.Context, sessionID string) (*volt.SessionProfile, error) {
	p, err := scanSessionProfile(s.db.QueryRow(ctx, `SELECT `+sessionProfileCols+` FROM ocpi_charging_profiles WHERE session_id = ?`, sessionID))
	if err != nil {
		return nil, notFound(err, "Charging profile of session", sessionID)
	}
	return p, nil
}

// DeleteSessionProfile clears a session's profile; false when it had none.
func (s *OCPIService) DeleteSessionProfile(ctx context.Context, sessionID string) (bool, error) {
	res, err := s.db.Exec(ctx, `DELETE FROM ocpi_charging_profiles WHERE session_id = ?`, sessionID)
	if err != nil {
		return false, fmt.Errorf("clear profile of session %s: %w", sessionID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("clear profile of session %s: %w", sessionID, err)
	}
	return n > 0, nil
}

// sessionProfileChunk bounds the ids of one query.
const sessionProfileChunk = 200

// SessionProfiles returns the profiles of those sessions that have one.
func (s *OCPIService) SessionProfiles(ctx context.Context, sessionIDs []string) (map[string]*volt.SessionProfile, error) {
	out := map[string]*volt.SessionProfile{}
	for len(sessionIDs) > 0 {
		n := min(len(sessionIDs), sessionProfileChunk)
		ids := sessionIDs[:n]
		sessionIDs = sessionIDs[n:]
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		rows, err := s.db.Query(ctx, `SELECT `+sessionProfileCols+` FROM ocpi_charging_profiles WHERE session_id IN (?`+
			strings.Repeat(", ?", len(ids)-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("profiles of sessions: %w", err)
		}
		for rows.Next() {
			p, err := scanSessionProfile(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("profiles of sessions: %w", err)
			}
			out[p.SessionID] = p
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("profiles of sessions: %w", err)
		}
	}
	return out, nil
}

// QueueCoalescedPushTo queues one push as QueueCoalescedPushes does (it
// replaces the pending one of the same partner, module and object) for
// the party p.To behind the partner: a session's ActiveChargingProfile
// for the party a hub routed its profile from.
func (s *OCPIService) QueueCoalescedPushTo(ctx context.Context, p *volt.OCPIPush) error {
	p.ID = volt.NewID("opu")
	now := toMS(s.db.Now())
	if err := s.db.WithTx(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO ocpi_pushes (id, partner_id, module, object_id, method, url, body, attempts, next_at, created_at, coalesce_key, to_party)
			VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?) ON CONFLICT (coalesce_key) WHERE coalesce_key <> '' DO UPDATE SET id = excluded.id,
			method = excluded.method, url = excluded.url, body = excluded.body, to_party = excluded.to_party
			WHERE ocpi_pushes.body <> excluded.body OR ocpi_pushes.url <> excluded.url OR ocpi_pushes.method <> excluded.method
			OR ocpi_pushes.to_party <> excluded.to_party`,
			p.ID, p.PartnerID, p.Module, p.ObjectID, p.Method, p.URL, string(p.Body), now, now, coalesceKey(p), p.To)
		return err
	}); err != nil {
		return fmt.Errorf("queue %s %s for %s: %w", p.Module, p.ObjectID, p.PartnerID, mapError(err))
	}
	return nil
}
