package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

var _ volt.OCPIStatusFeedStore = (*OCPIService)(nil)

// ChangedConnectors returns the connectors of live chargers whose status
// (connectors.status_changed_at) or charger (chargers.updated_at: online,
// offline) changed after since, ordered by position. Reads only: on
// SQLite it never waits for, nor holds, the one writer. Each connector
// comes once, with its current state, however often it changed.
func (s *OCPIService) ChangedConnectors(ctx context.Context, since int64) ([]volt.OCPIConnectorState, error) {
	const cols = `c.cpid, c.cpo_id, c.site_id, c.charger_group_id, n.connector_id, n.type, n.status, n.status_at, c.online, c.updated_at, n.status_changed_at`
	// Two indexed ranges (ix_connectors_status_changed, ix_chargers_updated)
	// rather than one OR across the two tables, which reads every row.
	rows, err := s.db.Query(ctx, `SELECT `+cols+` FROM connectors n JOIN chargers c ON c.cpid = n.cpid
		WHERE n.status_changed_at > ? AND c.deleted_at IS NULL
		UNION
		SELECT `+cols+` FROM chargers c JOIN connectors n ON n.cpid = c.cpid
		WHERE c.updated_at > ? AND c.deleted_at IS NULL`, since, since)
	if err != nil {
		return nil, fmt.Errorf("connectors changed since %d: %w", since, err)
	}
	defer rows.Close()
	var out []volt.OCPIConnectorState
	for rows.Next() {
		var c volt.OCPIConnectorState
		var typ, status string
		var statusAt, updated, changed int64
		if err := rows.Scan(&c.CPID, &c.CPOID, &c.SiteID, &c.ChargerGroupID, &c.ConnectorID, &typ, &status, &statusAt, &c.Online, &updated, &changed); err != nil {
			return nil, fmt.Errorf("connectors changed since %d: %w", since, mapError(err))
		}
		c.Type, c.Status = volt.ConnectorType(typ), volt.ConnectorStatus(status)
		if statusAt > 0 {
			c.StatusAt = fromMS(statusAt)
		}
		c.ChargerUpdatedAt = fromMS(updated)
		c.Position = max(updated, changed)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("connectors changed since %d: %w", since, mapError(err))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Position != out[j].Position {
			return out[i].Position < out[j].Position
		}
		if out[i].CPID != out[j].CPID {
			return out[i].CPID < out[j].CPID
		}
		return out[i].ConnectorID < out[j].ConnectorID
	})
	return out, nil
}

type statusFeedRow struct {
	volt.OCPIStatusFeed
	claimedBy string
	until     int64
}

