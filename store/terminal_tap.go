package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/volt-ev/volt"
)

// Tap pre-authorises a card tapped on a terminal, for the terminal's
// connector (or the one the tap names, on a terminal serving the whole
// charger), and returns the idTag to remote-start the charger with. Only
// the terminal itself (or the platform) may tap. The idempotency key is
// the terminal's own: the same key returns the same payment. A declined
// card is EUNPROCESSABLE, an outage EUNAVAILABLE, with the refused payment.
func (s *TerminalService) Tap(ctx context.Context, tap volt.TerminalTap) (*volt.TerminalAuthorization, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if !a.System && a.TerminalID != tap.TerminalID {
		if _, err := terminalByID(ctx, s.db, a, tap.TerminalID); err != nil {
			return nil, err
		}
		return nil, volt.Errorf(volt.EFORBIDDEN, "Only the terminal itself may take a payment on it (its API key).")
	}
	t, err := terminalByID(ctx, s.db, volt.SystemActor, tap.TerminalID)
	if err != nil {
		return nil, err
	}
	conn := t.ConnectorID
	switch {
	case conn > 0 && tap.ConnectorID > 0 && tap.ConnectorID != conn:
		return nil, volt.FieldError("connectorId", "This terminal serves connector %d only.", conn)
	case conn == 0 && tap.ConnectorID <= 0:
		return nil, volt.FieldError("connectorId", "This terminal serves every connector of %s: name one.", t.CPID)
	case conn == 0:
		conn = tap.ConnectorID
	}
	if err := connectorExists(ctx, s.db, t.CPID, conn); err != nil {
		return nil, err
	}
	if tap.Currency != "" {
		var cur string
		if err := s.db.QueryRow(ctx, `SELECT currency FROM cpos WHERE id = ?`, t.CPOID).Scan(&cur); err != nil {
			return nil, notFound(err, "CPO", t.CPOID)
		}
		if cur != tap.Currency {
			return nil, volt.FieldError("currency", "This charger takes %s, not %s.", cur, tap.Currency)
		}
	}
	if tap.Amount < 0 {
		return nil, volt.FieldError("amount", "Amount must be positive, got %d.", tap.Amount)
	}
	if tap.IdempotencyKey == "" {
		return nil, volt.FieldError("idempotencyKey", "An idempotency key is required.")
	}
	tag, err := s.ensureIDTag(ctx, t, conn)
	if err != nil {
		return nil, err
	}
	key := "terminal:" + t.ID + ":" + tap.IdempotencyKey
	prev, err := paymentWhere(ctx, s.db, `idempotency_key = ?`, key)
	if err != nil {
		return nil, err
	}
	p, err := s.money.PreAuthorize(ctx, volt.PreAuthRequest{Kind: volt.PaymentContactless, CPID: t.CPID, ConnectorID: conn,
		TerminalID: t.ID, Card: tap.Card, Amount: tap.Amount, IdempotencyKey: key})
	return &volt.TerminalAuthorization{Payment: p, IDTag: tag, Replayed: prev != nil}, err
}

// ensureIDTag returns the idTag of the terminal's sessions on a connector,
// recording it as a card of the terminal's user on first use.
func (s *TerminalService) ensureIDTag(ctx context.Context, t *volt.Terminal, conn int) (string, error) {
	tag := terminalIDTag(t.ID, conn)
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		var userID string
		if err := tx.QueryRow(ctx, `SELECT user_id FROM terminals WHERE id = ?`, t.ID).Scan(&userID); err != nil {
			return notFound(err, "Terminal", t.ID)
		}
		_, err := tx.Exec(ctx, `INSERT INTO rfid_cards (id, uid, uid_norm, user_id, cpo_id, label, blocked, expires_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, FALSE, NULL, ?, ?) ON CONFLICT (uid_norm) DO NOTHING`,
			volt.NewID(volt.PrefixRFIDCard), tag, volt.NormalizeIDTag(tag), userID, t.CPOID, fmt.Sprintf("Terminal %s connector %d", t.Serial, conn),
			tx.NowMS(), tx.NowMS())
		return err
	})
	if err != nil {
		return "", fmt.Errorf("idTag of terminal %s: %w", t.ID, err)
	}
	return tag, nil
}

// TerminalReceipt is the summary of a payment taken on a terminal, for its
// display: to the terminal itself and to its operators.
func (s *TerminalService) TerminalReceipt(ctx context.Context, terminalID, paymentID string) (*volt.TerminalReceipt, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := terminalByID(ctx, s.db, a, terminalID); err != nil {
		return nil, err
	}
	p, err := paymentWhere(ctx, s.db, `id = ? AND terminal_id = ?`, paymentID, terminalID)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, volt.Errorf(volt.ENOTFOUND, "Payment %q not found on terminal %s.", paymentID, terminalID)
	}
	r := &volt.TerminalReceipt{PaymentID: p.ID, State: p.State, CPID: p.CPID, Connector: p.ConnectorID, SessionID: p.SessionID,
		Currency: p.Currency, Held: p.Amount, Captured: p.Captured}
	if p.State == volt.PaymentCaptured || p.State == volt.PaymentReleased {
		r.Released = p.Amount - p.Captured
	}
	if p.SessionID == "" {
		return r, nil
	}
	var cost sql.NullString
	err = s.db.QueryRow(ctx, `SELECT energy_wh, total_cost FROM cdrs WHERE session_id = ? AND credits_cdr_id = ''`, p.SessionID).Scan(&r.EnergyWh, &cost)
	if errors.Is(err, sql.ErrNoRows) {
		err = s.db.QueryRow(ctx, `SELECT energy_wh FROM sessions WHERE id = ?`, p.SessionID).Scan(&r.EnergyWh)
	}
	if err != nil {
		return nil, fmt.Errorf("receipt of payment %s: %w", p.ID, err)
	}
	if cost.Valid && cost.String != "" {
		r.Cost = &volt.Cost{}
		if err := decodeJSON(cost.String, r.Cost); err != nil {
			return nil, err
		}
	}
	return r, nil
}
