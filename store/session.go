package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// Session origins (sessions.origin).
const (
	originStart       = "start"        // opened by StartTransaction, id issued by Volt
	originUnknownStop = "unknown_stop" // made from a StopTransaction Volt had no session for
)

// sessionRow is a sessions row: the domain session plus what the store keeps
// to answer replays.
type sessionRow struct {
	volt.Session
	origin       string
	auth         volt.AuthResult
	stopReqMeter sql.NullInt64
	stopReqAt    sql.NullInt64
}

const sessionCols = `id, transaction_id, origin, cpid, connector_id, cpo_id, owner_id, site_id, charger_group_id,
	id_tag, user_id, status, started_at, stopped_at, meter_start, meter_stop, last_meter_wh, last_meter_at,
	power_w, soc_percent, energy_wh, stop_reason, flags, reservation_id, payment_method, tariff_snapshot,
	live_cost, auth_status, auth_reason, auth_expires_at, auth_parent, free_vend, stop_req_meter, stop_req_at,
	created_at, updated_at, charger_tx_id, exported_wh`

func scanSession(sc rowScanner) (*sessionRow, error) {
	var r sessionRow
	var started, created, updated int64
	var stopped, meterStop, lastAt, soc, resv, authExp sql.NullInt64
	var flags, status string
	var snapshot, liveCost sql.NullString
	err := sc.Scan(&r.ID, &r.TransactionID, &r.origin, &r.CPID, &r.ConnectorID, &r.CPOID, &r.OwnerID, &r.SiteID,
		&r.ChargerGroupID, &r.IDTag, &r.UserID, &status, &started, &stopped, &r.MeterStart, &meterStop,
		&r.LastMeterWh, &lastAt, &r.PowerW, &soc, &r.EnergyWh, &r.StopReason, &flags, &resv, &r.PaymentMethod,
		&snapshot, &liveCost, &r.auth.Status, &r.auth.Reason, &authExp, &r.auth.ParentIDTag, &r.auth.FreeVend,
		&r.stopReqMeter, &r.stopReqAt, &created, &updated, &r.ChargerTransactionID, &r.ExportedWh)
	if err != nil {
		return nil, mapError(err)
	}
	r.Status = volt.SessionStatus(status)
	r.StartedAt, r.CreatedAt, r.UpdatedAt = fromMS(started), fromMS(created), fromMS(updated)
	r.StoppedAt, r.LastMeterAt, r.auth.ExpiresAt = fromNullMS(stopped), fromNullMS(lastAt), fromNullMS(authExp)
	r.MeterStop, r.ReservationID = int64Ptr(meterStop), int64Ptr(resv)
	if soc.Valid {
		v := int(soc.Int64)
		r.SoCPercent = &v
	}
	r.Flags = splitFlags(flags)
	r.auth.UserID = r.UserID
	if snapshot.Valid && snapshot.String != "" {
		r.TariffSnapshot = json.RawMessage(snapshot.String)
	}
	if liveCost.Valid && liveCost.String != "" {
		r.LiveCost = &volt.Cost{}
		if err := json.Unmarshal([]byte(liveCost.String), r.LiveCost); err != nil {
			return nil, fmt.Errorf("session %s live cost: %w", r.ID, err)
		}
	}
	return &r, nil
}

// sessionArgs returns the column values of sessionCols in order.
func sessionArgs(r *sessionRow) ([]any, error) {
	liveCost, err := jsonText(r.LiveCost)
	if err != nil {
		return nil, fmt.Errorf("session %s live cost: %w", r.ID, err)
	}
	var snapshot any
	if len(r.TariffSnapshot) > 0 {
		snapshot = string(r.TariffSnapshot)
	}
	var soc any
	if r.SoCPercent != nil {
		soc = *r.SoCPercent
	}
	return []any{r.ID, r.TransactionID, r.origin, r.CPID, r.ConnectorID, r.CPOID, r.OwnerID, r.SiteID,
		r.ChargerGroupID, r.IDTag, r.UserID, string(r.Status), toMS(r.StartedAt), toNullMS(r.StoppedAt),
		r.MeterStart, nullInt64(r.MeterStop), r.LastMeterWh, toNullMS(r.LastMeterAt), r.PowerW, soc, r.EnergyWh,
		r.StopReason, strings.Join(r.Flags, ","), nullInt64(r.ReservationID), r.PaymentMethod, snapshot,
		liveCost, string(r.auth.Status), r.auth.Reason, toNullMS(r.auth.ExpiresAt), r.auth.ParentIDTag,
		r.auth.FreeVend, r.stopReqMeter, r.stopReqAt, toMS(r.CreatedAt), toMS(r.UpdatedAt), r.ChargerTransactionID, r.ExportedWh}, nil
}