func (s *OCPIService) statusFeeds(ctx context.Context, partnerIDs []string) (map[string]statusFeedRow, error) {
	args := make([]any, len(partnerIDs))
	for i, id := range partnerIDs {
		args[i] = id
	}
	rows, err := s.db.Query(ctx, `SELECT partner_id, delivered_through, resync, claimed_by, claimed_until FROM ocpi_status_feeds
		WHERE partner_id IN (?`+strings.Repeat(", ?", len(partnerIDs)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("OCPI status feeds: %w", err)
	}
	defer rows.Close()
	out := map[string]statusFeedRow{}
	for rows.Next() {
		var f statusFeedRow
		if err := rows.Scan(&f.PartnerID, &f.Position, &f.Resync, &f.claimedBy, &f.until); err != nil {
			return nil, fmt.Errorf("OCPI status feeds: %w", mapError(err))
		}
		f.Until = fromMS(f.until)
		out[f.PartnerID] = f
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("OCPI status feeds: %w", mapError(err))
	}
	return out, nil
}

// ClaimOCPIStatusFeeds implements volt.OCPIStatusFeedStore. It reads the
// feeds first and writes only to create a feed or to claim or extend one
// (a node holding its feeds writes once per half lease, not every round).
// A claim is one conditional UPDATE: on PostgreSQL two nodes claiming the
// same expired feed serialise on its row, and the second finds it taken.
func (s *OCPIService) ClaimOCPIStatusFeeds(ctx context.Context, holder string, partnerIDs []string, now time.Time, lease time.Duration) ([]volt.OCPIStatusFeed, error) {
	if len(partnerIDs) == 0 {
		return nil, nil
	}
	ids := append([]string(nil), partnerIDs...)
	sort.Strings(ids) // one row order across nodes
	have, err := s.statusFeeds(ctx, ids)
	if err != nil {
		return nil, err
	}
	nowMS, until, renewAt := toMS(now), toMS(now.Add(lease)), toMS(now.Add(lease/2))
	claimed := false
	for _, id := range ids {
		f, ok := have[id]
		if !ok {
			if _, err := s.db.Exec(ctx, `INSERT INTO ocpi_status_feeds (partner_id) VALUES (?) ON CONFLICT DO NOTHING`, id); err != nil {
				return nil, fmt.Errorf("create the OCPI status feed of %s: %w", id, err)
			}
		} else if f.claimedBy == holder && f.until >= renewAt {
			continue // held long enough: no write
		} else if f.claimedBy != holder && f.claimedBy != "" && f.until > nowMS {
			continue // another node's
		}
		res, err := s.db.Exec(ctx, `UPDATE ocpi_status_feeds SET claimed_by = ?, claimed_until = ?
			WHERE partner_id = ? AND (claimed_by = ? OR claimed_by = '' OR claimed_until <= ?)`, holder, until, id, holder, nowMS)
		if err != nil {
			return nil, fmt.Errorf("claim the OCPI status feed of %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			claimed = true
		}
	}
	if claimed { // what the claims found (a position another node moved)
		if have, err = s.statusFeeds(ctx, ids); err != nil {
			return nil, err
		}
	}
	var out []volt.OCPIStatusFeed
	for _, id := range ids {
		if f, ok := have[id]; ok && f.claimedBy == holder && f.until > nowMS {
			out = append(out, f.OCPIStatusFeed)
		}
	}
	return out, nil
}

// AdvanceOCPIStatusFeed implements volt.OCPIStatusFeedStore: one short
// UPDATE, and only while holder holds the feed and its resync generation
// is still resync (a resync meanwhile is not overwritten).
func (s *OCPIService) AdvanceOCPIStatusFeed(ctx context.Context, holder, partnerID string, resync, position int64, until time.Time) (bool, error) {
	res, err := s.db.Exec(ctx, `UPDATE ocpi_status_feeds SET claimed_until = ?,
		delivered_through = CASE WHEN delivered_through < ? THEN ? ELSE delivered_through END
		WHERE partner_id = ? AND claimed_by = ? AND resync = ?`, toMS(until), position, position, partnerID, holder, resync)
	if err != nil {
		return false, fmt.Errorf("advance the OCPI status feed of %s: %w", partnerID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ReleaseOCPIStatusFeeds implements volt.OCPIStatusFeedStore.
func (s *OCPIService) ReleaseOCPIStatusFeeds(ctx context.Context, holder string) error {
	if _, err := s.db.Exec(ctx, `UPDATE ocpi_status_feeds SET claimed_by = '', claimed_until = 0 WHERE claimed_by = ?`, holder); err != nil {
		return fmt.Errorf("release OCPI status feeds: %w", err)
	}
	return nil
}

// ResyncOCPIStatusFeeds implements volt.OCPIStatusFeedStore.
func (s *OCPIService) ResyncOCPIStatusFeeds(ctx context.Context, partnerIDs []string) error {
	q, args := `UPDATE ocpi_status_feeds SET delivered_through = 0, resync = resync + 1`, []any(nil)
	if partnerIDs != nil {
		if len(partnerIDs) == 0 {
			return nil
		}
		q += ` WHERE partner_id IN (?` + strings.Repeat(", ?", len(partnerIDs)-1) + `)`
		for _, id := range partnerIDs {
			args = append(args, id)
		}
	}
	if _, err := s.db.Exec(ctx, q, args...); err != nil {
		return fmt.Errorf("resync OCPI status feeds: %w", err)
	}
	return nil
}
