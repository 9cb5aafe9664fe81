package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/volt-ev/volt"
)

// AlertService implements volt.AlertService on a DB, and the rule
// evaluation of alert_eval.go. Alerts live under their CPO: whoever reads
// the CPO reads its alerts; support acknowledges and resolves; admins set
// the rules.
type AlertService struct {
	db *DB
	// reliabilityAt remembers when the sweep last computed each CPO's
	// reliability on this node (alert_links.go: at most every
	// reliabilityEvery).
	reliabilityMu sync.Mutex
	reliabilityAt map[string]time.Time
}

var _ volt.AlertService = (*AlertService)(nil)

// NewAlertService returns the alert service of db.
func NewAlertService(db *DB) *AlertService { return &AlertService{db: db} }

const alertCols = `id, cpo_id, kind, subject, cpid, message, state, opened_at, acknowledged_at, acknowledged_by, ticket_id, resolved_at, updated_at`

var alertScope = scopeCols{CPO: "cpo_id"}

func scanAlert(s rowScanner) (*volt.Alert, error) {
	a := &volt.Alert{}
	var opened, updated int64
	var acked, resolved sql.NullInt64
	if err := s.Scan(&a.ID, &a.CPOID, &a.Kind, &a.Subject, &a.CPID, &a.Message, &a.State, &opened, &acked, &a.AcknowledgedBy,
		&a.TicketID, &resolved, &updated); err != nil {
		return nil, err
	}
	a.OpenedAt, a.UpdatedAt = fromMS(opened), fromMS(updated)
	a.AcknowledgedAt, a.ResolvedAt = fromNullMS(acked), fromNullMS(resolved)
	return a, nil
}

// FindAlerts lists the alerts the actor reads, newest first.
func (s *AlertService) FindAlerts(ctx context.Context, f volt.AlertFilter) ([]*volt.Alert, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w := &where{}
	if err := w.scope(a, volt.PermRead, alertScope); err != nil {
		return nil, 0, err
	}
	w.eq("cpo_id", f.CPOID)
	switch f.State {
	case "":
	case "active":
		w.add("state <> ?", volt.AlertResolved)
	case volt.AlertOpen, volt.AlertAcknowledged, volt.AlertResolved:
		w.eq("state", f.State)
	default:
		return nil, 0, volt.FieldError("state", "State must be open, acknowledged, resolved or active.")
	}
	return list(ctx, s.db, listQuery{cols: alertCols, from: "alerts", where: w, order: "opened_at DESC, id DESC", page: f.Page}, scanAlert)
}

// FindAlertByID returns an alert the actor reads.
func (s *AlertService) FindAlertByID(ctx context.Context, id string) (*volt.Alert, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return findOne(ctx, s.db, a, "Alert", alertCols, "alerts", "id", id, alertScope, scanAlert)
}

// supportAlert finds alert id in tx for a support action by a.
func supportAlert(ctx context.Context, tx *Tx, a *volt.Actor, id string) (*volt.Alert, error) {
	al, err := findOne(ctx, tx, a, "Alert", alertCols, "alerts", "id", id, alertScope, scanAlert)
	if err != nil {
		return nil, err
	}
	if !a.Can(volt.PermSupport, al.Ref()) {
		return nil, forbidden("alert")
	}
	return al, nil
}

