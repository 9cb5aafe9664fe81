package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/volt-ev/volt"
)

var usergroupScope = scopeCols{CPO: "g.cpo_id", Owner: "g.owner_id"}

const usergroupCols = `g.id, g.name, g.role, g.cpo_id, g.owner_id, g.host_id, g.private, g.created_at, g.updated_at`

func scanUsergroup(s rowScanner) (*volt.Usergroup, error) {
	g := &volt.Usergroup{}
	var role string
	var owner, host sql.NullString
	var created, updated int64
	if err := s.Scan(&g.ID, &g.Name, &role, &g.CPOID, &owner, &host, &g.Private, &created, &updated); err != nil {
		return nil, err
	}
	g.Role, g.OwnerID, g.HostID = volt.Role(role), owner.String, host.String
	g.CreatedAt, g.UpdatedAt = fromMS(created), fromMS(updated)
	return g, nil
}

// usergroupRef is where a usergroup sits in the hierarchy, for write checks.
func usergroupRef(g *volt.Usergroup) volt.Ref {
	return volt.Ref{CPOID: g.CPOID, OwnerID: g.OwnerID}
}

// userGroups returns every usergroup of a user, without authorisation (for
// Authenticate and write checks).
func userGroups(ctx context.Context, q querier, userID string) ([]*volt.Usergroup, error) {
	rows, err := q.Query(ctx, `SELECT `+usergroupCols+` FROM usergroups g JOIN memberships m ON m.usergroup_id = g.id
		WHERE m.user_id = ? ORDER BY g.name, g.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("usergroups of %s: %w", userID, err)
	}
	defer rows.Close()
	groups := []*volt.Usergroup{}
	for rows.Next() {
		g, err := scanUsergroup(rows)
		if err != nil {
			return nil, fmt.Errorf("usergroups of %s: %w", userID, mapError(err))
		}
		groups = append(groups, g)
	}
	return groups, mapError(rows.Err())
}

func findUsergroup(ctx context.Context, q querier, a *volt.Actor, id string) (*volt.Usergroup, error) {
	return findOne(ctx, q, a, "Usergroup", usergroupCols, "usergroups g", "g.id", id, usergroupScope, scanUsergroup)
}

// FindUsergroupByID returns a usergroup the actor can read.
func (s *UserService) FindUsergroupByID(ctx context.Context, id string) (*volt.Usergroup, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return findUsergroup(ctx, s.db, a, id)
}

// FindUsergroups lists the usergroups the actor can read.
func (s *UserService) FindUsergroups(ctx context.Context, f volt.Filter) ([]*volt.Usergroup, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w := &where{}
	if err := w.scope(a, volt.PermRead, usergroupScope); err != nil {
		return nil, 0, err
	}
	w.eq("g.id", f.ID)
	w.eq("g.cpo_id", f.CPOID)
	w.eq("g.owner_id", f.OwnerID)
	w.eq("g.host_id", f.HostID)
	w.contains(f.Query, "g.name")
	return list(ctx, s.db, listQuery{cols: usergroupCols, from: "usergroups g", where: w, order: "g.name, g.id", page: f.Page}, scanUsergroup)
}

// resolveUsergroupParents checks the owner and host of a usergroup belong to
// its CPO (and fills the host's owner).
func resolveUsergroupParents(ctx context.Context, tx *Tx, g *volt.Usergroup) error {
	if g.HostID != "" {
		var cpo, owner string
		err := tx.QueryRow(ctx, `SELECT cpo_id, owner_id FROM hosts WHERE id = ?`, g.HostID).Scan(&cpo, &owner)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && cpo != g.CPOID) {
			return volt.FieldError("hostId", "Host %q is not one of this CPO's.", g.HostID)
		} else if err != nil {
			return fmt.Errorf("usergroup host: %w", err)
		}
		if g.OwnerID != "" && g.OwnerID != owner {
			return volt.FieldError("ownerId", "Host %q is not under owner %q.", g.HostID, g.OwnerID)
		}
		g.OwnerID = owner
	}
	if g.OwnerID != "" {
		var cpo string
		err := tx.QueryRow(ctx, `SELECT cpo_id FROM owners WHERE id = ?`, g.OwnerID).Scan(&cpo)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && cpo != g.CPOID) {
			return volt.FieldError("ownerId", "Owner %q is not one of this CPO's.", g.OwnerID)
		} else if err != nil {
			return fmt.Errorf("usergroup owner: %w", err)
		}
	}
	return nil
}

// CreateUsergroup creates a usergroup at a CPO, owner or host the actor may
// write.
func (s *UserService) CreateUsergroup(ctx context.Context, g *volt.Usergroup) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := g.Validate(); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		if err := resolveUsergroupParents(ctx, tx, g); err != nil {
			return err
		}
		ref := usergroupRef(g)
		if !a.Can(volt.PermWrite, ref) {
			if !a.Can(volt.PermRead, ref) {
				return volt.Errorf(volt.ENOTFOUND, "CPO or owner not found.")
			}
			return volt.Errorf(volt.EFORBIDDEN, "You may not add usergroups here.")
		}
		g.ID = volt.NewID(volt.PrefixUsergroup)
		g.CreatedAt, g.UpdatedAt = tx.Now(), tx.Now()
		if _, err := tx.Exec(ctx, `INSERT INTO usergroups (id, name, role, cpo_id, owner_id, host_id, private, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, g.ID, g.Name, string(g.Role), g.CPOID, nullString(g.OwnerID), nullString(g.HostID),
			g.Private, tx.NowMS(), tx.NowMS()); err != nil {
			return fmt.Errorf("create usergroup: %w", err)
		}
		return nil
	})
}

