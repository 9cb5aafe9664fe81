package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/volt-ev/volt"
)

// Paying a partner CPO's CDR (issue 14, eMSP side; the rule in
// roaming_bill.go): the wallet when it covers the total, else the card on
// file charged the whole amount at once, else a debt. The bill row
// (ocpi_roaming_bills) is written once per partner and CDR, so a replayed
// CDR changes nothing; the card payment's idempotency key is the same
// "roaming:PARTNER:CDR" towards the provider, and every variant posts
// under that one ledger key.

// A debt blocks the driver's tokens at partner CPOs until it is settled:
// a top-up that covers it, a card saved (charged once) or "Pay what you
// owe" in the app (ocpi_debt.go).

// roamingKey is the idempotency key of a partner's CDR: its bill, its card
// payment and its ledger posting.
func roamingKey(partnerID, cdrID string) string { return "roaming:" + partnerID + ":" + cdrID }

// payRoamingBill decides and records how b (its user, cost and margin
// set) is paid, within BillRoamingCDR's transaction. A card charge is
// only recorded here (payment and attempt); the caller makes the provider
// call after the commit. A bill recorded before is read back into b;
// fresh says whether this call recorded it.
func (s *OCPIService) payRoamingBill(ctx context.Context, tx *Tx, p *volt.OCPIPartner, b *volt.RoamingBill, fresh *bool) error {
	key := roamingKey(b.PartnerID, b.CDRID)
	b.CPOID = p.CPOID
	b.CreatedAt = tx.Now()
	b.PaidBy, b.State = volt.RoamingPaidWallet, volt.RoamingBillPaid
	sum, err := accountSum(ctx, tx, volt.AccountWallet(b.UserID), b.Currency)
	if err != nil {
		return err
	}
	var prov, card string
	if -sum < b.Total {
		err := tx.QueryRow(ctx, `SELECT provider, token FROM payment_cards WHERE user_id = ?`, b.UserID).Scan(&prov, &card)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			b.State, b.Failure = volt.RoamingBillDebt, "The wallet does not cover it and there is no card on file."
		case err != nil:
			return fmt.Errorf("card of %s: %w", b.UserID, err)
		default:
			b.PaidBy, b.State, b.PaymentID = volt.RoamingPaidCard, volt.RoamingBillPending, volt.NewID("pay")
		}
	}
	res, err := tx.Exec(ctx, `INSERT INTO ocpi_roaming_bills (partner_id, cdr_id, cpo_id, user_id, currency, cost, margin, total, paid_by, state,
		payment_id, failure, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (partner_id, cdr_id) DO NOTHING`,
		b.PartnerID, b.CDRID, b.CPOID, b.UserID, b.Currency, b.Cost, b.Margin, b.Total, b.PaidBy, b.State, b.PaymentID, b.Failure,
		tx.NowMS(), tx.NowMS())
	if err != nil {
		return fmt.Errorf("record roaming bill %s: %w", b.CDRID, err)
	}
	*fresh = false
	if n, _ := res.RowsAffected(); n == 0 { // billed before: as it was
		prev, err := findRoamingBill(ctx, tx, b.PartnerID, b.CDRID)
		if err != nil {
			return err
		}
		*b = *prev
		return nil
	}
	*fresh = true
	if b.PaidBy == volt.RoamingPaidWallet { // the wallet pays, or owes it (a debt)
		_, err = post(ctx, tx, &volt.Posting{IdempotencyKey: key, Kind: volt.PostRoamingCharge, Currency: b.Currency, Ref: b.CDRID,
			Memo: "roaming CDR of " + p.Name, Entries: volt.RoamingChargeEntries(b.UserID, b.PartnerID, p.CPOID, b.Cost, b.Margin, b.Currency)})
		return err
	}
	pay := &volt.Payment{ID: b.PaymentID, Kind: volt.PaymentRoaming, State: volt.PaymentPending, Provider: prov, UserID: b.UserID,
		CPOID: p.CPOID, Currency: b.Currency, Amount: b.Total, IdempotencyKey: key, CreatedAt: tx.Now(), UpdatedAt: tx.Now()}
	if replay, err := insertPayment(ctx, tx, pay, card); err != nil || replay {
		if err == nil {
			err = volt.Errorf(volt.ECONFLICT, "A payment with key %s exists without its bill.", key)
		}
		return err
	}
	_, err = recordAttempt(ctx, tx, pay.ID, opAuthorize, "authorize:"+pay.ID, pay.Amount)
	return err
}

