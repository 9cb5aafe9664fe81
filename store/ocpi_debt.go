package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/volt-ev/volt"
)

// Settling a roaming debt (issue 14, eMSP side). A debt was charged to the
// wallet below zero under the bill's own key (payRoamingBill,
// roamingCardRefused), so settling it posts no second roaming charge: the
// wallet is topped up (by the driver, or by the card on file charged what
// is owed) and, once it covers a debt, the bill turns paid
// (settleRoamingDebts, from applyTopUp). While a debt is owed the
// driver's tokens go out to partner CPOs as not valid (roamingDebtOf).

// settleRoamingDebts marks a driver's roaming debts in currency paid as
// far as the wallet covers them: what the wallet is still short is owed
// by the newest debts, the older ones are settled.
func settleRoamingDebts(ctx context.Context, tx *Tx, userID, currency string) error {
	short, err := accountSum(ctx, tx, volt.AccountWallet(userID), currency) // > 0: the wallet is below zero
	if err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT partner_id, cdr_id, total FROM ocpi_roaming_bills WHERE user_id = ? AND currency = ? AND state = ?
		ORDER BY created_at DESC, cdr_id DESC`, userID, currency, volt.RoamingBillDebt)
	if err != nil {
		return fmt.Errorf("roaming debts of %s: %w", userID, err)
	}
	type bill struct{ partner, cdr string }
	var settled []bill
	for rows.Next() {
		var b bill
		var total int64
		if err := rows.Scan(&b.partner, &b.cdr, &total); err != nil {
			rows.Close()
			return fmt.Errorf("roaming debts of %s: %w", userID, err)
		}
		if short > 0 {
			short -= total
			continue
		}
		settled = append(settled, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, b := range settled {
		if _, err := tx.Exec(ctx, `UPDATE ocpi_roaming_bills SET state = ?, paid_by = ?, failure = '', updated_at = ?
			WHERE partner_id = ? AND cdr_id = ? AND state = ?`, volt.RoamingBillPaid, volt.RoamingPaidWallet, tx.NowMS(),
			b.partner, b.cdr, volt.RoamingBillDebt); err != nil {
			return fmt.Errorf("settle roaming bill %s: %w", b.cdr, err)
		}
	}
	return nil
}

var _ volt.RoamingDebts = (*MoneyService)(nil)

// RoamingDebtsOf lists the roaming bills the driver owes, oldest first,
// with the partner's name.
func (m *MoneyService) RoamingDebtsOf(ctx context.Context, userID string) ([]volt.RoamingDebt, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := canSeeWallet(a, userID); err != nil {
		return nil, err
	}
	rows, err := m.db.Query(ctx, `SELECT `+prefixCols("b.", roamingBillCols)+`, p.name FROM ocpi_roaming_bills b
		JOIN ocpi_partners p ON p.id = b.partner_id WHERE b.user_id = ? AND b.state = ? ORDER BY b.created_at, b.cdr_id`,
		userID, volt.RoamingBillDebt)
	if err != nil {
		return nil, fmt.Errorf("roaming debts of %s: %w", userID, err)
	}
	defer rows.Close()
	out := []volt.RoamingDebt{}
	for rows.Next() {
		var d volt.RoamingDebt
		if d.Bill, err = scanRoamingBill(withExtra{rowScanner: rows, extra: &d.PartnerName}); err != nil {
			return nil, fmt.Errorf("roaming debts of %s: %w", userID, err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// PayRoamingDebts charges the driver's card on file what they owe for
// partner networks' CDRs (the wallet's shortfall while a roaming debt is
// open), as a top-up that settles the debts: the driver's "Pay what you
// owe" (key: the app's idempotency key of the request), and the retry
// when they save a card (key ""). The payment's idempotency key is made of
// the newest debt's key, the amount and the request's key or else the
// card, so a replay or a concurrent call charges once and a card refused
// on saving is not charged again until another card is saved. Nothing
// owed: nil, nil. A refused card is EUNPROCESSABLE and the debt stays.
func (m *MoneyService) PayRoamingDebts(ctx context.Context, userID, key string) (*volt.Payment, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := canSeeWallet(a, userID); err != nil {
		return nil, err
	}
	var currency, newest, prov, card string
	var short int64
	err = m.db.WithTx(ctx, func(tx *Tx) error {
		var partner, cdr string
		err := tx.QueryRow(ctx, `SELECT currency, partner_id, cdr_id FROM ocpi_roaming_bills WHERE user_id = ? AND state = ?
			ORDER BY created_at DESC, cdr_id DESC LIMIT 1`, userID, volt.RoamingBillDebt).Scan(&currency, &partner, &cdr)
		if err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				currency = ""
				return nil // nothing owed
			}
			return fmt.Errorf("roaming debts of %s: %w", userID, err)
		}
		// A wallet topped up meanwhile may cover it already.
		if err := settleRoamingDebts(ctx, tx, userID, currency); err != nil {
			return err
		}
		if short, err = accountSum(ctx, tx, volt.AccountWallet(userID), currency); err != nil {
			return err
		}
		newest = roamingKey(partner, cdr)
		err = tx.QueryRow(ctx, `SELECT provider, token FROM payment_cards WHERE user_id = ?`, userID).Scan(&prov, &card)
		switch {
		case errors.Is(err, sql.ErrNoRows) && short > 0:
			return volt.Errorf(volt.EUNPROCESSABLE, "There is no card on file to pay the %d %s owed.", short, currency)
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return fmt.Errorf("card of %s: %w", userID, err)
		}
		return nil
	})
	if err != nil || currency == "" || short <= 0 {
		return nil, err
	}
	by := "app:" + key
	if key == "" {
		sum := sha256.Sum256([]byte(prov + ":" + card))
		by = "card:" + hex.EncodeToString(sum[:8])
	}
	return m.topUp(ctx, userID, volt.Money{Amount: short, Currency: currency}, card,
		"roaming-debt:"+userID+":"+newest+":"+strconv.FormatInt(short, 10)+":"+by)
}
