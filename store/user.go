package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/volt-ev/volt"
)

// UserService implements volt.UserService on a DB.
//
// Visibility: an actor reads itself, and the users who signed up with a CPO
// in its read scope (User.CPOID) or are members of a usergroup in its read
// scope (by CPO or owner). Host grants reach no users. An actor may change a
// user other than itself only when the user is not a super admin and every
// usergroup the user is in is writable by the actor (or, for a user in no
// usergroup, the user's CPO is): an admin of one tenant can never take over an
// account that holds rights elsewhere. A user may change its own name, phone,
// email and password, never its flags.
type UserService struct {
	db *DB
}

var _ volt.UserService = (*UserService)(nil)

// NewUserService returns the user service of db.
func NewUserService(db *DB) *UserService { return &UserService{db: db} }

const userCols = `u.id, u.email, u.name, u.phone, u.cpo_id, u.super_admin, u.guest, u.disabled, u.password_hash, u.created_at, u.updated_at`

func scanUser(s rowScanner) (*volt.User, error) {
	u := &volt.User{}
	var cpo sql.NullString
	var created, updated int64
	if err := s.Scan(&u.ID, &u.Email, &u.Name, &u.Phone, &cpo, &u.SuperAdmin, &u.Guest, &u.Disabled, &u.PasswordHash, &created, &updated); err != nil {
		return nil, err
	}
	u.CPOID = cpo.String
	u.CreatedAt, u.UpdatedAt = fromMS(created), fromMS(updated)
	return u, nil
}

// userWhere restricts users (alias u) to those the actor reads.
func userWhere(a *volt.Actor) (*where, error) {
	if a == nil {
		return nil, errUnauthorized()
	}
	w := &where{}
	s := a.ScopeFor(volt.PermRead)
	if s.All {
		return w, nil
	}
	var ors []string
	var args []any
	if a.UserID != "" {
		ors = append(ors, "u.id = ?")
		args = append(args, a.UserID)
	}
	if n := len(s.CPOIDs); n > 0 {
		ors = append(ors, "u.cpo_id IN ("+inList(n)+")",
			"u.id IN (SELECT m.user_id FROM memberships m JOIN usergroups g ON g.id = m.usergroup_id WHERE g.cpo_id IN ("+inList(n)+"))")
		for range 2 {
			for _, id := range s.CPOIDs {
				args = append(args, id)
			}
		}
	}
	if n := len(s.OwnerIDs); n > 0 {
		ors = append(ors, "u.id IN (SELECT m.user_id FROM memberships m JOIN usergroups g ON g.id = m.usergroup_id WHERE g.owner_id IN ("+inList(n)+"))")
		for _, id := range s.OwnerIDs {
			args = append(args, id)
		}
	}
	if len(ors) == 0 {
		w.add("1=0")
		return w, nil
	}
	w.add("("+strings.Join(ors, " OR ")+")", args...)
	return w, nil
}

// findUser reads a user the actor can read.
func findUser(ctx context.Context, q querier, a *volt.Actor, id string) (*volt.User, error) {
	w, err := userWhere(a)
	if err != nil {
		return nil, err
	}
	w.add("u.id = ?", id)
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userCols+` FROM users u WHERE `+w.String(), w.args...))
	if err != nil {
		return nil, notFound(err, "User", id)
	}
	return u, nil
}

// checkUserWrite returns EFORBIDDEN unless the actor may change user u (which
// it can read) as a whole; self-service is decided by the callers.
func checkUserWrite(ctx context.Context, q querier, a *volt.Actor, u *volt.User) error {
	if a.SuperAdmin {
		return nil
	}
	if u.SuperAdmin {
		return volt.Errorf(volt.EFORBIDDEN, "Only super admins may change a super admin.")
	}
	groups, err := userGroups(ctx, q, u.ID)
	if err != nil {
		return err
	}
	if len(groups) == 0 {
		if u.CPOID != "" && a.Can(volt.PermWrite, volt.Ref{CPOID: u.CPOID}) {
			return nil
		}
		return forbidden("user")
	}
	for _, g := range groups {
		if !a.Can(volt.PermWrite, usergroupRef(g)) {
			return volt.Errorf(volt.EFORBIDDEN, "This user has rights outside what you manage.")
		}
	}
	return nil
}

// FindUserByID returns a user the actor can read.
func (s *UserService) FindUserByID(ctx context.Context, id string) (*volt.User, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return findUser(ctx, s.db, a, id)
}

// FindUsers lists the users the actor can read.
func (s *UserService) FindUsers(ctx context.Context, f volt.UserFilter) ([]*volt.User, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w, err := userWhere(a)
	if err != nil {
		return nil, 0, err
	}
	w.eq("u.id", f.ID)
	w.eq("u.email", strings.ToLower(strings.TrimSpace(f.Email)))
	w.eq("u.cpo_id", f.CPOID)
	if f.UsergroupID != "" {
		w.add("u.id IN (SELECT user_id FROM memberships WHERE usergroup_id = ?)", f.UsergroupID)
	}
	w.contains(f.Query, "u.name", "u.email")
	return list(ctx, s.db, listQuery{cols: userCols, from: "users u", where: w, order: "u.email", page: f.Page}, scanUser)
}