// UpdateUsergroup changes a usergroup's name, role and privacy; its place in
// the hierarchy never changes.
func (s *UserService) UpdateUsergroup(ctx context.Context, g *volt.Usergroup) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		old, err := findUsergroup(ctx, tx, a, g.ID)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, usergroupRef(old)) {
			return forbidden("usergroup")
		}
		g.CPOID, g.OwnerID, g.HostID = old.CPOID, old.OwnerID, old.HostID
		if err := g.Validate(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE usergroups SET name = ?, role = ?, private = ?, updated_at = ? WHERE id = ?`,
			g.Name, string(g.Role), g.Private, tx.NowMS(), g.ID); err != nil {
			return fmt.Errorf("update usergroup %s: %w", g.ID, err)
		}
		g.CreatedAt, g.UpdatedAt = old.CreatedAt, tx.Now()
		return nil
	})
}

// DeleteUsergroup deletes a usergroup and its memberships and codes.
func (s *UserService) DeleteUsergroup(ctx context.Context, id string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		old, err := findUsergroup(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, usergroupRef(old)) {
			return forbidden("usergroup")
		}
		res, err := tx.Exec(ctx, `DELETE FROM usergroups WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete usergroup %s: %w", id, err)
		}
		return rowsAffected(res, "Usergroup", id)
	})
}

// AddMember puts a user the actor can read into a usergroup it may write.
// Adding an existing member does nothing. A member from another tenant (one
// the actor sees redacted) joins only driver usergroups: another tenant
// grants access and prices, never an operator role over someone else's
// account (volt.MayManageAccount).
func (s *UserService) AddMember(ctx context.Context, usergroupID, userID string) error {
	return s.changeMember(ctx, usergroupID, userID, func(tx *Tx) error {
		a, _ := actorOf(ctx)
		g, err := findUsergroup(ctx, tx, a, usergroupID)
		if err != nil {
			return err
		}
		if g.Role != volt.RoleDriver && !a.SuperAdmin {
			u, err := findUser(ctx, tx, a, userID)
			if err != nil {
				return err
			}
			h, err := homeOf(ctx, tx, a)
			if err != nil {
				return err
			}
			if !h.sees(u) {
				return &volt.Error{Code: volt.EFORBIDDEN, Field: "userId",
					Message: "This person's account belongs to another network: they may join your driver usergroups only."}
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO memberships (usergroup_id, user_id, created_at) VALUES (?, ?, ?)
			ON CONFLICT (usergroup_id, user_id) DO NOTHING`, usergroupID, userID, tx.NowMS())
		if err != nil {
			return fmt.Errorf("add %s to %s: %w", userID, usergroupID, err)
		}
		return nil
	})
}

// RemoveMember takes a user out of a usergroup; ENOTFOUND if not a member.
func (s *UserService) RemoveMember(ctx context.Context, usergroupID, userID string) error {
	return s.changeMember(ctx, usergroupID, userID, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM memberships WHERE usergroup_id = ? AND user_id = ?`, usergroupID, userID)
		if err != nil {
			return fmt.Errorf("remove %s from %s: %w", userID, usergroupID, err)
		}
		return rowsAffected(res, "Membership", usergroupID+"/"+userID)
	})
}

func (s *UserService) changeMember(ctx context.Context, usergroupID, userID string, fn func(*Tx) error) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		g, err := findUsergroup(ctx, tx, a, usergroupID)
		if err != nil {
			return err
		}
		if _, err := findUser(ctx, tx, a, userID); err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, usergroupRef(g)) {
			return forbidden("usergroup")
		}
		return fn(tx)
	})
}

// UsergroupsOfUser lists a user's usergroups (not Public): all of them for
// the user itself and super admins, those in the actor's read scope otherwise.
func (s *UserService) UsergroupsOfUser(ctx context.Context, userID string) ([]*volt.Usergroup, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := findUser(ctx, s.db, a, userID); err != nil {
		return nil, err
	}
	groups, err := userGroups(ctx, s.db, userID)
	if err != nil {
		return nil, err
	}
	if a.SuperAdmin || a.UserID == userID {
		return groups, nil
	}
	out := []*volt.Usergroup{}
	for _, g := range groups {
		if a.Can(volt.PermRead, usergroupRef(g)) {
			out = append(out, g)
		}
	}
	return out, nil
}