// insertSession inserts r unless it conflicts with a unique index; it reports
// whether the row was inserted.
func insertSession(ctx context.Context, tx *Tx, r *sessionRow) (bool, error) {
	args, err := sessionArgs(r)
	if err != nil {
		return false, err
	}
	res, err := tx.Exec(ctx, `INSERT INTO sessions (`+sessionCols+`) VALUES (`+inList(len(args))+`) ON CONFLICT DO NOTHING`, args...)
	if err != nil {
		return false, fmt.Errorf("insert session: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("insert session: %w", mapError(err))
	}
	return n == 1, nil
}

// updateSession writes every mutable column of r.
func (s *ChargingService) updateSession(ctx context.Context, tx *Tx, r *sessionRow) error {
	args, err := sessionUpdateArgs(tx, r)
	if err != nil {
		return err
	}
	_, err = s.stmts.exec(ctx, tx, `UPDATE sessions SET status = ?, stopped_at = ?, meter_stop = ?, last_meter_wh = ?,
		last_meter_at = ?, power_w = ?, soc_percent = ?, energy_wh = ?, stop_reason = ?, flags = ?, live_cost = ?,
		stop_req_meter = ?, stop_req_at = ?, updated_at = ? WHERE id = ?`, args...)
	if err != nil {
		return fmt.Errorf("update session %s: %w", r.ID, err)
	}
	return nil
}

// sessionUpdateArgs returns the mutable columns of r in the order of
// sessionUpdateCols, then its id, and stamps r's UpdatedAt.
func sessionUpdateArgs(tx *Tx, r *sessionRow) ([]any, error) {
	liveCost, err := jsonText(r.LiveCost)
	if err != nil {
		return nil, fmt.Errorf("session %s live cost: %w", r.ID, err)
	}
	var soc any
	if r.SoCPercent != nil {
		soc = *r.SoCPercent
	}
	r.UpdatedAt = tx.Now()
	return []any{string(r.Status), toNullMS(r.StoppedAt), nullInt64(r.MeterStop), r.LastMeterWh, toNullMS(r.LastMeterAt),
		r.PowerW, soc, r.EnergyWh, r.StopReason, strings.Join(r.Flags, ","), liveCost,
		r.stopReqMeter, r.stopReqAt, toMS(r.UpdatedAt), r.ID}, nil
}

// sessionUpdateCols are the columns of sessionUpdateArgs with the SQL type
// of each value (a multi-row VALUES list needs them on PostgreSQL).
var sessionUpdateCols = [...]struct{ name, typ string }{
	{"status", "TEXT"}, {"stopped_at", "BIGINT"}, {"meter_stop", "BIGINT"}, {"last_meter_wh", "BIGINT"},
	{"last_meter_at", "BIGINT"}, {"power_w", "BIGINT"}, {"soc_percent", "INTEGER"}, {"energy_wh", "BIGINT"},
	{"stop_reason", "TEXT"}, {"flags", "TEXT"}, {"live_cost", "TEXT"}, {"stop_req_meter", "BIGINT"},
	{"stop_req_at", "BIGINT"}, {"updated_at", "BIGINT"}, {"id", "TEXT"},
}

// sessionsUpdateHead, sessionsUpdateRow and sessionsUpdateTail make the
// multi-row UPDATE of sessionUpdateCols: head, then the VALUES rows, then
// tail.
var sessionsUpdateHead, sessionsUpdateRow, sessionsUpdateTail = func() (string, string, string) {
	var names, casts, sets []string
	for _, c := range sessionUpdateCols {
		names = append(names, c.name)
		casts = append(casts, "CAST(? AS "+c.typ+")")
		if c.name != "id" {
			sets = append(sets, c.name+" = v."+c.name)
		}
	}
	return "WITH v (" + strings.Join(names, ", ") + ") AS (VALUES ",
		"(" + strings.Join(casts, ", ") + ")",
		") UPDATE sessions SET " + strings.Join(sets, ", ") + " FROM v WHERE sessions.id = v.id"
}()

// maxSessionsPerUpdate keeps a multi-row UPDATE under the parameter limits.
const maxSessionsPerUpdate = 100

// updateSessions writes every mutable column of rows, several rows per
// statement (UPDATE … FROM a VALUES list, on both engines).
func (s *ChargingService) updateSessions(ctx context.Context, tx *Tx, rows []*sessionRow) error {
	if len(rows) == 1 {
		return s.updateSession(ctx, tx, rows[0])
	}
	for len(rows) > 0 {
		n := min(len(rows), maxSessionsPerUpdate)
		args := make([]any, 0, n*len(sessionUpdateCols))
		for _, r := range rows[:n] {
			a, err := sessionUpdateArgs(tx, r)
			if err != nil {
				return err
			}
			args = append(args, a...)
		}
		q := sessionsUpdateHead + valuesRows(n, sessionsUpdateRow) + sessionsUpdateTail
		res, err := s.stmts.execRows(ctx, tx, n, q, args...)
		if err != nil {
			return fmt.Errorf("update %d sessions: %w", n, err)
		}
		if k, err := res.RowsAffected(); err == nil && k != int64(n) {
			return fmt.Errorf("update %d sessions: %d rows changed", n, k)
		}
		rows = rows[n:]
	}
	return nil
}

// forUpdate is the row-lock suffix of a SELECT on PostgreSQL (SQLite's
// BEGIN IMMEDIATE already holds the database's write lock).
func forUpdate(tx *Tx) string {
	if tx.Dialect() == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// sessionWhere reads one session row matching where, locked for update.
// where must be a constant: the statement is prepared once and cached.
func (s *ChargingService) sessionWhere(ctx context.Context, tx *Tx, where string, args ...any) (*sessionRow, error) {
	r, err := scanSession(s.stmts.queryRow(ctx, tx, `SELECT `+sessionCols+` FROM sessions WHERE `+where+forUpdate(tx), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

// activeSessions returns the active sessions of a connector (0: all of the
// charger), locked, oldest first.
func activeSessions(ctx context.Context, tx *Tx, cpid string, connectorID int) ([]*sessionRow, error) {
	q := `SELECT ` + sessionCols + ` FROM sessions WHERE cpid = ? AND status = 'active'`
	args := []any{cpid}
	if connectorID > 0 {
		q += ` AND connector_id = ?`
		args = append(args, connectorID)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY started_at, id`+forUpdate(tx), args...)
	if err != nil {
		return nil, fmt.Errorf("active sessions of %s/%d: %w", cpid, connectorID, err)
	}
	defer rows.Close()
	var out []*sessionRow
	for rows.Next() {
		r, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("active sessions of %s/%d: %w", cpid, connectorID, err)
		}
		out = append(out, r)
	}
	return out, mapError(rows.Err())
}

// completeSession ends r at stoppedAt with meterStop, computes its energy from
// the register readings (volt.EnergyBetween), prices it and writes its one
// CDR. It returns the CDR.
func (s *ChargingService) completeSession(ctx context.Context, tx *Tx, r *sessionRow, stoppedAt time.Time, meterStop int64, reason string, flags ...string) (*volt.CDR, error) {
	if stoppedAt.Before(r.StartedAt) {
		stoppedAt = r.StartedAt
	}
	r.Status = volt.SessionCompleted
	r.StoppedAt = &stoppedAt
	r.MeterStop = &meterStop
	r.LastMeterWh = meterStop
	r.StopReason = reason
	wh, eflags := volt.EnergyBetween(r.MeterStart, meterStop)
	r.EnergyWh = wh
	r.addFlags(flags...)
	r.addFlags(eflags...)
	if bad, err := energyImplausible(ctx, tx, r); err != nil {
		return nil, err
	} else if bad {
		r.addFlags(volt.FlagEnergyImplausible)
	}
	var err error
	if r.ExportedWh, err = exportedWh(ctx, tx, &r.Session); err != nil {
		return nil, err
	}
	cost, err := s.price(ctx, tx, &r.Session, &volt.MeterReading{At: stoppedAt, Wh: meterStop})
	if err != nil {
		return nil, err
	}
	r.LiveCost = cost
	if err := s.updateSession(ctx, tx, r); err != nil {
		return nil, err
	}
	if r.ExportedWh > 0 {
		if _, err := tx.Exec(ctx, `UPDATE sessions SET exported_wh = ? WHERE id = ?`, r.ExportedWh, r.ID); err != nil {
			return nil, fmt.Errorf("exported energy of session %s: %w", r.ID, mapError(err))
		}
	}
	cdr := volt.NewCDR(&r.Session, cost)
	cdr.ID = volt.NewID(volt.PrefixCDR)
	cdr.CreatedAt = tx.Now()
	if err := insertCDR(ctx, tx, cdr); err != nil {
		return nil, err
	}
	if err := tx.emit(ctx, volt.Event{Type: volt.EventSessionStopped, CPID: r.CPID, CPOID: r.CPOID, Data: r.result()}); err != nil {
		return nil, err
	}
	if err := tx.emit(ctx, volt.Event{Type: volt.EventCDRCreated, CPID: r.CPID, CPOID: cdr.CPOID, Data: cdr}); err != nil {
		return nil, err
	}
	return cdr, nil
}

// energyImplausible reports whether the session's energy is more than its
// connector could deliver at full power for the session's duration (with
// 10 % and 100 Wh of slack): a wrong meterStart (CitrineOS PR #1060 billed
// a lifetime meter) or a corrupt register. A connector of unknown power
// decides nothing.
func energyImplausible(ctx context.Context, tx *Tx, r *sessionRow) (bool, error) {
	var maxW int64
	err := tx.QueryRow(ctx, `SELECT max_power_w FROM connectors WHERE cpid = ? AND connector_id = ?`, r.CPID, r.ConnectorID).Scan(&maxW)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("connector power of %s/%d: %w", r.CPID, r.ConnectorID, err)
	}
	if maxW <= 0 || r.StoppedAt == nil {
		return false, nil
	}
	limit := maxW * r.StoppedAt.Sub(r.StartedAt).Milliseconds() / 3_600_000
	return r.EnergyWh > limit+limit/10+100, nil
}

// price returns the session's cost through the Pricer (nil without one or
// without a tariff snapshot): usage is the session's register readings as
// stored, then final when set (the stop reading).
func (s *ChargingService) price(ctx context.Context, tx *Tx, sess *volt.Session, final *volt.MeterReading) (*volt.Cost, error) {
	if s.Pricer == nil || len(sess.TariffSnapshot) == 0 {
		return nil, nil
	}
	readings, err := sessionReadings(ctx, tx, sess)
	if err != nil {
		return nil, err
	}
	if final != nil {
		readings = append(readings, *final)
	}
	u := volt.Usage{Start: sess.StartedAt, MeterStartWh: sess.MeterStart, Readings: readings, ExportedWh: sess.ExportedWh}
	c, err := s.Pricer.Price(sess, u)
	if err != nil {
		return nil, fmt.Errorf("price session %s: %w", sess.ID, err)
	}
	return c, nil
}

// sessionReadings returns the session's register readings in time order
// (extracted when stored: meter_values.energy_wh).
func sessionReadings(ctx context.Context, tx *Tx, sess *volt.Session) ([]volt.MeterReading, error) {
	rows, err := tx.Query(ctx, `SELECT sampled_at, energy_wh FROM meter_values
		WHERE cpid = ? AND transaction_id = ? AND sampled_at >= ? AND session_id = ? AND energy_wh IS NOT NULL
		ORDER BY sampled_at`, sess.CPID, sess.TransactionID, toMS(sess.StartedAt), sess.ID)
	if err != nil {
		return nil, fmt.Errorf("readings of session %s: %w", sess.ID, err)
	}
	defer rows.Close()
	var out []volt.MeterReading
	for rows.Next() {
		var at, wh int64
		if err := rows.Scan(&at, &wh); err != nil {
			return nil, fmt.Errorf("readings of session %s: %w", sess.ID, mapError(err))
		}
		out = append(out, volt.MeterReading{At: fromMS(at), Wh: wh})
	}
	return out, mapError(rows.Err())
}

func (r *sessionRow) addFlags(flags ...string) {
	for _, f := range flags {
		if f != "" && !slices.Contains(r.Flags, f) {
			r.Flags = append(r.Flags, f)
		}
	}
}

// result returns a copy of the domain session for callers.
func (r *sessionRow) result() *volt.Session {
	s := r.Session
	s.Flags = slices.Clone(r.Flags)
	if s.Flags == nil {
		s.Flags = []string{}
	}
	return &s
}

func splitFlags(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func int64Ptr(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}

func nullInt64(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// jsonText returns a cost as JSON text, or SQL NULL for nil.
func jsonText(v *volt.Cost) (any, error) {
	if v == nil {
		return nil, nil
	}
	return encodeJSON(v)
}
