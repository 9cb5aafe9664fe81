package store

import (
	"context"
	"fmt"

	"github.com/volt-ev/volt"
)

// BootstrapSuperAdmin creates the first Super Admin when the database has no
// users at all, and reports whether it did. With users present it changes
// nothing (created false), so it is safe on every start.
func BootstrapSuperAdmin(ctx context.Context, db *DB, email, password string) (bool, error) {
	u := &volt.User{Email: email, Name: "Super Admin", SuperAdmin: true}
	if err := u.Validate(); err != nil {
		return false, err
	}
	if err := volt.ValidatePassword(password); err != nil {
		return false, err
	}
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return false, fmt.Errorf("bootstrap: count users: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	hash, err := HashPassword(password)
	if err != nil {
		return false, err
	}
	u.PasswordHash = hash
	created := false
	err = db.WithTx(ctx, func(tx *Tx) error {
		// Re-check inside the write transaction: two nodes may start at once.
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
			return fmt.Errorf("bootstrap: count users: %w", err)
		}
		if n > 0 {
			return nil
		}
		created = true
		return insertUser(ctx, tx, u)
	})
	if err != nil {
		return false, fmt.Errorf("bootstrap super admin: %w", err)
	}
	return created, nil
}
