package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/volt-ev/volt"
)

// Affiliate codes belong to a driver usergroup; they are read and managed by
// whoever reads and manages that usergroup, and redeemed by any signed-in user.

const codeCols = `a.id, a.code, a.usergroup_id, a.cpo_id, a.max_uses, a.uses, a.expires_at, a.created_at`

func scanCode(s rowScanner) (*volt.AffiliateCode, error) {
	c := &volt.AffiliateCode{}
	var expires sql.NullInt64
	var created int64
	if err := s.Scan(&c.ID, &c.Code, &c.UsergroupID, &c.CPOID, &c.MaxUses, &c.Uses, &expires, &created); err != nil {
		return nil, err
	}
	c.ExpiresAt, c.CreatedAt = fromNullMS(expires), fromMS(created)
	return c, nil
}

const codeFrom = `affiliate_codes a JOIN usergroups g ON g.id = a.usergroup_id`

// FindAffiliateCodes lists the codes of usergroups the actor can read.
// Filter: ID the code id, CPOID, Query a prefix of the code; the usergroup is
// not a Filter field, so ID may also be a usergroup id.
func (s *UserService) FindAffiliateCodes(ctx context.Context, f volt.Filter) ([]*volt.AffiliateCode, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w := &where{}
	if err := w.scope(a, volt.PermRead, usergroupScope); err != nil {
		return nil, 0, err
	}
	if f.ID != "" {
		w.add("(a.id = ? OR a.usergroup_id = ?)", f.ID, f.ID)
	}
	w.eq("a.cpo_id", f.CPOID)
	w.eq("g.owner_id", f.OwnerID)
	if q := strings.TrimSpace(f.Query); q != "" {
		w.add(`a.code LIKE ? ESCAPE '\'`, strings.ToUpper(likePrefix(q)))
	}
	return list(ctx, s.db, listQuery{cols: codeCols, from: codeFrom, where: w, order: "a.code", page: f.Page}, scanCode)
}

// CreateAffiliateCode creates a code for a driver usergroup the actor may
// write. The code is upper-cased and unique (ECONFLICT on "code").
func (s *UserService) CreateAffiliateCode(ctx context.Context, c *volt.AffiliateCode) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		g, err := findUsergroup(ctx, tx, a, c.UsergroupID)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, usergroupRef(g)) {
			return forbidden("usergroup")
		}
		if g.Role != volt.RoleDriver {
			return volt.Errorf(volt.EUNPROCESSABLE, "Affiliate codes can only join driver usergroups.")
		}
		c.ID, c.CPOID, c.Uses = volt.NewID(volt.PrefixAffiliateCode), g.CPOID, 0
		c.CreatedAt = tx.Now()
		_, err = tx.Exec(ctx, `INSERT INTO affiliate_codes (id, code, usergroup_id, cpo_id, max_uses, uses, expires_at, created_at)
			VALUES (?, ?, ?, ?, ?, 0, ?, ?)`, c.ID, c.Code, c.UsergroupID, c.CPOID, c.MaxUses, toNullMS(c.ExpiresAt), tx.NowMS())
		if err != nil {
			return fmt.Errorf("create affiliate code: %w", err)
		}
		return nil
	})
}

// DeleteAffiliateCode deletes a code; members it brought in stay members.
func (s *UserService) DeleteAffiliateCode(ctx context.Context, id string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		w := &where{}
		w.add("a.id = ?", id)
		if err := w.scope(a, volt.PermRead, usergroupScope); err != nil {
			return err
		}
		var cpo string
		var owner sql.NullString
		err := tx.QueryRow(ctx, `SELECT g.cpo_id, g.owner_id FROM `+codeFrom+` WHERE `+w.String(), w.args...).Scan(&cpo, &owner)
		if err != nil {
			return notFound(err, "Affiliate code", id)
		}
		if !a.Can(volt.PermWrite, volt.Ref{CPOID: cpo, OwnerID: owner.String}) {
			return forbidden("affiliate code")
		}
		res, err := tx.Exec(ctx, `DELETE FROM affiliate_codes WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete affiliate code %s: %w", id, err)
		}
		return rowsAffected(res, "Affiliate code", id)
	})
}

// RedeemAffiliateCode adds the actor's user to the code's usergroup and counts
// a use. A code that is unknown is ENOTFOUND; expired or used up is
// EUNPROCESSABLE. Redeeming a code of a group one is already in changes
// nothing.
func (s *UserService) RedeemAffiliateCode(ctx context.Context, code string) (*volt.Usergroup, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if a.UserID == "" {
		return nil, volt.Errorf(volt.EUNPROCESSABLE, "Only a signed-in user can redeem an affiliate code.")
	}
	code = strings.ToUpper(strings.TrimSpace(code))
	var g *volt.Usergroup
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		c, err := scanCode(tx.QueryRow(ctx, `SELECT `+codeCols+` FROM affiliate_codes a WHERE a.code = ?`, code))
		if err != nil {
			return notFound(err, "Affiliate code", code)
		}
		if c.ExpiresAt != nil && !tx.Now().Before(*c.ExpiresAt) {
			return volt.Errorf(volt.EUNPROCESSABLE, "This affiliate code has expired.")
		}
		g, err = scanUsergroup(tx.QueryRow(ctx, `SELECT `+usergroupCols+` FROM usergroups g WHERE g.id = ?`, c.UsergroupID))
		if err != nil {
			return notFound(err, "Usergroup", c.UsergroupID)
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM memberships WHERE usergroup_id = ? AND user_id = ?`, g.ID, a.UserID).Scan(&n); err != nil {
			return fmt.Errorf("redeem %s: %w", code, err)
		}
		if n > 0 {
			return nil
		}
		res, err := tx.Exec(ctx, `UPDATE affiliate_codes SET uses = uses + 1 WHERE id = ? AND (max_uses = 0 OR uses < max_uses)`, c.ID)
		if err != nil {
			return fmt.Errorf("redeem %s: %w", code, err)
		}
		if err := rowsAffected(res, "Affiliate code", code); volt.IsCode(err, volt.ENOTFOUND) {
			return volt.Errorf(volt.EUNPROCESSABLE, "This affiliate code has been used up.")
		} else if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO memberships (usergroup_id, user_id, created_at) VALUES (?, ?, ?)`, g.ID, a.UserID, tx.NowMS()); err != nil {
			return fmt.Errorf("redeem %s: %w", code, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}
