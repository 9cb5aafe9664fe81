package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/volt-ev/volt"
)

const cdrCols = `id, session_id, transaction_id, cpid, connector_id, cpo_id, owner_id, site_id, charger_group_id,
	id_tag, user_id, started_at, stopped_at, duration_seconds, meter_start, meter_stop, energy_wh, stop_reason,
	flags, payment_method, total_cost, credits_cdr_id, created_at, exported_wh`

// insertCDR writes a CDR. The unique index on cdrs.session_id makes a second
// CDR for the same session (other than a correction) an ECONFLICT.
func insertCDR(ctx context.Context, tx *Tx, c *volt.CDR) error {
	cost, err := jsonText(c.TotalCost)
	if err != nil {
		return fmt.Errorf("cdr %s cost: %w", c.ID, err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO cdrs (`+cdrCols+`) VALUES (`+inList(24)+`)`,
		c.ID, c.SessionID, c.TransactionID, c.CPID, c.ConnectorID, c.CPOID, c.OwnerID, c.SiteID,
		c.ChargerGroupID, c.IDTag, c.UserID, toMS(c.StartedAt), toMS(c.StoppedAt), c.DurationSeconds,
		c.MeterStart, c.MeterStop, c.EnergyWh, c.StopReason, strings.Join(c.Flags, ","), c.PaymentMethod,
		cost, c.CreditsCDRID, toMS(c.CreatedAt), c.ExportedWh)
	if err != nil {
		return fmt.Errorf("insert cdr of session %s: %w", c.SessionID, err)
	}
	return nil
}

func scanCDR(sc rowScanner) (*volt.CDR, error) {
	var c volt.CDR
	var started, stopped, created int64
	var flags string
	var cost sql.NullString
	err := sc.Scan(&c.ID, &c.SessionID, &c.TransactionID, &c.CPID, &c.ConnectorID, &c.CPOID, &c.OwnerID,
		&c.SiteID, &c.ChargerGroupID, &c.IDTag, &c.UserID, &started, &stopped, &c.DurationSeconds,
		&c.MeterStart, &c.MeterStop, &c.EnergyWh, &c.StopReason, &flags, &c.PaymentMethod, &cost,
		&c.CreditsCDRID, &created, &c.ExportedWh)
	if err != nil {
		return nil, mapError(err)
	}
	c.StartedAt, c.StoppedAt, c.CreatedAt = fromMS(started), fromMS(stopped), fromMS(created)
	c.Flags = splitFlags(flags)
	if cost.Valid && cost.String != "" {
		c.TotalCost = &volt.Cost{}
		if err := decodeJSON(cost.String, c.TotalCost); err != nil {
			return nil, fmt.Errorf("cdr %s cost: %w", c.ID, err)
		}
	}
	return &c, nil
}

// cdrOfSession returns the original CDR of a session (nil if none yet).
func cdrOfSession(ctx context.Context, tx *Tx, sessionID string) (*volt.CDR, error) {
	c, err := scanCDR(tx.QueryRow(ctx, `SELECT `+cdrCols+` FROM cdrs WHERE session_id = ? AND credits_cdr_id = ''`, sessionID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("cdr of session %s: %w", sessionID, err)
	}
	return c, nil
}

// FindSessionByID returns a session the actor may see: in its read scope, or
// its own session for a driver.
func (s *ChargingService) FindSessionByID(ctx context.Context, id string) (*volt.Session, error) {
	list, _, err := s.FindSessions(ctx, volt.SessionFilter{ID: id, Page: volt.Page{Limit: 1}})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, volt.Errorf(volt.ENOTFOUND, "Session %s not found.", id)
	}
	return list[0], nil
}

// FindMeterValues returns every sampled value stored for a session the actor
// may see (FindSessionByID's rule), in time order: the MeterValues that
// carried its transaction or came on its connector while it was active, and
// the stop's transactionData.
func (s *ChargingService) FindMeterValues(ctx context.Context, sessionID string) ([]volt.MeterSample, error) {
	sess, err := s.FindSessionByID(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT sampled_at, samples FROM meter_values
		WHERE cpid = ? AND transaction_id = ? AND session_id = ? ORDER BY sampled_at, received_at, seq`,
		sess.CPID, sess.TransactionID, sessionID)
	if err != nil {
		return nil, fmt.Errorf("meter values of session %s: %w", sessionID, err)
	}
	defer rows.Close()
	out := []volt.MeterSample{}
	for rows.Next() {
		var at int64
		var js string
		if err := rows.Scan(&at, &js); err != nil {
			return nil, fmt.Errorf("meter values of session %s: %w", sessionID, mapError(err))
		}
		var samples []storedSample
		if err := json.Unmarshal([]byte(js), &samples); err != nil {
			return nil, fmt.Errorf("meter values of session %s: %w", sessionID, err)
		}
		for _, smp := range samples {
			out = append(out, volt.MeterSample{Timestamp: fromMS(at), Measurand: smp.Measurand, Phase: smp.Phase,
				Location: smp.Location, Context: smp.Context, Unit: smp.Unit, Format: smp.Format, Value: smp.Value})
		}
	}
	return out, mapError(rows.Err())
}

// FindSessions lists the sessions the actor may see that match f, newest
// first, with the total before paging.
func (s *ChargingService) FindSessions(ctx context.Context, f volt.SessionFilter) ([]*volt.Session, int, error) {
	where, args, err := sessionFilterWhere(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM sessions WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count sessions: %w", err)
	}
	p := f.Page.Normalize()
	rows, err := s.db.Query(ctx, `SELECT `+sessionCols+` FROM sessions WHERE `+where+
		` ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, p.Limit, p.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("find sessions: %w", err)
	}
	defer rows.Close()
	out := []*volt.Session{}
	for rows.Next() {
		r, err := scanSession(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("find sessions: %w", err)
		}
		out = append(out, r.result())
	}
	return out, total, mapError(rows.Err())
}

// FindCDRs lists the CDRs the actor may see that match f (Status is ignored:
// every CDR is of a completed session), newest first, with the total.
func (s *ChargingService) FindCDRs(ctx context.Context, f volt.SessionFilter) ([]*volt.CDR, int, error) {
	f.Status = ""
	where, args, err := sessionFilterWhere(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM cdrs WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count cdrs: %w", err)
	}
	p := f.Page.Normalize()
	rows, err := s.db.Query(ctx, `SELECT `+cdrCols+` FROM cdrs WHERE `+where+
		` ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, p.Limit, p.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("find cdrs: %w", err)
	}
	defer rows.Close()
	out := []*volt.CDR{}
	for rows.Next() {
		c, err := scanCDR(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("find cdrs: %w", err)
		}
		out = append(out, c)
	}
	return out, total, mapError(rows.Err())
}

// sessionFilterWhere builds the WHERE clause of a session or CDR list: the
// actor's read scope (an actor without operator grants sees only its own
// sessions) and the filter's fields. Sessions and CDRs share column names.
func sessionFilterWhere(ctx context.Context, f volt.SessionFilter) (string, []any, error) {
	actor, err := actorOf(ctx)
	if err != nil {
		return "", nil, err
	}
	var conds []string
	var args []any
	if actor.IsOperator() {
		scope, sargs, err := scopeWhere(actor, volt.PermRead, scopeCols{CPO: "cpo_id", Owner: "owner_id", Group: "charger_group_id"})
		if err != nil {
			return "", nil, err
		}
		conds, args = append(conds, scope), append(args, sargs...)
	} else {
		if actor.UserID == "" {
			return "1=0", nil, nil
		}
		conds, args = append(conds, "user_id = ?"), append(args, actor.UserID)
	}
	eq := func(col, v string) {
		if v != "" {
			conds, args = append(conds, col+" = ?"), append(args, v)
		}
	}
	eq("id", f.ID)
	eq("cpid", f.CPID)
	eq("cpo_id", f.CPOID)
	eq("owner_id", f.OwnerID)
	eq("site_id", f.SiteID)
	eq("charger_group_id", f.ChargerGroupID)
	eq("user_id", f.UserID)
	eq("status", string(f.Status))
	if f.From != nil {
		conds, args = append(conds, "started_at >= ?"), append(args, toMS(*f.From))
	}
	if f.To != nil {
		conds, args = append(conds, "started_at < ?"), append(args, toMS(*f.To))
	}
	return strings.Join(conds, " AND "), args, nil
}