// AcknowledgeAlert marks an alert acknowledged by the actor, linked to a
// ticket of the same CPO when ticketID is set. A resolved alert stays
// resolved (its ticket link may still be set).
func (s *AlertService) AcknowledgeAlert(ctx context.Context, id, ticketID string) (*volt.Alert, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	var out *volt.Alert
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		al, err := supportAlert(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if ticketID != "" {
			t, err := findTicket(ctx, tx, a, ticketID)
			if err != nil || t.CPOID != al.CPOID {
				return volt.FieldError("ticketId", "Ticket %q not found.", ticketID)
			}
			al.TicketID = ticketID
		}
		if al.State == volt.AlertOpen {
			now := tx.Now()
			al.State, al.AcknowledgedAt, al.AcknowledgedBy = volt.AlertAcknowledged, &now, a.UserID
		}
		al.UpdatedAt = tx.Now()
		if _, err := tx.Exec(ctx, `UPDATE alerts SET state = ?, acknowledged_at = ?, acknowledged_by = ?, ticket_id = ?, updated_at = ? WHERE id = ?`,
			al.State, toNullMS(al.AcknowledgedAt), al.AcknowledgedBy, al.TicketID, tx.NowMS(), al.ID); err != nil {
			return fmt.Errorf("acknowledge alert %s: %w", id, err)
		}
		out = al
		return nil
	})
	return out, err
}

// ResolveAlert resolves an alert by hand (alert.resolved).
func (s *AlertService) ResolveAlert(ctx context.Context, id string) (*volt.Alert, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	var out *volt.Alert
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		al, err := supportAlert(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if al.State != volt.AlertResolved {
			if err := resolveAlert(ctx, tx, al); err != nil {
				return err
			}
		}
		out = al
		return nil
	})
	return out, err
}

// FindAlertRules returns a CPO's rules (all off when never set).
func (s *AlertService) FindAlertRules(ctx context.Context, cpoID string) (*volt.AlertRules, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if !a.Can(volt.PermRead, volt.Ref{CPOID: cpoID}) {
		return nil, volt.Errorf(volt.ENOTFOUND, "CPO %q not found.", cpoID)
	}
	var one int
	if err := s.db.QueryRow(ctx, `SELECT 1 FROM cpos WHERE id = ?`, cpoID).Scan(&one); err != nil {
		return nil, notFound(err, "CPO", cpoID)
	}
	return alertRules(ctx, s.db, cpoID)
}

// bpMicro is a hundredth of a percent in Decimal micro units: the
// reliability target is stored in hundredths (9900 = 99 %).
const bpMicro = 10_000

func alertRules(ctx context.Context, q querier, cpoID string) (*volt.AlertRules, error) {
	r := &volt.AlertRules{CPOID: cpoID}
	var faulted, backwards, tickets, security int
	var updated, targetBP int64
	err := q.QueryRow(ctx, `SELECT offline_minutes, faulted, failed_starts, finishing_minutes, meter_backwards, payment_failure_pct, email, updated_at,
		reliability_target_bp, ticket_breaches, security_events
		FROM alert_rules WHERE cpo_id = ?`, cpoID).Scan(&r.OfflineMinutes, &faulted, &r.FailedStarts, &r.FinishingMinutes, &backwards,
		&r.PaymentFailurePct, &r.Email, &updated, &targetBP, &tickets, &security)
	if errors.Is(err, sql.ErrNoRows) {
		return r, nil
	}
	if err != nil {
		return nil, fmt.Errorf("alert rules of %s: %w", cpoID, err)
	}
	r.Faulted, r.MeterBackwards, r.UpdatedAt = faulted == 1, backwards == 1, fromMS(updated)
	r.ReliabilityTargetPct = volt.NewDecimalMicro(targetBP * bpMicro)
	r.TicketBreaches, r.SecurityEvents = tickets == 1, security == 1
	return r, nil
}

