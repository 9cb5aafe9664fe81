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
// scope (by CPO or owner). Host grants reach no users. A member whose home
// CPO the actor does not read belongs to another tenant: it shows redacted
// (volt.User.Redacted), the membership without the person. An actor may
// change a user other than itself only as volt.MayManageAccount says: the
// home tenant's admins, never an account with rights elsewhere. A user may
// change its own name, phone, email and password, never its flags.
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

// findUser reads a user the actor can read, whole: the callers decide what
// the actor may see of it (see homeOf) or change.
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

// homeScope is what an actor sees of users whole: itself, and the users
// whose home CPO (User.CPOID) it reads through a CPO grant or through an
// owner grant under that CPO. Users it reads only as members of its
// usergroups belong to another tenant and show redacted.
type homeScope struct {
	all  bool
	self string
	cpos map[string]bool
}

// homeOf resolves the actor's home scope (one query for owner grants).
func homeOf(ctx context.Context, q querier, a *volt.Actor) (*homeScope, error) {
	s := a.ScopeFor(volt.PermRead)
	h := &homeScope{all: s.All, self: a.UserID, cpos: map[string]bool{}}
	for _, id := range s.CPOIDs {
		h.cpos[id] = true
	}
	if n := len(s.OwnerIDs); n > 0 && !s.All {
		args := make([]any, n)
		for i, id := range s.OwnerIDs {
			args[i] = id
		}
		rows, err := q.Query(ctx, `SELECT DISTINCT cpo_id FROM owners WHERE id IN (`+inList(n)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("CPOs of owner grants: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return nil, fmt.Errorf("CPOs of owner grants: %w", mapError(err))
			}
			h.cpos[id] = true
		}
		if err := rows.Err(); err != nil {
			return nil, mapError(err)
		}
	}
	return h, nil
}

// sees reports whether the actor sees u whole.
func (h *homeScope) sees(u *volt.User) bool {
	return h.all || (h.self != "" && h.self == u.ID) || (u.CPOID != "" && h.cpos[u.CPOID])
}

// show returns u as the actor may see it: whole, or redacted.
func (h *homeScope) show(u *volt.User) *volt.User {
	if h.sees(u) {
		return u
	}
	return u.Redacted()
}

// restrict limits users (alias u) to those seen whole: for filters on
// personal data (e-mail, name), which must not tell another tenant's
// member by its details.
func (h *homeScope) restrict(w *where) {
	if h.all {
		return
	}
	ors := []string{}
	args := []any{}
	if h.self != "" {
		ors = append(ors, "u.id = ?")
		args = append(args, h.self)
	}
	if len(h.cpos) > 0 {
		ors = append(ors, "u.cpo_id IN ("+inList(len(h.cpos))+")")
		for id := range h.cpos {
			args = append(args, id)
		}
	}
	if len(ors) == 0 {
		w.add("1=0")
		return
	}
	w.add("("+strings.Join(ors, " OR ")+")", args...)
}

// checkUserWrite returns EFORBIDDEN unless the actor may change user u (which
// it can read) as a whole (volt.MayManageAccount); self-service is decided
// by the callers.
func checkUserWrite(ctx context.Context, q querier, a *volt.Actor, u *volt.User) error {
	if a.SuperAdmin {
		return nil
	}
	groups, err := userGroups(ctx, q, u.ID)
	if err != nil {
		return err
	}
	return volt.MayManageAccount(a, u, groups)
}

// FindUserByID returns a user the actor can read.
func (s *UserService) FindUserByID(ctx context.Context, id string) (*volt.User, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	u, err := findUser(ctx, s.db, a, id)
	if err != nil {
		return nil, err
	}
	h, err := homeOf(ctx, s.db, a)
	if err != nil {
		return nil, err
	}
	return h.show(u), nil
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
	h, err := homeOf(ctx, s.db, a)
	if err != nil {
		return nil, 0, err
	}
	if f.Email != "" || strings.TrimSpace(f.Query) != "" || f.CPOID != "" {
		h.restrict(w)
	}
	w.eq("u.id", f.ID)
	w.eq("u.email", strings.ToLower(strings.TrimSpace(f.Email)))
	w.eq("u.cpo_id", f.CPOID)
	if f.UsergroupID != "" {
		w.add("u.id IN (SELECT user_id FROM memberships WHERE usergroup_id = ?)", f.UsergroupID)
	}
	w.contains(f.Query, "u.name", "u.email")
	users, total, err := list(ctx, s.db, listQuery{cols: userCols, from: "users u", where: w, order: "u.email", page: f.Page}, scanUser)
	if err != nil {
		return nil, 0, err
	}
	for i, u := range users {
		users[i] = h.show(u)
	}
	return users, total, nil
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
