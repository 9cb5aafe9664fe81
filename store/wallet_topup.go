package store

import (
	"context"
	"fmt"

	"github.com/volt-ev/volt"
)

// MaxTopUp returns the largest top-up the user may make in currency (see
// maxTopUp); the caller must be allowed to see the wallet.
func (m *MoneyService) MaxTopUp(ctx context.Context, userID, currency string) (volt.Money, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return volt.Money{}, err
	}
	if err := canSeeWallet(a, userID); err != nil {
		return volt.Money{}, err
	}
	if !volt.ValidCurrency(currency) {
		return volt.Money{}, volt.FieldError("currency", "Unknown currency %q.", currency)
	}
	n, err := maxTopUp(ctx, m.db, userID, currency)
	return volt.Money{Amount: n, Currency: currency}, err
}

var _ volt.TopUpLimits = (*MoneyService)(nil)

// maxTopUp is the smallest maximum top-up set by the CPOs the user belongs
// to (the whitelabel it signed up with, its usergroups' CPOs) among those
// pricing in currency, or volt.DefaultMaxTopUp where none has set one. The
// smallest wins: a driver of two networks is held to the stricter.
func maxTopUp(ctx context.Context, q querier, userID, currency string) (int64, error) {
	var n int64
	err := q.QueryRow(ctx, `SELECT COALESCE(MIN(CASE WHEN s.max_top_up > 0 THEN s.max_top_up ELSE ? END), ?)
		FROM cpos c LEFT JOIN cpo_money_settings s ON s.cpo_id = c.id
		WHERE c.currency = ? AND c.id IN (SELECT cpo_id FROM users WHERE id = ? AND cpo_id IS NOT NULL
			UNION SELECT g.cpo_id FROM usergroups g JOIN memberships m ON m.usergroup_id = g.id WHERE m.user_id = ?)`,
		volt.DefaultMaxTopUp(currency), volt.DefaultMaxTopUp(currency), currency, userID, userID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("maximum top-up of %s: %w", userID, mapError(err))
	}
	return n, nil
}
