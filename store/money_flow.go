package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/volt-ev/volt"
)

// PreAuthorize holds the CPO's pre-authorisation amount on a card before a
// session starts on the connector (PAYG, guest, contactless, card on file).
// A declined card is EUNPROCESSABLE and a provider outage EUNAVAILABLE: the
// start is refused, the refusal recorded on the payment, nothing held (an
// authorisation that did go through is released by RetryFailed). The same
// idempotency key returns the same payment.
func (m *MoneyService) PreAuthorize(ctx context.Context, r volt.PreAuthRequest) (*volt.Payment, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkPreAuth(a, r); err != nil {
		return nil, err
	}
	var p *volt.Payment
	var at *attempt
	err = m.db.WithTx(ctx, func(tx *Tx) error {
		if p, err = paymentWhere(ctx, tx, `idempotency_key = ?`, r.IdempotencyKey); err != nil || p != nil {
			return err
		}
		var cpoID string
		if err := tx.QueryRow(ctx, `SELECT cpo_id FROM chargers WHERE cpid = ? AND deleted_at IS NULL`, r.CPID).Scan(&cpoID); err != nil {
			return notFound(err, "Charger", r.CPID)
		}
		set, err := moneySettings(ctx, tx, cpoID)
		if err != nil {
			return err
		}
		amount := set.HoldAmount
		if r.Amount != 0 {
			if err := volt.ValidateAmount(volt.Money{Amount: r.Amount, Currency: set.Currency}); err != nil {
				return err
			}
			amount = r.Amount
		}
		p = &volt.Payment{ID: volt.NewID("pay"), Kind: r.Kind, State: volt.PaymentPending, Provider: m.def,
			UserID: r.UserID, Email: r.Email, CPOID: cpoID, CPID: r.CPID, ConnectorID: r.ConnectorID, TerminalID: r.TerminalID,
			Currency: set.Currency, Amount: amount, IdempotencyKey: r.IdempotencyKey, CreatedAt: tx.Now(), UpdatedAt: tx.Now()}
		if replay, err := insertPayment(ctx, tx, p, r.Card); err != nil || replay {
			return err
		}
		at, err = recordAttempt(ctx, tx, p.ID, opAuthorize, "authorize:"+p.ID, p.Amount)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pre-authorise on %s/%d: %w", r.CPID, r.ConnectorID, err)
	}
	if at == nil { // replayed request
		return p, refusal(p)
	}
	perr := m.call(ctx, at, p, func(pr volt.PaymentProvider) (*volt.ProviderResult, error) {
		return pr.Authorize(ctx, authRequest(p, r.Card, at.Key))
	}, applyAuthorize)
	if cur, err := paymentWhere(ctx, m.db, `id = ?`, p.ID); err == nil && cur != nil {
		p = cur
	}
	if perr != nil {
		return p, fmt.Errorf("pre-authorise payment %s: %w", p.ID, perr)
	}
	return p, nil
}

func checkPreAuth(a *volt.Actor, r volt.PreAuthRequest) error {
	switch r.Kind {
	case volt.PaymentPAYG, volt.PaymentCardOnFile:
		if r.UserID == "" {
			return volt.FieldError("userId", "A %s payment needs a user.", r.Kind)
		}
	case volt.PaymentGuest:
		if r.UserID != "" || r.Email == "" {
			return volt.FieldError("email", "Guest checkout needs an e-mail for the receipt and no account.")
		}
	case volt.PaymentContactless:
		if r.TerminalID == "" {
			return volt.FieldError("terminalId", "A contactless payment needs its terminal.")
		}
	default:
		return volt.FieldError("kind", "Unknown pre-authorisation kind %q.", r.Kind)
	}
	if r.UserID != "" && !a.SuperAdmin && a.UserID != r.UserID {
		return volt.Errorf(volt.EFORBIDDEN, "You may pre-authorise only your own payments.")
	}
	switch {
	case r.IdempotencyKey == "":
		return volt.FieldError("idempotencyKey", "An idempotency key is required.")
	case r.CPID == "" || r.ConnectorID <= 0:
		return volt.FieldError("connectorId", "A charger and a connector (from 1) are required.")
	case r.Card == "":
		return volt.FieldError("card", "A card is required.")
	}
	return nil
}

// refusal is the error a replayed pre-authorisation answers with.
func refusal(p *volt.Payment) error {
	switch p.State {
	case volt.PaymentFailed:
		return volt.Errorf(volt.EUNPROCESSABLE, "Payment %s was refused: %s", p.ID, p.Failure)
	case volt.PaymentPending:
		return volt.Errorf(volt.EUNAVAILABLE, "Payment %s is still being authorised.", p.ID)
	}
	return nil
}

// insertPayment records a new payment. A concurrent request with the same
// idempotency key that got there first wins: p is then replaced by its
// payment and replay is true.
func insertPayment(ctx context.Context, tx *Tx, p *volt.Payment, card string) (replay bool, err error) {
	res, err := tx.Exec(ctx, `INSERT INTO payments (`+paymentCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (idempotency_key) DO NOTHING`,
		p.ID, string(p.Kind), string(p.State), p.Provider, p.ProviderRef, p.UserID, p.Email, p.CPOID, p.CPID, p.ConnectorID,
		p.TerminalID, p.SessionID, p.Currency, p.Amount, p.Captured, p.Refunded, p.IdempotencyKey, p.Failure,
		toMS(p.CreatedAt), toMS(p.UpdatedAt), p.CardBrand, p.CardLast4)
	if err != nil {
		return false, fmt.Errorf("insert payment: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		if _, err := tx.Exec(ctx, `UPDATE payments SET card_token = ? WHERE id = ?`, card, p.ID); err != nil {
			return false, fmt.Errorf("insert payment: %w", err)
		}
		return false, nil
	}
	prev, err := paymentWhere(ctx, tx, `idempotency_key = ?`, p.IdempotencyKey)
	if err != nil || prev == nil {
		return false, fmt.Errorf("payment with key %s: %w", p.IdempotencyKey, errors.Join(err, sql.ErrNoRows))
	}
	*p = *prev
	return true, nil
}

func applyAuthorize(tx *Tx, p *volt.Payment, r *volt.ProviderResult) error {
	ctx := context.Background()
	if p.State != volt.PaymentPending {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE payments SET state = ?, provider_ref = ?, updated_at = ? WHERE id = ?`,
		string(volt.PaymentAuthorized), r.Ref, tx.NowMS(), p.ID); err != nil {
		return fmt.Errorf("authorise payment %s: %w", p.ID, err)
	}
	if err := recordCard(ctx, tx, p.ID, r); err != nil {
		return err
	}
	_, err := post(ctx, tx, &volt.Posting{IdempotencyKey: "hold:" + p.ID, Kind: volt.PostHold, Currency: p.Currency,
		Ref: p.ID, Entries: volt.HoldEntries(p.ID, p.Amount, p.Currency)})
	return err
}

// authRequest is the provider request of a payment's authorisation, built
// from the payment alone so that a retry sends exactly the same request
// under the same idempotency key (Stripe refuses a key reused with other
// parameters).
func authRequest(p *volt.Payment, card, key string) volt.AuthorizeRequest {
	r := volt.AuthorizeRequest{Amount: volt.Money{Amount: p.Amount, Currency: p.Currency}, Card: card, IdempotencyKey: key,
		Description: "Charging on " + p.CPID, Metadata: map[string]string{"payment": p.ID, "cpid": p.CPID}}
	if p.Kind == volt.PaymentTopUp {
		r.Capture, r.Description, r.Metadata = true, "Wallet top-up", map[string]string{"payment": p.ID}
	}
	if p.Kind == volt.PaymentRoaming { // issue 14: charged at once, the driver not present
		r.Capture, r.OffSession, r.Description, r.Metadata = true, true, "Charging on a partner network", map[string]string{"payment": p.ID}
	}
	return r
}

// retryAuthorize re-runs an authorisation that failed for an outage. A hold
// whose start was refused meanwhile is released at once; a top-up that went
// through after all credits the wallet (the money was taken: nothing lost).
func (m *MoneyService) retryAuthorize(ctx context.Context, at *attempt, p *volt.Payment) error {
	var card string
	if err := m.db.QueryRow(ctx, `SELECT card_token FROM payments WHERE id = ?`, p.ID).Scan(&card); err != nil {
		return notFound(err, "Payment", p.ID)
	}
	return m.call(ctx, at, p, func(pr volt.PaymentProvider) (*volt.ProviderResult, error) {
		return pr.Authorize(ctx, authRequest(p, card, at.Key))
	}, func(tx *Tx, cur *volt.Payment, r *volt.ProviderResult) error {
		switch {
		case cur.Kind == volt.PaymentTopUp:
			return applyTopUp(tx, cur, r)
		case cur.Kind == volt.PaymentRoaming: // issue 14: a partner's CDR on the card on file
			return applyRoamingCard(tx, cur, r)
		case cur.State == volt.PaymentPending:
			return applyAuthorize(tx, cur, r)
		}
		if _, err := tx.Exec(ctx, `UPDATE payments SET provider_ref = ?, updated_at = ? WHERE id = ?`, r.Ref, tx.NowMS(), cur.ID); err != nil {
			return fmt.Errorf("record late authorisation of %s: %w", cur.ID, err)
		}
		_, err := recordAttempt(ctx, tx, cur.ID, opRelease, "release:"+cur.ID, 0)
		if err == nil {
			_, err = tx.Exec(ctx, `UPDATE payment_attempts SET state = ?, next_at = ? WHERE idempotency_key = ?`,
				attemptRetry, tx.NowMS(), "release:"+cur.ID)
		}
		return err
	})
}

func applyRelease(tx *Tx, p *volt.Payment, _ *volt.ProviderResult) error {
	ctx := context.Background()
	if p.State != volt.PaymentAuthorized {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE payments SET state = ?, updated_at = ? WHERE id = ?`,
		string(volt.PaymentReleased), tx.NowMS(), p.ID); err != nil {
		return fmt.Errorf("release payment %s: %w", p.ID, err)
	}
	_, err := post(ctx, tx, &volt.Posting{IdempotencyKey: "release:" + p.ID, Kind: volt.PostRelease, Currency: p.Currency,
		Ref: p.ID, Entries: volt.ReleaseEntries(p.ID, p.Amount, p.Currency)})
	return err
}