// chargeRoamingCard makes the provider call of a roaming bill's card
// payment recorded by payRoamingBill: its success posts the charge, a
// refusal turns the bill into a debt (money_attempt.go), an outage leaves
// it pending for RetryFailed. The bill as it then stands is returned.
func (m *MoneyService) chargeRoamingCard(ctx context.Context, b *volt.RoamingBill) (*volt.RoamingBill, error) {
	p, err := paymentWhere(ctx, m.db, `id = ?`, b.PaymentID)
	if err != nil || p == nil {
		return b, fmt.Errorf("roaming payment %s: %w", b.PaymentID, errors.Join(err, sql.ErrNoRows))
	}
	var at *attempt
	err = m.db.WithTx(ctx, func(tx *Tx) error {
		at, err = recordAttempt(ctx, tx, p.ID, opAuthorize, "authorize:"+p.ID, p.Amount)
		return err
	})
	if err != nil {
		return b, err
	}
	if at.State == attemptPending || at.State == attemptRetry {
		if perr := m.retryAuthorize(ctx, at, p); perr != nil && !volt.IsCode(perr, volt.EUNPROCESSABLE) && !volt.IsCode(perr, volt.EUNAVAILABLE) {
			return b, perr
		}
	}
	return findRoamingBill(ctx, m.db, b.PartnerID, b.CDRID)
}

// applyRoamingCard records a roaming bill's card charge that went
// through: the payment succeeded, the charge posted once, the bill paid.
func applyRoamingCard(tx *Tx, p *volt.Payment, r *volt.ProviderResult) error {
	ctx := context.Background()
	if p.State != volt.PaymentPending && p.State != volt.PaymentFailed {
		return nil
	}
	b, err := roamingBillOfPayment(ctx, tx, p.ID)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE payments SET state = ?, provider_ref = ?, captured = amount, failure = '', updated_at = ? WHERE id = ?`,
		string(volt.PaymentSucceeded), r.Ref, tx.NowMS(), p.ID); err != nil {
		return fmt.Errorf("roaming payment %s: %w", p.ID, err)
	}
	if err := recordCard(ctx, tx, p.ID, r); err != nil {
		return err
	}
	if _, err := post(ctx, tx, &volt.Posting{IdempotencyKey: p.IdempotencyKey, Kind: volt.PostRoamingCharge, Currency: p.Currency,
		Ref: b.CDRID, Memo: "roaming CDR by card",
		Entries: volt.RoamingCardEntries(p.Provider, b.PartnerID, b.CPOID, b.Cost, b.Margin, p.Currency)}); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE ocpi_roaming_bills SET state = ?, failure = '', updated_at = ? WHERE payment_id = ?`,
		volt.RoamingBillPaid, tx.NowMS(), p.ID)
	return err
}

