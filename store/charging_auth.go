package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/volt-ev/volt"
)

// AuthorizeIDTag answers an OCPP Authorize for an idTag at a charger. The
// store gathers the facts (card, user, charger group access, engineer
// grants, other active sessions) and volt.DecideAuthorization decides.
//
// Access to a private charger group is granted to usergroups through the
// charger_group_access table (charger_group_id, usergroup_id).
func (s *ChargingService) AuthorizeIDTag(ctx context.Context, cpid, idTag string) (volt.AuthResult, error) {
	var res volt.AuthResult
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		ch, err := chargerOf(ctx, tx, cpid)
		if err != nil {
			return err
		}
		res, err = s.authorize(ctx, tx, ch, volt.NormalizeIDTag(idTag), 0)
		return err
	})
	if err != nil {
		return volt.AuthResult{}, fmt.Errorf("authorize idTag at %s: %w", cpid, err)
	}
	return res, nil
}

// chargerOf reads the charger's place in the hierarchy without locking it.
func chargerOf(ctx context.Context, tx *Tx, cpid string) (*chargerFacts, error) {
	c := &chargerFacts{}
	err := tx.QueryRow(ctx, `SELECT cpid, cpo_id, owner_id, site_id, charger_group_id FROM chargers WHERE cpid = ?`, cpid).
		Scan(&c.CPID, &c.CPOID, &c.OwnerID, &c.SiteID, &c.ChargerGrp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, volt.Errorf(volt.ENOTFOUND, "Charger %s not found.", cpid)
	} else if err != nil {
		return nil, fmt.Errorf("find charger %s: %w", cpid, err)
	}
	return c, nil
}

// authorize gathers the facts about idTag (normalised) at the charger and
// decides. connectorID is the connector being started on: an active session
// there is not "elsewhere" (it is about to be closed). -1 skips the
// ConcurrentTx check (a stop). Only accepted sessions count as concurrent: a
// refused start is about to be stopped by its charger.
func (s *ChargingService) authorize(ctx context.Context, tx *Tx, ch *chargerFacts, idTag string, connectorID int) (volt.AuthResult, error) {
	f := volt.AuthFacts{Charger: ch.ref(), Now: tx.Now()}
	var blocked, disabled bool
	var expires sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT c.user_id, c.blocked, c.expires_at, u.disabled
		FROM rfid_cards c JOIN users u ON u.id = c.user_id WHERE c.uid_norm = ?`, idTag).
		Scan(&f.UserID, &blocked, &expires, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return volt.DecideAuthorization(f), nil
	} else if err != nil {
		return volt.AuthResult{}, fmt.Errorf("find card: %w", err)
	}
	f.CardFound, f.CardBlocked, f.UserDisabled, f.CardExpires = true, blocked, disabled, fromNullMS(expires)
	if f.GroupPrivate, f.GroupAccess, err = groupAccess(ctx, tx, ch.ChargerGrp, f.UserID); err != nil {
		return volt.AuthResult{}, err
	}
	if f.Grants, err = engineerGrants(ctx, tx, f.UserID); err != nil {
		return volt.AuthResult{}, err
	}
	if connectorID >= 0 {
		var n int
		err := tx.QueryRow(ctx, `SELECT count(*) FROM sessions WHERE id_tag = ? AND status = 'active'
			AND auth_status = ? AND NOT (cpid = ? AND connector_id = ?)`, idTag, string(volt.AuthAccepted), ch.CPID, connectorID).Scan(&n)
		if err != nil {
			return volt.AuthResult{}, fmt.Errorf("active sessions of idTag: %w", err)
		}
		f.ActiveElsewhere = n > 0
	}
	return volt.DecideAuthorization(f), nil
}

// groupAccess reports whether the charger group is private and whether the
// user is in a usergroup admitted to it.
func groupAccess(ctx context.Context, tx *Tx, groupID, userID string) (private, access bool, err error) {
	err = tx.QueryRow(ctx, `SELECT private FROM charger_groups WHERE id = ?`, groupID).Scan(&private)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, false, fmt.Errorf("charger group %s: %w", groupID, err)
	}
	if !private {
		return false, false, nil
	}
	var n int
	err = tx.QueryRow(ctx, `SELECT count(*) FROM charger_group_access a
		JOIN memberships m ON m.usergroup_id = a.usergroup_id
		WHERE a.charger_group_id = ? AND m.user_id = ?`, groupID, userID).Scan(&n)
	if err != nil {
		return false, false, fmt.Errorf("access to charger group %s: %w", groupID, err)
	}
	return true, n > 0, nil
}

// engineerGrants returns the grants of the user's engineer usergroups.
func engineerGrants(ctx context.Context, tx *Tx, userID string) ([]volt.Grant, error) {
	rows, err := tx.Query(ctx, `SELECT g.cpo_id, g.owner_id, g.host_id FROM usergroups g
		JOIN memberships m ON m.usergroup_id = g.id
		WHERE m.user_id = ? AND g.role = ?`, userID, string(volt.RoleEngineer))
	if err != nil {
		return nil, fmt.Errorf("engineer usergroups: %w", err)
	}
	defer rows.Close()
	var grants []volt.Grant
	for rows.Next() {
		var g volt.Usergroup
		var owner, host sql.NullString
		if err := rows.Scan(&g.CPOID, &owner, &host); err != nil {
			return nil, fmt.Errorf("engineer usergroups: %w", mapError(err))
		}
		g.Role, g.OwnerID, g.HostID = volt.RoleEngineer, owner.String, host.String
		// TODO(auth): a host engineer's charger groups are not resolved, so a
		// host-scoped engineer gets no free vend.
		grants = append(grants, g.Grant())
	}
	return grants, mapError(rows.Err())
}
