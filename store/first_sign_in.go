package store

import (
	"context"
	"fmt"
)

// RequirePasswordChange marks a user's password as one-time: the portal
// asks for a new one at the next sign-in (volt.Actor.MustChangePassword).
// Setting a password (UserService.SetPassword) clears the mark.
func RequirePasswordChange(ctx context.Context, db *DB, email string) error {
	res, err := db.Exec(ctx, `UPDATE users SET must_change_password = TRUE WHERE email = ?`, email)
	if err != nil {
		return fmt.Errorf("require password change of %s: %w", email, mapError(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("require password change: no user %s", email)
	}
	return nil
}
