package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/volt-ev/volt"
)

// StopTransaction records a charger's StopTransaction (OCPP 1.6 §4.10) and
// always answers normally:
//
//   - a session found by (cpid, transactionId) is completed: energy from
//     meterStart to meterStop through volt.EnergyBetween, one CDR;
//   - a replayed stop (same meterStop and timestamp as the one recorded)
//     returns the same session and CDR with Replayed set, recording nothing;
//   - a stop for a session already closed as a zombie is answered with its
//     CDR and flags the session late_stop; the CDR, once written, is never
//     changed (a correction would be a new CDR);
//   - an unknown id or -1 creates a completed session from what is known,
//     flagged unknown_transaction, so the data is never lost.
//
// transactionData samples are stored with the session in every case except a
// replay.
func (s *ChargingService) StopTransaction(ctx context.Context, r volt.StopRequest) (*volt.StopResult, error) {
	var res *volt.StopResult
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		var err error
		res, err = s.stopTx(ctx, tx, r)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("stop transaction %d on %s: %w", r.TransactionID, r.CPID, err)
	}
	return res, nil
}

func (s *ChargingService) stopTx(ctx context.Context, tx *Tx, r volt.StopRequest) (*volt.StopResult, error) {
	ch, err := lockCharger(ctx, tx, r.CPID)
	if err != nil {
		return nil, err
	}
	at := r.At.UTC().Truncate(time.Millisecond)
	if r.At.IsZero() {
		at = tx.Now()
	}
	res := &volt.StopResult{}
	sess, err := s.sessionWhere(ctx, tx, `origin = 'start' AND cpid = ? AND transaction_id = ?`, r.CPID, r.TransactionID)
	if err != nil {
		return nil, fmt.Errorf("find session: %w", err)
	}
	if r.IDTag != "" {
		tag := volt.NormalizeIDTag(r.IDTag)
		auth, err := s.authorize(ctx, tx, ch, tag, -1, "")
		if err != nil {
			return nil, err
		}
		if sess != nil {
			auth = volt.DecideStopAuthorization(auth, tag == sess.IDTag, sess.auth.ParentIDTag)
		}
		res.Auth = &auth
	}
	if sess == nil {
		return s.stopUnknown(ctx, tx, ch, r, at, res)
	}
	if sess.stopReqAt.Valid {
		// A stop came before: the same one replayed, or a second one that
		// changes nothing.
		res.Session = sess.result()
		res.Replayed = sess.stopReqMeter.Int64 == r.MeterStop && sess.stopReqAt.Int64 == toMS(at)
		res.CDR, err = cdrOfSession(ctx, tx, sess.ID)
		return res, err
	}
	sess.stopReqMeter = sql.NullInt64{Int64: r.MeterStop, Valid: true}
	sess.stopReqAt = sql.NullInt64{Int64: toMS(at), Valid: true}
	if err := s.storeTransactionData(ctx, tx, sess.ID, sess.ConnectorID, r); err != nil {
		return nil, err
	}
	sess.addFlags(r.Flags...)
	if sess.Status != volt.SessionActive {
		// Closed as a zombie before this stop came: the CDR stands.
		sess.addFlags(volt.FlagLateStop)
		if err := s.updateSession(ctx, tx, sess); err != nil {
			return nil, err
		}
		res.Session = sess.result()
		res.CDR, err = cdrOfSession(ctx, tx, sess.ID)
		return res, err
	}
	res.CDR, err = s.completeSession(ctx, tx, sess, at, r.MeterStop, stopReason(r.Reason))
	if err != nil {
		return nil, err
	}
	res.Session = sess.result()
	return res, nil
}

// storeTransactionData stores the samples of a stop's transactionData with
// the session's meter values (the stop itself is recorded once, so they are
// too).
func (s *ChargingService) storeTransactionData(ctx context.Context, tx *Tx, sessionID string, connectorID int, r volt.StopRequest) error {
	if len(r.Samples) == 0 {
		return nil
	}
	txID := r.TransactionID
	digest := "stop:" + meterDigest(volt.MeterReport{CPID: r.CPID, ConnectorID: connectorID, TransactionID: &txID, Samples: r.Samples})
	_, err := insertMeterValues(ctx, tx, &s.stmts, r.CPID, txID, digest, sessionID, connectorID, meterElements(r.Samples))
	return err
}

