package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/volt-ev/volt"
)

// ocpiPushClaimLock serialises claims of the push queue on PostgreSQL, so
// that a partner's pushes are claimed by one node at a time.
const ocpiPushClaimLock = 0x6f637069 // "ocpi"

// ClaimOCPIPushes claims up to limit pushes due at now for holder until
// now+lease, oldest first, and returns them: no other holder gets them
// while the claim lasts, and an expired claim (its node died) is taken
// over. A partner whose pushes another holder has claimed is skipped
// altogether, so each partner's pushes keep their order across nodes.
// Statements of claimRows, each in a transaction serialised by an
// advisory lock on PostgreSQL (SQLite has one writer anyway); the same
// code on both engines.
func (s *OCPIService) ClaimOCPIPushes(ctx context.Context, holder string, now time.Time, lease time.Duration, limit int) ([]*volt.OCPIPush, error) {
	// In statements of claimRows: short ones, so an OCPP handler's write
	// waits for at most one of them for SQLite's one writer (issue 14: the
	// OCPP p99 with status pushes). The rows this call claims all end at
	// until, which is how a later statement tells them from older claims
	// of the same holder (taken again, as before).
	until := toMS(now.Add(lease))
	var out []*volt.OCPIPush
	created := map[*volt.OCPIPush]int64{}
	for len(out) < limit {
		n := min(limit-len(out), claimRows)
		got, err := s.claimPushes(ctx, holder, now, until, n, created)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
		if len(got) < n {
			break
		}
	}
	sort.SliceStable(out, func(i, j int) bool { // RETURNING keeps no order
		if !out[i].NextAt.Equal(out[j].NextAt) {
			return out[i].NextAt.Before(out[j].NextAt)
		}
		if created[out[i]] != created[out[j]] {
			return created[out[i]] < created[out[j]]
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// claimRows is how many pushes one statement of ClaimOCPIPushes claims.
const claimRows = 100

func (s *OCPIService) claimPushes(ctx context.Context, holder string, now time.Time, until int64, limit int, created map[*volt.OCPIPush]int64) ([]*volt.OCPIPush, error) {
	var out []*volt.OCPIPush
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		out = out[:0]
		if tx.Dialect() == Postgres {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(ocpiPushClaimLock)); err != nil {
				return fmt.Errorf("lock the OCPI push queue: %w", err)
			}
		}
		at := toMS(now)
		rows, err := tx.Query(ctx, `UPDATE ocpi_pushes SET claimed_by = ?, claimed_until = ?
			WHERE id IN (SELECT id FROM ocpi_pushes
				WHERE next_at <= ? AND (claimed_until <= ? OR (claimed_by = ? AND claimed_until <> ?))
				AND partner_id NOT IN (SELECT partner_id FROM ocpi_pushes WHERE claimed_by <> '' AND claimed_by <> ? AND claimed_until > ?)
				ORDER BY next_at, created_at LIMIT ?)
			RETURNING id, partner_id, module, object_id, method, url, body, attempts, next_at, last_error, created_at, to_party`,
			holder, until, at, at, holder, until, holder, at, limit)
		if err != nil {
			return fmt.Errorf("claim OCPI pushes: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			p := &volt.OCPIPush{}
			var body string
			var next, c int64
			if err := rows.Scan(&p.ID, &p.PartnerID, &p.Module, &p.ObjectID, &p.Method, &p.URL, &body, &p.Attempts, &next, &p.LastError, &c, &p.To); err != nil {
				return fmt.Errorf("claim OCPI pushes: %w", err)
			}
			p.Body, p.NextAt = json.RawMessage(body), fromMS(next)
			created[p] = c
			out = append(out, p)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("claim OCPI pushes: %w", err)
		}
		return nil
	})
	return out, err
}

// ReleaseOCPIPushes ends holder's claims of the pushes still queued (a
// failed one waits for its back-off, not for the claim; a coalesced one
// that took a new body meanwhile is due at once).
func (s *OCPIService) ReleaseOCPIPushes(ctx context.Context, holder string) error {
	if _, err := s.db.Exec(ctx, `UPDATE ocpi_pushes SET claimed_by = '', claimed_until = 0 WHERE claimed_by = ?`, holder); err != nil {
		return fmt.Errorf("release OCPI pushes: %w", err)
	}
	return nil
}
