package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/volt-ev/volt"
)

// recordCard keeps the card brand and last four digits a provider reported
// for an authorisation (nothing when it reported none): the sandbox from
// its test card, Stripe from the PaymentIntent's latest charge.
func recordCard(ctx context.Context, tx *Tx, paymentID string, r *volt.ProviderResult) error {
	if r == nil || len(r.CardLast4) != 4 {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE payments SET card_brand = ?, card_last4 = ? WHERE id = ?`,
		strings.ToLower(r.CardBrand), r.CardLast4, paymentID); err != nil {
		return fmt.Errorf("record card of payment %s: %w", paymentID, err)
	}
	return nil
}

// FindGuestPayments returns the guest payments bound to a session whose
// checkout e-mail (case-insensitive) and card's last four digits match,
// newest first, at most 20. System actors only: the app asks on the
// guest's behalf (volt.GuestPaymentFinder).
func (m *MoneyService) FindGuestPayments(ctx context.Context, email, last4 string) ([]*volt.Payment, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if !a.SuperAdmin {
		return nil, volt.Errorf(volt.EFORBIDDEN, "Guest payments are found by the platform.")
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" || len(last4) != 4 {
		return []*volt.Payment{}, nil
	}
	rows, err := m.db.Query(ctx, `SELECT `+paymentCols+` FROM payments WHERE email = ? AND card_last4 = ? AND kind = ? AND session_id <> ''
		ORDER BY created_at DESC LIMIT 20`, email, last4, string(volt.PaymentGuest))
	if err != nil {
		return nil, fmt.Errorf("find guest payments: %w", err)
	}
	defer rows.Close()
	out := []*volt.Payment{}
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return nil, fmt.Errorf("find guest payments: %w", mapError(err))
		}
		out = append(out, p)
	}
	return out, mapError(rows.Err())
}