// stopUnknown records a stop for a transaction Volt has no session for.
func (s *ChargingService) stopUnknown(ctx context.Context, tx *Tx, ch *chargerFacts, r volt.StopRequest, at time.Time, res *volt.StopResult) (*volt.StopResult, error) {
	prev, err := s.sessionWhere(ctx, tx, `origin = 'unknown_stop' AND cpid = ? AND transaction_id = ? AND stop_req_meter = ? AND stop_req_at = ?`,
		r.CPID, r.TransactionID, r.MeterStop, toMS(at))
	if err != nil {
		return nil, fmt.Errorf("look for a replayed stop: %w", err)
	}
	if prev != nil {
		res.Session, res.Replayed = prev.result(), true
		res.CDR, err = cdrOfSession(ctx, tx, prev.ID)
		return res, err
	}
	known, err := knownOfUnknownTx(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	idTag := volt.NormalizeIDTag(r.IDTag)
	sess := &sessionRow{origin: originUnknownStop,
		stopReqMeter: sql.NullInt64{Int64: r.MeterStop, Valid: true},
		stopReqAt:    sql.NullInt64{Int64: toMS(at), Valid: true}}
	sess.Session = volt.Session{
		ID: volt.NewID(volt.PrefixSession), TransactionID: r.TransactionID, CPID: r.CPID,
		ConnectorID: known.connectorID, CPOID: ch.CPOID, OwnerID: ch.OwnerID, SiteID: ch.SiteID,
		ChargerGroupID: ch.ChargerGrp, IDTag: idTag, Status: volt.SessionActive,
		StartedAt: known.startedAt, MeterStart: known.meterStart, LastMeterWh: known.meterStart,
		Flags: []string{volt.FlagUnknownStop}, CreatedAt: tx.Now(), UpdatedAt: tx.Now(),
	}
	sess.addFlags(r.Flags...)
	if res.Auth != nil {
		sess.UserID = res.Auth.UserID
	}
	if sess.StartedAt.IsZero() || sess.StartedAt.After(at) {
		sess.StartedAt = at
	}
	ok, err := insertSession(ctx, tx, sess)
	if err != nil {
		return nil, err
	} else if !ok {
		return nil, volt.Errorf(volt.ECONFLICT, "A concurrent stop for transaction %d was recorded.", r.TransactionID)
	}
	if err := s.storeTransactionData(ctx, tx, sess.ID, sess.ConnectorID, r); err != nil {
		return nil, err
	}
	if res.CDR, err = s.completeSession(ctx, tx, sess, at, r.MeterStop, stopReason(r.Reason)); err != nil {
		return nil, err
	}
	res.Session = sess.result()
	return res, nil
}

// unknownTxFacts is what Volt knows of a transaction it never saw start.
type unknownTxFacts struct {
	connectorID int
	startedAt   time.Time
	meterStart  int64
}

// knownOfUnknownTx gathers what is known of an unknown transaction: the
// connector and first register reading of the meter values that carried its
// id, or of its transactionData; else the last reading on that connector;
// else meterStop (energy 0, never a guess).
func knownOfUnknownTx(ctx context.Context, tx *Tx, r volt.StopRequest) (unknownTxFacts, error) {
	k := unknownTxFacts{meterStart: r.MeterStop}
	found := false
	if r.TransactionID > 0 {
		var at, wh int64
		err := tx.QueryRow(ctx, `SELECT connector_id, sampled_at, energy_wh FROM meter_values
			WHERE cpid = ? AND transaction_id = ? AND energy_wh IS NOT NULL
			ORDER BY sampled_at LIMIT 1`, r.CPID, r.TransactionID).
			Scan(&k.connectorID, &at, &wh)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return k, fmt.Errorf("meter values of transaction %d: %w", r.TransactionID, err)
		}
		if err == nil {
			k.meterStart, k.startedAt, found = wh, fromMS(at), true
		}
	}
	if first, ok := firstRegister(r.Samples); ok && (!found || first.at.Before(k.startedAt)) {
		k.meterStart, k.startedAt, found = first.wh, first.at, true
	}
	if !found && k.connectorID > 0 {
		var last sql.NullInt64
		err := tx.QueryRow(ctx, `SELECT MAX(last_meter_wh) FROM sessions WHERE cpid = ? AND connector_id = ? AND status = 'completed'`,
			r.CPID, k.connectorID).Scan(&last)
		if err != nil {
			return k, fmt.Errorf("last reading of %s/%d: %w", r.CPID, k.connectorID, err)
		}
		if last.Valid && last.Int64 <= r.MeterStop {
			k.meterStart = last.Int64
		}
	}
	return k, nil
}

