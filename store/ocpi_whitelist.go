package store

import (
	"context"
	"fmt"

	"github.com/volt-ev/volt"
)

var _ volt.RoamingWhitelistService = (*OCPIService)(nil)

// FindRoamingWhitelist returns a driver's roaming whitelist and its
// cards', for an actor who can read the driver.
func (s *OCPIService) FindRoamingWhitelist(ctx context.Context, userID string) (*volt.RoamingWhitelist, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	u, err := findUser(ctx, s.db, a, userID)
	if err != nil {
		return nil, err
	}
	return roamingWhitelistOf(ctx, s.db, u.ID)
}

// SetRoamingWhitelist sets a driver's (cardID "") or one of its cards'
// roaming whitelist, for an actor who manages the driver; the driver's or
// the card's updated_at moves so the change reaches partners.
func (s *OCPIService) SetRoamingWhitelist(ctx context.Context, userID, cardID, whitelist string) (*volt.RoamingWhitelist, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if !volt.ValidRoamingWhitelist(whitelist) {
		return nil, volt.FieldError("whitelist", "Whitelist must be ALWAYS, ALLOWED, ALLOWED_OFFLINE, NEVER or empty (the default), got %q.", whitelist)
	}
	var out *volt.RoamingWhitelist
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		u, err := findUser(ctx, tx, a, userID)
		if err != nil {
			return err
		}
		if err := checkUserWrite(ctx, tx, a, u); err != nil {
			return volt.Errorf(volt.EFORBIDDEN, "Only an operator who manages the driver may set its roaming whitelist.")
		}
		if cardID == "" {
			if _, err := tx.Exec(ctx, `UPDATE users SET roaming_whitelist = ?, updated_at = ? WHERE id = ?`, whitelist, tx.NowMS(), u.ID); err != nil {
				return fmt.Errorf("roaming whitelist of %s: %w", u.ID, err)
			}
		} else {
			res, err := tx.Exec(ctx, `UPDATE rfid_cards SET roaming_whitelist = ?, updated_at = ? WHERE id = ? AND user_id = ?`,
				whitelist, tx.NowMS(), cardID, u.ID)
			if err != nil {
				return fmt.Errorf("roaming whitelist of card %s: %w", cardID, err)
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return volt.FieldError("cardId", "The driver has no card %q.", cardID)
			}
		}
		out, err = roamingWhitelistOf(ctx, tx, u.ID)
		return err
	})
	return out, err
}

// roamingWhitelistOf reads a driver's setting and its cards'.
func roamingWhitelistOf(ctx context.Context, q querier, userID string) (*volt.RoamingWhitelist, error) {
	w := &volt.RoamingWhitelist{UserID: userID, Cards: []volt.RoamingCardWhitelist{}}
	if err := q.QueryRow(ctx, `SELECT roaming_whitelist FROM users WHERE id = ?`, userID).Scan(&w.Whitelist); err != nil {
		return nil, notFound(err, "User", userID)
	}
	w.Effective = volt.EffectiveWhitelist("", w.Whitelist)
	rows, err := q.Query(ctx, `SELECT id, uid, roaming_whitelist FROM rfid_cards WHERE user_id = ? ORDER BY uid`, userID)
	if err != nil {
		return nil, fmt.Errorf("cards of %s: %w", userID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var c volt.RoamingCardWhitelist
		if err := rows.Scan(&c.CardID, &c.UID, &c.Whitelist); err != nil {
			return nil, fmt.Errorf("cards of %s: %w", userID, err)
		}
		c.Effective = volt.EffectiveWhitelist(c.Whitelist, w.Whitelist)
		w.Cards = append(w.Cards, c)
	}
	return w, rows.Err()
}
