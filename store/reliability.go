package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/volt-ev/volt"
)

// ReliabilityService implements volt.ReliabilityService over status_history,
// connection_history and reliability_exclusions.
type ReliabilityService struct {
	db *DB
}

var _ volt.ReliabilityService = (*ReliabilityService)(nil)

// NewReliabilityService returns the reliability service of db.
func NewReliabilityService(db *DB) *ReliabilityService { return &ReliabilityService{db: db} }

// monthOf parses "YYYY-MM" into its [start, end).
func monthOf(month string) (time.Time, time.Time, error) {
	t, err := time.Parse("2006-01", month)
	if err != nil || len(month) != 7 {
		return time.Time{}, time.Time{}, volt.FieldError("month", "Month must be YYYY-MM, got %q.", month)
	}
	return t, t.AddDate(0, 1, 0), nil
}

// Reliability reports a CPO's network (or one site) for a month.
func (s *ReliabilityService) Reliability(ctx context.Context, f volt.ReliabilityFilter) (*volt.ReliabilityReport, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	from, to, err := monthOf(f.Month)
	if err != nil {
		return nil, err
	}
	col, id := "cpo_id", f.CPOID
	if f.SiteID != "" {
		col, id = "site_id", f.SiteID
	} else if f.CPOID == "" {
		return nil, volt.FieldError("cpoId", "A reliability report needs a CPO or a site.")
	}
	ref, err := reportRef(ctx, s.db, col, id)
	if err != nil || !a.Can(volt.PermRead, ref) {
		return nil, volt.Errorf(volt.ENOTFOUND, "Nothing to report for %q.", id)
	}
	if now := s.db.Now(); now.Before(to) {
		to = now
	}
	r := &volt.ReliabilityReport{CPOID: ref.CPOID, SiteID: f.SiteID, Month: f.Month, From: from, To: to}
	evses, names, err := s.compute(ctx, col, id, from, to)
	if err != nil {
		return nil, err
	}
	volt.BuildReliabilityReport(r, evses, names)
	return r, nil
}