// CloseZombieSessions closes the sessions still active on a connector (0: on
// every connector of the charger) that the charger says are over: it went
// Available, or rebooted, and no StopTransaction came. Energy runs to the last
// register reading; each session is flagged zombie_closed and gets its CDR.
// Sessions that started after at are left alone (a late status report).
//
// A connector without an active session, what nearly every boot's
// Available reports find, costs a read and no transaction (issue 12: it
// was a synchronous commit per connector per boot). A read that finds
// nothing is the same outcome as the transaction finding nothing at that
// moment; a session seen active is closed under the charger's lock as before.
func (s *ChargingService) CloseZombieSessions(ctx context.Context, cpid string, connectorID int, reason string, at time.Time) ([]*volt.CDR, error) {
	if open, err := s.hasActiveSession(ctx, cpid, connectorID); err != nil {
		return nil, fmt.Errorf("close zombie sessions on %s/%d: %w", cpid, connectorID, err)
	} else if !open {
		return nil, nil
	}
	var cdrs []*volt.CDR
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		if _, err := lockCharger(ctx, tx, cpid); err != nil {
			return err
		}
		var err error
		if at.IsZero() {
			at = tx.Now()
		}
		cdrs, err = s.closeZombies(ctx, tx, cpid, connectorID, reason, at.UTC().Truncate(time.Millisecond))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("close zombie sessions on %s/%d: %w", cpid, connectorID, err)
	}
	return cdrs, nil
}

// hasActiveSession reports whether the connector (0: any of the charger's)
// has an active session.
func (s *ChargingService) hasActiveSession(ctx context.Context, cpid string, connectorID int) (bool, error) {
	q := `SELECT count(*) FROM sessions WHERE cpid = ? AND status = 'active'`
	args := []any{cpid}
	if connectorID > 0 {
		q += ` AND connector_id = ?`
		args = append(args, connectorID)
	}
	var n int
	if err := s.stmts.queryRowDB(ctx, s.db, q, args...).Scan(&n); err != nil {
		return false, fmt.Errorf("active sessions of %s/%d: %w", cpid, connectorID, err)
	}
	return n > 0, nil
}

func (s *ChargingService) closeZombies(ctx context.Context, tx *Tx, cpid string, connectorID int, reason string, at time.Time) ([]*volt.CDR, error) {
	active, err := activeSessions(ctx, tx, cpid, connectorID)
	if err != nil {
		return nil, err
	}
	var cdrs []*volt.CDR
	for _, sess := range active {
		if sess.StartedAt.After(at) {
			continue
		}
		if reason == "" {
			reason = "closed: connector reported over"
		}
		cdr, err := s.completeSession(ctx, tx, sess, at, sess.LastMeterWh, reason, volt.FlagZombieClosed)
		if err != nil {
			return nil, err
		}
		cdrs = append(cdrs, cdr)
	}
	return cdrs, nil
}

func stopReason(r string) string {
	if r == "" {
		return "Local" // OCPP 1.6 §7.42: an absent reason means Local
	}
	return r
}
