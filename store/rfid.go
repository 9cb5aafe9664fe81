package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/volt-ev/volt"
)

// RFID cards follow their user: an actor reads a card when it reads the
// card's user, and changes it when it may manage that user (or it is the
// user's own card). The UID is kept as sent and, upper-cased by
// volt.NormalizeIDTag, in uid_norm, which is unique platform-wide.

const cardCols = `c.id, c.uid, c.user_id, c.cpo_id, c.label, c.blocked, c.expires_at, c.created_at, c.updated_at, c.group_id`

func scanCard(s rowScanner) (*volt.RFIDCard, error) {
	c := &volt.RFIDCard{}
	var cpo sql.NullString
	var expires sql.NullInt64
	var created, updated int64
	if err := s.Scan(&c.ID, &c.UID, &c.UserID, &cpo, &c.Label, &c.Blocked, &expires, &created, &updated, &c.GroupID); err != nil {
		return nil, err
	}
	c.CPOID, c.ExpiresAt = cpo.String, fromNullMS(expires)
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return c, nil
}

// cardWhere restricts cards (alias c, joined to users u) to readable ones.
func cardWhere(a *volt.Actor) (*where, error) { return userWhere(a) }

func findCard(ctx context.Context, q querier, a *volt.Actor, id string) (*volt.RFIDCard, error) {
	w, err := cardWhere(a)
	if err != nil {
		return nil, err
	}
	w.add("c.id = ?", id)
	c, err := scanCard(q.QueryRow(ctx, `SELECT `+cardCols+` FROM rfid_cards c JOIN users u ON u.id = c.user_id WHERE `+w.String(), w.args...))
	if err != nil {
		return nil, notFound(err, "RFID card", id)
	}
	return c, nil
}

// checkCardWrite allows the card's own user and actors who manage the user.
func checkCardWrite(ctx context.Context, tx *Tx, a *volt.Actor, userID string) (*volt.User, error) {
	u, err := findUser(ctx, tx, a, userID)
	if err != nil {
		return nil, err
	}
	if a.UserID != "" && a.UserID == u.ID {
		return u, nil
	}
	return u, checkUserWrite(ctx, tx, a, u)
}

// FindRFIDCardByID returns a card the actor can read.
func (s *UserService) FindRFIDCardByID(ctx context.Context, id string) (*volt.RFIDCard, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return findCard(ctx, s.db, a, id)
}

// FindRFIDCards lists the cards the actor can read. Filter: ID matches the
// card id or its user's id; Email the user's email; CPOID the card's CPO;
// UsergroupID the user's membership; Query a prefix of the UID or part of the
// label.
func (s *UserService) FindRFIDCards(ctx context.Context, f volt.UserFilter) ([]*volt.RFIDCard, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w, err := cardWhere(a)
	if err != nil {
		return nil, 0, err
	}
	if f.ID != "" {
		w.add("(c.id = ? OR c.user_id = ?)", f.ID, f.ID)
	}
	w.eq("u.email", strings.ToLower(strings.TrimSpace(f.Email)))
	w.eq("c.cpo_id", f.CPOID)
	if f.UsergroupID != "" {
		w.add("c.user_id IN (SELECT user_id FROM memberships WHERE usergroup_id = ?)", f.UsergroupID)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		w.add(`(c.uid_norm LIKE ? ESCAPE '\' OR lower(c.label) LIKE ? ESCAPE '\')`,
			strings.ToUpper(likePrefix(q)), "%"+likePrefix(q))
	}
	return list(ctx, s.db, listQuery{cols: cardCols, from: "rfid_cards c JOIN users u ON u.id = c.user_id", where: w, order: "c.uid_norm", page: f.Page}, scanCard)
}

// CreateRFIDCard attaches a card to a user. A UID already on any card, in any
// letter case, is ECONFLICT on "uid".
func (s *UserService) CreateRFIDCard(ctx context.Context, c *volt.RFIDCard) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		u, err := checkCardWrite(ctx, tx, a, c.UserID)
		if err != nil {
			return err
		}
		if c.CPOID == "" {
			c.CPOID = u.CPOID
		} else if c.CPOID != u.CPOID && !a.Can(volt.PermWrite, volt.Ref{CPOID: c.CPOID}) {
			return volt.FieldError("cpoId", "You may not issue cards for CPO %q.", c.CPOID)
		}
		c.ID = volt.NewID(volt.PrefixRFIDCard)
		c.CreatedAt, c.UpdatedAt = tx.Now(), tx.Now()
		if c.GroupID != "" && checkUserWrite(ctx, tx, a, u) != nil {
			return volt.Errorf(volt.EFORBIDDEN, "Only an operator who manages the card's user may set its group.")
		}
		_, err = tx.Exec(ctx, `INSERT INTO rfid_cards (id, uid, uid_norm, user_id, cpo_id, label, blocked, expires_at, created_at, updated_at, group_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.UID, volt.NormalizeIDTag(c.UID), c.UserID, nullString(c.CPOID),
			c.Label, c.Blocked, toNullMS(c.ExpiresAt), tx.NowMS(), tx.NowMS(), c.GroupID)
		if err != nil {
			return fmt.Errorf("create rfid card: %w", err)
		}
		return nil
	})
}

// UpdateRFIDCard changes a card's label, blocked flag and expiry. A user may
// block its own card but only a manager may unblock it.
func (s *UserService) UpdateRFIDCard(ctx context.Context, c *volt.RFIDCard) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	c.GroupID = strings.TrimSpace(c.GroupID)
	if c.GroupID != "" {
		probe := volt.RFIDCard{UID: "x", UserID: "x", GroupID: c.GroupID}
		if err := probe.Validate(); err != nil {
			return err
		}
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		old, err := findCard(ctx, tx, a, c.ID)
		if err != nil {
			return err
		}
		u, err := checkCardWrite(ctx, tx, a, old.UserID)
		if err != nil {
			return err
		}
		// A driver choosing its card's group could stop other people's
		// sessions: only the user's managers may change it.
		if c.GroupID != old.GroupID && checkUserWrite(ctx, tx, a, u) != nil {
			return volt.Errorf(volt.EFORBIDDEN, "Only an operator who manages the card's user may change its group.")
		}
		if old.Blocked && !c.Blocked && a.UserID == old.UserID && !a.SuperAdmin {
			u, _ := findUser(ctx, tx, a, old.UserID)
			if u == nil || checkUserWrite(ctx, tx, a, u) != nil {
				return volt.Errorf(volt.EFORBIDDEN, "Ask your operator to unblock this card.")
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE rfid_cards SET label = ?, blocked = ?, expires_at = ?, group_id = ?, updated_at = ? WHERE id = ?`,
			c.Label, c.Blocked, toNullMS(c.ExpiresAt), c.GroupID, tx.NowMS(), c.ID); err != nil {
			return fmt.Errorf("update rfid card %s: %w", c.ID, err)
		}
		c.UID, c.UserID, c.CPOID = old.UID, old.UserID, old.CPOID
		c.CreatedAt, c.UpdatedAt = old.CreatedAt, tx.Now()
		return nil
	})
}

// DeleteRFIDCard removes a card; its UID may then be issued again.
func (s *UserService) DeleteRFIDCard(ctx context.Context, id string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		old, err := findCard(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if _, err := checkCardWrite(ctx, tx, a, old.UserID); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM rfid_cards WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete rfid card %s: %w", id, err)
		}
		return rowsAffected(res, "RFID card", id)
	})
}