// roamingCardRefused turns the bill of a refused roaming card payment
// into a debt, once: the wallet is charged below zero under the bill's
// key (so it can never be charged twice) and the bill keeps the reason.
func roamingCardRefused(ctx context.Context, tx *Tx, p *volt.Payment, reason string) error {
	b, err := roamingBillOfPayment(ctx, tx, p.ID)
	if err != nil || b.State != volt.RoamingBillPending {
		return err
	}
	if _, err := post(ctx, tx, &volt.Posting{IdempotencyKey: p.IdempotencyKey, Kind: volt.PostRoamingCharge, Currency: b.Currency,
		Ref: b.CDRID, Memo: "roaming CDR, card refused: a debt",
		Entries: volt.RoamingChargeEntries(b.UserID, b.PartnerID, b.CPOID, b.Cost, b.Margin, b.Currency)}); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE ocpi_roaming_bills SET state = ?, failure = ?, updated_at = ? WHERE payment_id = ?`,
		volt.RoamingBillDebt, "Card refused: "+reason, tx.NowMS(), p.ID)
	if err != nil {
		return fmt.Errorf("roaming debt of payment %s: %w", p.ID, err)
	}
	return nil
}

const roamingBillCols = `partner_id, cdr_id, cpo_id, user_id, currency, cost, margin, total, paid_by, state, payment_id, failure, created_at`

func scanRoamingBill(s rowScanner) (volt.RoamingBill, error) {
	var b volt.RoamingBill
	var at int64
	err := s.Scan(&b.PartnerID, &b.CDRID, &b.CPOID, &b.UserID, &b.Currency, &b.Cost, &b.Margin, &b.Total, &b.PaidBy, &b.State,
		&b.PaymentID, &b.Failure, &at)
	b.CreatedAt = fromMS(at)
	return b, err
}

func findRoamingBill(ctx context.Context, q querier, partnerID, cdrID string) (*volt.RoamingBill, error) {
	b, err := scanRoamingBill(q.QueryRow(ctx, `SELECT `+roamingBillCols+` FROM ocpi_roaming_bills WHERE partner_id = ? AND cdr_id = ?`, partnerID, cdrID))
	if err != nil {
		return nil, notFound(err, "Roaming bill of CDR", cdrID)
	}
	return &b, nil
}

func roamingBillOfPayment(ctx context.Context, q querier, paymentID string) (*volt.RoamingBill, error) {
	b, err := scanRoamingBill(q.QueryRow(ctx, `SELECT `+roamingBillCols+` FROM ocpi_roaming_bills WHERE payment_id = ?`, paymentID))
	if err != nil {
		return nil, notFound(err, "Roaming bill of payment", paymentID)
	}
	return &b, nil
}

var _ volt.RoamingBills = (*OCPIService)(nil)

// FindRoamingBill reads the bill of a partner's CDR (system level: the
// app checks it is the driver's own).
func (s *OCPIService) FindRoamingBill(ctx context.Context, partnerID, cdrID string) (*volt.RoamingBill, error) {
	return findRoamingBill(ctx, s.db, partnerID, cdrID)
}

// FindRoamingBills lists roaming bills, newest first, for the CPO's
// support staff (a debt to follow up: State "debt"); another CPO's are
// not there.
func (s *OCPIService) FindRoamingBills(ctx context.Context, f volt.RoamingBillFilter) ([]volt.RoamingBill, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w := &where{}
	w.eq("cpo_id", f.CPOID)
	w.eq("user_id", f.UserID)
	w.eq("state", f.State)
	if err := w.scope(a, volt.PermSupport, scopeCols{CPO: "cpo_id"}); err != nil {
		return nil, 0, err
	}
	return list(ctx, s.db, listQuery{cols: roamingBillCols, from: "ocpi_roaming_bills", where: w, order: "created_at DESC, cdr_id",
		page: f.Page}, scanRoamingBill)
}

var _ volt.RoamingReceiptOutbox = (*OCPIService)(nil)

// PendingRoamingReceipts returns up to limit (0: 100) settled roaming
// bills (paid or a debt, not a card still being charged) whose receipt was
// not e-mailed yet, oldest first.
func (s *OCPIService) PendingRoamingReceipts(ctx context.Context, limit int) ([]volt.RoamingReceiptDue, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.db.Query(ctx, `SELECT `+prefixCols("b.", roamingBillCols)+`, u.email FROM ocpi_roaming_bills b JOIN users u ON u.id = b.user_id
		WHERE b.receipt_sent_at IS NULL AND b.state <> ? AND u.email <> '' ORDER BY b.created_at, b.cdr_id LIMIT ?`, volt.RoamingBillPending, limit)
	if err != nil {
		return nil, fmt.Errorf("pending roaming receipts: %w", err)
	}
	defer rows.Close()
	var out []volt.RoamingReceiptDue
	for rows.Next() {
		var d volt.RoamingReceiptDue
		if d.Bill, err = scanRoamingBill(withExtra{rowScanner: rows, extra: &d.Email}); err != nil {
			return nil, fmt.Errorf("pending roaming receipts: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// MarkRoamingReceiptSent records that a roaming bill's receipt e-mail went
// out.
func (s *OCPIService) MarkRoamingReceiptSent(ctx context.Context, partnerID, cdrID string) error {
	_, err := s.db.Exec(ctx, `UPDATE ocpi_roaming_bills SET receipt_sent_at = ? WHERE partner_id = ? AND cdr_id = ? AND receipt_sent_at IS NULL`,
		toMS(s.db.Now()), partnerID, cdrID)
	if err != nil {
		return fmt.Errorf("roaming receipt of %s sent: %w", cdrID, err)
	}
	return nil
}