// CreateUser creates a user, hashing password (if any) with argon2id. A
// non-super-admin must give a CPO it may write; only super admins create
// super admins.
func (s *UserService) CreateUser(ctx context.Context, u *volt.User, password string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := u.Validate(); err != nil {
		return err
	}
	if u.SuperAdmin && !a.SuperAdmin {
		return volt.Errorf(volt.EFORBIDDEN, "Only super admins may create super admins.")
	}
	if !a.SuperAdmin {
		if u.CPOID == "" {
			return volt.FieldError("cpoId", "A CPO is required.")
		}
		if !a.Can(volt.PermWrite, volt.Ref{CPOID: u.CPOID}) {
			if !a.Can(volt.PermRead, volt.Ref{CPOID: u.CPOID}) {
				return volt.Errorf(volt.ENOTFOUND, "CPO %q not found.", u.CPOID)
			}
			return volt.Errorf(volt.EFORBIDDEN, "You may not add users to this CPO.")
		}
	}
	u.PasswordHash = ""
	if password != "" {
		if err := volt.ValidatePassword(password); err != nil {
			return err
		}
		if u.PasswordHash, err = HashPassword(password); err != nil {
			return err
		}
	}
	return s.db.WithTx(ctx, func(tx *Tx) error { return insertUser(ctx, tx, u) })
}

func insertUser(ctx context.Context, tx *Tx, u *volt.User) error {
	u.ID = volt.NewID(volt.PrefixUser)
	u.CreatedAt, u.UpdatedAt = tx.Now(), tx.Now()
	_, err := tx.Exec(ctx, `INSERT INTO users (id, email, name, phone, cpo_id, super_admin, guest, disabled, password_hash, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.Name, u.Phone, nullString(u.CPOID), u.SuperAdmin, u.Guest, u.Disabled, u.PasswordHash, tx.NowMS(), tx.NowMS())
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

// UpdateUser changes a user's email, name and phone; an actor who may manage
// the user also changes Disabled and Guest; only super admins change
// SuperAdmin and CPOID.
func (s *UserService) UpdateUser(ctx context.Context, u *volt.User) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		old, err := findUser(ctx, tx, a, u.ID)
		if err != nil {
			return err
		}
		self := a.UserID != "" && a.UserID == old.ID
		manage := checkUserWrite(ctx, tx, a, old)
		if manage != nil && !self {
			return manage
		}
		if manage != nil { // self-service: flags stay as they are
			u.Disabled, u.Guest = old.Disabled, old.Guest
		}
		if !a.SuperAdmin {
			u.SuperAdmin, u.CPOID = old.SuperAdmin, old.CPOID
		}
		if err := u.Validate(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET email = ?, name = ?, phone = ?, cpo_id = ?, super_admin = ?, guest = ?, disabled = ?, updated_at = ? WHERE id = ?`,
			u.Email, u.Name, u.Phone, nullString(u.CPOID), u.SuperAdmin, u.Guest, u.Disabled, tx.NowMS(), u.ID); err != nil {
			return fmt.Errorf("update user %s: %w", u.ID, err)
		}
		if u.Disabled {
			if _, err := tx.Exec(ctx, `DELETE FROM auth_tokens WHERE user_id = ?`, u.ID); err != nil {
				return fmt.Errorf("revoke tokens of %s: %w", u.ID, err)
			}
		}
		u.PasswordHash, u.CreatedAt, u.UpdatedAt = old.PasswordHash, old.CreatedAt, tx.Now()
		return nil
	})
}

// SetPassword sets a user's password (the user itself, or an actor who may
// manage the user) and ends the user's other sessions.
func (s *UserService) SetPassword(ctx context.Context, userID, password string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := volt.ValidatePassword(password); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		old, err := findUser(ctx, tx, a, userID)
		if err != nil {
			return err
		}
		if a.UserID == "" || a.UserID != old.ID {
			if err := checkUserWrite(ctx, tx, a, old); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, must_change_password = FALSE, updated_at = ? WHERE id = ?`, hash, tx.NowMS(), userID); err != nil {
			return fmt.Errorf("set password of %s: %w", userID, err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM auth_tokens WHERE user_id = ?`, userID); err != nil {
			return fmt.Errorf("revoke tokens of %s: %w", userID, err)
		}
		return nil
	})
}

// DeleteUser deletes a user with its memberships, cards and tokens.
func (s *UserService) DeleteUser(ctx context.Context, id string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		old, err := findUser(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if err := checkUserWrite(ctx, tx, a, old); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM users WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete user %s: %w", id, err)
		}
		return rowsAffected(res, "User", id)
	})
}