// PublicSiteReliability is a site's figure for the last whole month.
func (s *ReliabilityService) PublicSiteReliability(ctx context.Context, siteID string, at time.Time) (*volt.SiteReliabilityFigure, string, error) {
	end := time.Date(at.UTC().Year(), at.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	from := end.AddDate(0, -1, 0)
	evses, names, err := s.compute(ctx, "site_id", siteID, from, end)
	if err != nil || len(evses) == 0 {
		return nil, "", err
	}
	r := &volt.ReliabilityReport{}
	volt.BuildReliabilityReport(r, evses, names)
	if len(r.Sites) == 0 || r.Sites[0].TotalMS == 0 {
		return nil, "", nil
	}
	return &r.Sites[0], from.Format("2006-01"), nil
}

// compute loads the history of the live chargers whose col is id and
// computes each EVSE.
func (s *ReliabilityService) compute(ctx context.Context, col, id string, from, to time.Time) ([]volt.EVSEReliability, map[string]string, error) {
	tx, err := s.db.BeginReadTx(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()
	rows, err := tx.Query(ctx, `SELECT c.cpid, c.site_id, c.created_at, COALESCE(s.name, '') FROM chargers c LEFT JOIN sites s ON s.id = c.site_id
		WHERE c.`+col+` = ? AND c.deleted_at IS NULL ORDER BY c.cpid`, id)
	if err != nil {
		return nil, nil, fmt.Errorf("reliability chargers: %w", err)
	}
	var hs []*volt.ChargerHistory
	names := map[string]string{}
	for rows.Next() {
		h := &volt.ChargerHistory{}
		var created int64
		var name string
		if err := rows.Scan(&h.CPID, &h.SiteID, &created, &name); err != nil {
			rows.Close()
			return nil, nil, mapError(err)
		}
		h.Since, names[h.SiteID] = fromMS(created), name
		hs = append(hs, h)
	}
	rows.Close()
	var out []volt.EVSEReliability
	for _, h := range hs {
		if err := loadHistory(ctx, tx, h, from, to); err != nil {
			return nil, nil, fmt.Errorf("history of %s: %w", h.CPID, err)
		}
		out = append(out, volt.ComputeReliability(*h, from, to)...)
	}
	return out, names, nil
}

// loadHistory reads a charger's connectors, its status and connection
// history in [from, to) led by the last entries before from, and its
// exclusions overlapping the period.
//
// A node that died records no disconnect itself: on a cluster the survivor
// sweeping the registry does, at the dead node's last lease renewal
// (ChargingService.RecordNodeLost); a single node that crashed, or chargers
// no live node holds, are recorded offline at their last sign of life
// (last_seen_at) by the next node to start or the cluster's sweep
// (RecordConnectionsLost, connection_lost.go).
func loadHistory(ctx context.Context, tx *Tx, h *volt.ChargerHistory, from, to time.Time) error {
	rows, err := tx.Query(ctx, `SELECT connector_id, max_power_w FROM connectors WHERE cpid = ? AND connector_id > 0 ORDER BY connector_id`, h.CPID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var c volt.EVSEFacts
		if err := rows.Scan(&c.ConnectorID, &c.MaxPowerW); err != nil {
			rows.Close()
			return mapError(err)
		}
		h.Connectors = append(h.Connectors, c)
	}
	rows.Close()
	for _, c := range append([]volt.EVSEFacts{{ConnectorID: 0}}, h.Connectors...) {
		var st string
		var at int64
		err := tx.QueryRow(ctx, `SELECT status, at FROM status_history WHERE cpid = ? AND connector_id = ? AND at < ?
			ORDER BY at DESC, received_at DESC LIMIT 1`, h.CPID, c.ConnectorID, toMS(from)).Scan(&st, &at)
		if err == nil {
			h.Statuses = append(h.Statuses, volt.StatusChange{ConnectorID: c.ConnectorID, Status: volt.ConnectorStatus(st), At: fromMS(at)})
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	rows, err = tx.Query(ctx, `SELECT connector_id, status, at FROM status_history WHERE cpid = ? AND at >= ? AND at < ?
		ORDER BY at, received_at`, h.CPID, toMS(from), toMS(to))
	if err != nil {
		return err
	}
	for rows.Next() {
		var c volt.StatusChange
		var st string
		var at int64
		if err := rows.Scan(&c.ConnectorID, &st, &at); err != nil {
			rows.Close()
			return mapError(err)
		}
		c.Status, c.At = volt.ConnectorStatus(st), fromMS(at)
		h.Statuses = append(h.Statuses, c)
	}
	rows.Close()
	var online bool
	var at int64
	err = tx.QueryRow(ctx, `SELECT online, at FROM connection_history WHERE cpid = ? AND at < ? ORDER BY at DESC LIMIT 1`,
		h.CPID, toMS(from)).Scan(&online, &at)
	if err == nil {
		h.Connections = append(h.Connections, volt.ConnectionChange{Online: online, At: fromMS(at)})
	} else if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	rows, err = tx.Query(ctx, `SELECT online, at FROM connection_history WHERE cpid = ? AND at >= ? AND at < ? ORDER BY at`,
		h.CPID, toMS(from), toMS(to))
	if err != nil {
		return err
	}
	for rows.Next() {
		if err := rows.Scan(&online, &at); err != nil {
			rows.Close()
			return mapError(err)
		}
		h.Connections = append(h.Connections, volt.ConnectionChange{Online: online, At: fromMS(at)})
	}
	rows.Close()
	rows, err = tx.Query(ctx, `SELECT `+exclusionCols+` FROM reliability_exclusions WHERE cpid = ? AND starts_at < ? AND ends_at > ?`,
		h.CPID, toMS(to), toMS(from))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanExclusion(rows)
		if err != nil {
			return mapError(err)
		}
		h.Exclusions = append(h.Exclusions, *e)
	}
	return mapError(rows.Err())
}

const exclusionCols = `id, cpo_id, cpid, connector_id, reason, starts_at, ends_at, evidence, note, created_by, created_at`

func scanExclusion(r rowScanner) (*volt.ReliabilityExclusion, error) {
	e := &volt.ReliabilityExclusion{}
	var reason string
	var from, to, created int64
	if err := r.Scan(&e.ID, &e.CPOID, &e.CPID, &e.ConnectorID, &reason, &from, &to, &e.Evidence, &e.Note, &e.CreatedBy, &created); err != nil {
		return nil, err
	}
	e.Reason, e.From, e.To, e.CreatedAt = volt.DowntimeReason(reason), fromMS(from), fromMS(to), fromMS(created)
	return e, nil
}

// CreateReliabilityExclusion records an annotated exclusion on a charger
// the actor may change; one without evidence is refused.
func (s *ReliabilityService) CreateReliabilityExclusion(ctx context.Context, e *volt.ReliabilityExclusion) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := e.Validate(); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		var ref volt.Ref
		err := tx.QueryRow(ctx, `SELECT cpo_id, owner_id, charger_group_id FROM chargers WHERE cpid = ? AND deleted_at IS NULL`, e.CPID).
			Scan(&ref.CPOID, &ref.OwnerID, &ref.ChargerGroupID)
		if err != nil || !a.Can(volt.PermRead, ref) {
			return volt.Errorf(volt.ENOTFOUND, "Charger %q not found.", e.CPID)
		}
		if !a.Can(volt.PermWrite, ref) {
			return volt.Errorf(volt.EFORBIDDEN, "Only the charger's admins annotate its downtime.")
		}
		e.ID, e.CPOID, e.CreatedBy, e.CreatedAt = volt.NewID("rex"), ref.CPOID, a.UserID, tx.Now()
		_, err = tx.Exec(ctx, `INSERT INTO reliability_exclusions (`+exclusionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.ID, e.CPOID, e.CPID, e.ConnectorID, string(e.Reason), toMS(e.From), toMS(e.To), e.Evidence, e.Note, e.CreatedBy, tx.NowMS())
		if err != nil {
			return fmt.Errorf("create exclusion: %w", err)
		}
		return nil
	})
}