// SetAlertRules replaces a CPO's rules; it needs PermWrite on the CPO.
func (s *AlertService) SetAlertRules(ctx context.Context, r *volt.AlertRules) (*volt.AlertRules, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		if err := cpoWritable(ctx, tx, a, r.CPOID); err != nil {
			return err
		}
		r.UpdatedAt = tx.Now()
		_, err := tx.Exec(ctx, `INSERT INTO alert_rules (cpo_id, offline_minutes, faulted, failed_starts, finishing_minutes, meter_backwards, payment_failure_pct, email, updated_at,
			reliability_target_bp, ticket_breaches, security_events)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cpo_id) DO UPDATE SET offline_minutes = excluded.offline_minutes, faulted = excluded.faulted,
			failed_starts = excluded.failed_starts, finishing_minutes = excluded.finishing_minutes, meter_backwards = excluded.meter_backwards,
			payment_failure_pct = excluded.payment_failure_pct, email = excluded.email, updated_at = excluded.updated_at,
			reliability_target_bp = excluded.reliability_target_bp, ticket_breaches = excluded.ticket_breaches, security_events = excluded.security_events`,
			r.CPOID, r.OfflineMinutes, boolInt(r.Faulted), r.FailedStarts, r.FinishingMinutes, boolInt(r.MeterBackwards), r.PaymentFailurePct, r.Email, tx.NowMS(),
			r.ReliabilityTargetPct.Micro()/bpMicro, boolInt(r.TicketBreaches), boolInt(r.SecurityEvents))
		if err != nil {
			return fmt.Errorf("set alert rules of %s: %w", r.CPOID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// openAlert opens an alert of kind about subject unless one is unresolved
// already, and journals alert.opened. It reports whether it opened one.
func openAlert(ctx context.Context, tx *Tx, cpoID, kind, subject, cpid, message string) (bool, error) {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM alerts WHERE cpo_id = ? AND kind = ? AND subject = ? AND state <> ?`,
		cpoID, kind, subject, volt.AlertResolved).Scan(&one)
	if err == nil {
		return false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("find alert %s %s: %w", kind, subject, err)
	}
	al := &volt.Alert{ID: volt.NewID("alr"), CPOID: cpoID, Kind: kind, Subject: subject, CPID: cpid, Message: message,
		State: volt.AlertOpen, OpenedAt: tx.Now(), UpdatedAt: tx.Now()}
	if _, err := tx.Exec(ctx, `INSERT INTO alerts (id, cpo_id, kind, subject, cpid, message, state, opened_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		al.ID, cpoID, kind, subject, cpid, message, al.State, tx.NowMS(), tx.NowMS()); err != nil {
		return false, fmt.Errorf("open alert %s %s: %w", kind, subject, err)
	}
	return true, tx.emit(ctx, volt.Event{Type: volt.EventAlertOpened, CPID: cpid, CPOID: cpoID, Data: al})
}

// resolveAlerts resolves the unresolved alerts of kind about subject (the
// condition cleared).
func resolveAlerts(ctx context.Context, tx *Tx, cpoID, kind, subject string) error {
	rows, err := tx.Query(ctx, `SELECT `+alertCols+` FROM alerts WHERE cpo_id = ? AND kind = ? AND subject = ? AND state <> ?`,
		cpoID, kind, subject, volt.AlertResolved)
	if err != nil {
		return fmt.Errorf("find alerts %s %s: %w", kind, subject, err)
	}
	var open []*volt.Alert
	for rows.Next() {
		al, err := scanAlert(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("find alerts %s %s: %w", kind, subject, err)
		}
		open = append(open, al)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find alerts %s %s: %w", kind, subject, err)
	}
	for _, al := range open {
		if err := resolveAlert(ctx, tx, al); err != nil {
			return err
		}
	}
	return nil
}

func resolveAlert(ctx context.Context, tx *Tx, al *volt.Alert) error {
	now := tx.Now()
	al.State, al.ResolvedAt, al.UpdatedAt = volt.AlertResolved, &now, now
	if _, err := tx.Exec(ctx, `UPDATE alerts SET state = ?, resolved_at = ?, updated_at = ? WHERE id = ?`, al.State, tx.NowMS(), tx.NowMS(), al.ID); err != nil {
		return fmt.Errorf("resolve alert %s: %w", al.ID, err)
	}
	return tx.emit(ctx, volt.Event{Type: volt.EventAlertResolved, CPID: al.CPID, CPOID: al.CPOID, Data: al})
}
