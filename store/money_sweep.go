package store

import (
	"context"
	"fmt"
	"time"

	"github.com/volt-ev/volt"
)

// SettleGrace is how old a CDR must be before the sweep settles it: the
// settlement subscriber normally does it within moments of the commit.
const SettleGrace = 2 * time.Minute

// settleWindow bounds how far back the sweep looks: a CDR it could not
// settle in a week needs an operator, not another attempt.
const settleWindow = 7 * 24 * time.Hour

// SettleUnsettled settles CDRs whose settlement never ran: the bus dropped
// the cdr.created event, or the node stopped between the CDR's commit and
// OnCDR. They are the CDRs older than SettleGrace (and younger than a week)
// without a settlement record; OnCDR, idempotent, settles each (a card
// capture of the exact cost, or the wallet charge for credit) and records
// it. It returns how many it settled and the first error.
func (m *MoneyService) SettleUnsettled(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = 200
	}
	now := m.db.Now()
	rows, err := m.db.Query(ctx, `SELECT c.session_id, c.id, c.cpid, c.connector_id, c.user_id, c.started_at FROM cdrs c
		WHERE c.credits_cdr_id = '' AND c.created_at <= ? AND c.created_at >= ?
		AND NOT EXISTS (SELECT 1 FROM cdr_settlements s WHERE s.cdr_id = c.id)
		ORDER BY c.created_at LIMIT ?`, toMS(now.Add(-SettleGrace)), toMS(now.Add(-settleWindow)), limit)
	if err != nil {
		return 0, fmt.Errorf("unsettled CDRs: %w", err)
	}
	var due []*volt.CDR
	for rows.Next() {
		c := &volt.CDR{}
		var started int64
		if err := rows.Scan(&c.SessionID, &c.ID, &c.CPID, &c.ConnectorID, &c.UserID, &started); err != nil {
			rows.Close()
			return 0, fmt.Errorf("unsettled CDRs: %w", mapError(err))
		}
		c.StartedAt = fromMS(started)
		due = append(due, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("unsettled CDRs: %w", mapError(err))
	}
	n := 0
	var first error
	for _, c := range due {
		if err := m.OnCDR(ctx, c); err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		n++
	}
	return n, first
}

// Receipt is a receipt to e-mail: a guest's settled CDR and where to send
// it.
type Receipt struct {
	CDR      *volt.CDR
	Email    string
	Operator string // the CPO's name
	Captured int64  // what the card was charged, minor units
}

// PendingReceipts returns receipts to e-mail: guests' CDRs whose payment is
// settled (captured, or released for a free session) and whose receipt was
// not sent yet, oldest first. System actors only.
func (m *MoneyService) PendingReceipts(ctx context.Context, limit int) ([]*Receipt, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if !a.SuperAdmin {
		return nil, volt.Errorf(volt.EFORBIDDEN, "Receipts are sent by the platform.")
	}
	if limit <= 0 {
		limit = 100
	}
	rows, err := m.db.Query(ctx, `SELECT c.session_id, p.email, p.captured, o.name FROM payments p
		JOIN cdrs c ON c.session_id = p.session_id AND c.credits_cdr_id = ''
		JOIN cpos o ON o.id = c.cpo_id
		WHERE p.kind = ? AND p.email <> '' AND p.state IN (?, ?) AND p.updated_at >= ?
		AND NOT EXISTS (SELECT 1 FROM cdr_receipts r WHERE r.cdr_id = c.id)
		ORDER BY p.updated_at LIMIT ?`, string(volt.PaymentGuest), string(volt.PaymentCaptured), string(volt.PaymentReleased),
		toMS(m.db.Now().Add(-settleWindow)), limit)
	if err != nil {
		return nil, fmt.Errorf("pending receipts: %w", err)
	}
	type row struct {
		session string
		r       *Receipt
	}
	var found []row
	for rows.Next() {
		r := &Receipt{}
		var session string
		if err := rows.Scan(&session, &r.Email, &r.Captured, &r.Operator); err != nil {
			rows.Close()
			return nil, fmt.Errorf("pending receipts: %w", mapError(err))
		}
		found = append(found, row{session, r})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pending receipts: %w", mapError(err))
	}
	out := make([]*Receipt, 0, len(found))
	for _, f := range found {
		c, err := findCDRBySession(ctx, m.db, f.session)
		if err != nil {
			return nil, err
		}
		f.r.CDR = c
		out = append(out, f.r)
	}
	return out, nil
}

// MarkReceiptSent records that a CDR's receipt was e-mailed: it is not sent
// again. System actors only.
func (m *MoneyService) MarkReceiptSent(ctx context.Context, cdrID, email string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if !a.SuperAdmin {
		return volt.Errorf(volt.EFORBIDDEN, "Receipts are sent by the platform.")
	}
	_, err = m.db.Exec(ctx, `INSERT INTO cdr_receipts (cdr_id, email, sent_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		cdrID, email, toMS(m.db.Now()))
	if err != nil {
		return fmt.Errorf("mark receipt of %s sent: %w", cdrID, err)
	}
	return nil
}

// findCDRBySession reads the CDR of a session (not a correction).
func findCDRBySession(ctx context.Context, q querier, sessionID string) (*volt.CDR, error) {
	c, err := scanCDR(q.QueryRow(ctx, `SELECT `+cdrCols+` FROM cdrs WHERE session_id = ? AND credits_cdr_id = ''`, sessionID))
	if err != nil {
		return nil, notFound(err, "CDR of session", sessionID)
	}
	return c, nil
}
