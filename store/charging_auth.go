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
// charger_group_access table (charger_group_id, usergroup_id) or a tariff
// assignment of the usergroup on the group.
func (s *ChargingService) AuthorizeIDTag(ctx context.Context, cpid, idTag string) (volt.AuthResult, error) {
	var res volt.AuthResult
	var ch *chargerFacts
	tag := volt.NormalizeIDTag(idTag)
	ctx = s.askRealTime(ctx, cpid, tag) // a roaming token's eMSP, before the transaction (issue 14)
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		var err error
		if ch, err = chargerOf(ctx, tx, cpid); err != nil {
			return err
		}
		res, err = s.authorize(ctx, tx, ch, tag, -1, "") // Authorize answers the card, never ConcurrentTx
		return err
	})
	if err != nil {
		return volt.AuthResult{}, fmt.Errorf("authorize idTag at %s: %w", cpid, err)
	}
	if refusal := s.admit(ctx, res, cpid, 0); refusal != "" {
		err = s.db.WithTx(ctx, func(tx *Tx) error {
			var err error
			res, err = s.authorize(ctx, tx, ch, tag, -1, refusal)
			return err
		})
		if err != nil {
			return volt.AuthResult{}, fmt.Errorf("authorize idTag at %s: %w", cpid, err)
		}
	}
	return res, nil
}

// admit asks the Gate whether an accepted start is paid for, and returns
// the refusal ("" to admit). A gate that fails refuses: the start cannot be
// paid for, and the charger must always get an answer.
func (s *ChargingService) admit(ctx context.Context, res volt.AuthResult, cpid string, connectorID int) string {
	if s.Gate == nil || res.Status != volt.AuthAccepted || res.FreeVend || res.UserID == "" {
		return ""
	}
	refusal, err := s.Gate.AdmitStart(ctx, res.UserID, cpid, connectorID)
	if err != nil {
		return "payment check failed: " + volt.ErrorMessage(err)
	}
	return refusal
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
// decides. connectorID is the connector being started on (a
// StartTransaction): an active session there is not "elsewhere" (it is about
// to be closed), and the card's open sessions elsewhere are held against the
// CPO's maxConcurrentSessionsPerCard. -1 skips that check (Authorize, a
// stop). payRefusal is the Gate's answer, if asked. Only accepted sessions
// count as concurrent: a refused start is about to be stopped by its charger.
func (s *ChargingService) authorize(ctx context.Context, tx *Tx, ch *chargerFacts, idTag string, connectorID int, payRefusal string) (volt.AuthResult, error) {
	f := volt.AuthFacts{Charger: ch.ref(), Now: tx.Now(), PaymentRefusal: payRefusal}
	var blocked, disabled bool
	var expires sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT c.user_id, c.blocked, c.expires_at, u.disabled, c.group_id
		FROM rfid_cards c JOIN users u ON u.id = c.user_id WHERE c.uid_norm = ?`, idTag).
		Scan(&f.UserID, &blocked, &expires, &disabled, &f.CardGroupID)
	if errors.Is(err, sql.ErrNoRows) {
		// Not a card of Volt's: a roaming partner's token? (issue 14)
		if res, ok, err := s.authorizeRoaming(ctx, tx, ch, idTag); ok || err != nil {
			return res, err
		}
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
	if s.Pricer != nil {
		if f.TariffRefusal, err = s.Pricer.TariffRefusal(withTx(ctx, tx), ch.ChargerGrp, f.UserID, f.Now); err != nil {
			return volt.AuthResult{}, fmt.Errorf("tariff of %s: %w", f.UserID, err)
		}
	}
	if connectorID >= 0 {
		if err := tx.QueryRow(ctx, `SELECT max_concurrent_sessions_per_card FROM cpos WHERE id = ?`, ch.CPOID).Scan(&f.MaxSessionsPerCard); err != nil {
			return volt.AuthResult{}, fmt.Errorf("sessions per card of %s: %w", ch.CPOID, err)
		}
		err := tx.QueryRow(ctx, `SELECT count(*) FROM sessions WHERE id_tag = ? AND status = 'active'
			AND auth_status = ? AND NOT (cpid = ? AND connector_id = ?)`, idTag, string(volt.AuthAccepted), ch.CPID, connectorID).Scan(&f.OpenSessions)
		if err != nil {
			return volt.AuthResult{}, fmt.Errorf("active sessions of idTag: %w", err)
		}
	}
	return volt.DecideAuthorization(f), nil
}

// groupAccess reports whether the charger group is private and whether the
// user is in a usergroup admitted to it: granted access, or a tariff of
// the usergroup on the group (as volt.SelectTariff and the charger price
// read a private group).
func groupAccess(ctx context.Context, tx *Tx, groupID, userID string) (private, access bool, err error) {
	err = tx.QueryRow(ctx, `SELECT private FROM charger_groups WHERE id = ?`, groupID).Scan(&private)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, false, fmt.Errorf("charger group %s: %w", groupID, err)
	}
	if !private {
		return false, false, nil
	}
	var n int
	err = tx.QueryRow(ctx, `SELECT count(*) FROM memberships m WHERE m.user_id = ? AND m.usergroup_id IN (
		SELECT usergroup_id FROM charger_group_access WHERE charger_group_id = ?
		UNION SELECT usergroup_id FROM tariff_assignments WHERE charger_group_id = ?)`, userID, groupID, groupID).Scan(&n)
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
		grants = append(grants, g.Grant())
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	rows.Close()
	// A host-scoped engineer covers the host's charger groups: resolve them
	// (after the rows are closed: one statement at a time on a transaction).
	for i := range grants {
		if grants[i].HostID == "" {
			continue
		}
		ids, err := hostGroupIDs(ctx, tx, grants[i].HostID)
		if err != nil {
			return nil, err
		}
		grants[i].ChargerGroupIDs = ids
	}
	// An engineer on an install job in progress charges free on its
	// chargers (issue 16).
	field, err := fieldGrants(ctx, tx, userID, tx.Now())
	if err != nil {
		return nil, err
	}
	return append(grants, field...), nil
}