// FindReliabilityExclusions lists exclusions of chargers the actor reads,
// newest first.
func (s *ReliabilityService) FindReliabilityExclusions(ctx context.Context, f volt.ExclusionFilter) ([]*volt.ReliabilityExclusion, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w := &where{}
	if err := w.scope(a, volt.PermRead, scopeCols{CPO: "cpo_id",
		Owner:    "(SELECT owner_id FROM chargers c WHERE c.cpid = reliability_exclusions.cpid)",
		GroupVia: "cpid IN (SELECT cpid FROM chargers WHERE charger_group_id IN (%s))"}); err != nil {
		return nil, 0, err
	}
	w.eq("cpo_id", f.CPOID)
	w.eq("cpid", f.CPID)
	if f.Month != "" {
		from, to, err := monthOf(f.Month)
		if err != nil {
			return nil, 0, err
		}
		w.add("starts_at < ? AND ends_at > ?", toMS(to), toMS(from))
	}
	return list(ctx, s.db, listQuery{cols: exclusionCols, from: "reliability_exclusions", where: w,
		order: "starts_at DESC, id", page: f.Page}, scanExclusion)
}

// DeleteReliabilityExclusion removes an exclusion of a charger the actor
// may change.
func (s *ReliabilityService) DeleteReliabilityExclusion(ctx context.Context, id string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		var ref volt.Ref
		err := tx.QueryRow(ctx, `SELECT x.cpo_id, COALESCE(c.owner_id, ''), COALESCE(c.charger_group_id, '') FROM reliability_exclusions x
			LEFT JOIN chargers c ON c.cpid = x.cpid WHERE x.id = ?`, id).Scan(&ref.CPOID, &ref.OwnerID, &ref.ChargerGroupID)
		if err != nil || !a.Can(volt.PermRead, ref) {
			return volt.Errorf(volt.ENOTFOUND, "Exclusion %q not found.", id)
		}
		if !a.Can(volt.PermWrite, ref) {
			return volt.Errorf(volt.EFORBIDDEN, "Only the charger's admins change its exclusions.")
		}
		_, err = tx.Exec(ctx, `DELETE FROM reliability_exclusions WHERE id = ?`, id)
		return mapError(err)
	})
}
