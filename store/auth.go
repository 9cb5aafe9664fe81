package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// AuthService implements volt.AuthService: password logins that issue bearer
// tokens (only their SHA-256 is stored), token resolution into an Actor, and
// rate limiting of failed logins per email and per client address.
type AuthService struct {
	db *DB
	// TokenTTL is how long a token lives (default 24h).
	TokenTTL time.Duration
	// Limiter counts failed logins; replace it to share limits between nodes.
	Limiter LoginLimiter
}

var _ volt.AuthService = (*AuthService)(nil)

// Login rate limit: after this many failures within the window, the email
// (or client address) is refused with ERATELIMITED until the window passes.
const (
	LoginMaxFailures = 5
	LoginWindow      = 15 * time.Minute
)

// NewAuthService returns the auth service of db with an in-memory limiter.
func NewAuthService(db *DB) *AuthService {
	return &AuthService{db: db, TokenTTL: 24 * time.Hour, Limiter: NewMemoryLimiter(LoginMaxFailures, LoginWindow)}
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

var errBadLogin = volt.Errorf(volt.EUNAUTHORIZED, "Wrong email or password.")

// Login checks email and password and issues a token. Unknown email and wrong
// password cost the same and answer the same.
func (s *AuthService) Login(ctx context.Context, email, password, clientAddr string) (string, time.Time, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	now := s.db.Now()
	keys := []string{"email:" + email}
	if clientAddr != "" {
		keys = append(keys, "addr:"+clientAddr)
	}
	for _, k := range keys {
		if !s.Limiter.Allowed(k, now) {
			return "", time.Time{}, volt.Errorf(volt.ERATELIMITED, "Too many failed attempts; try again later.")
		}
	}
	var id, hash string
	var disabled bool
	err := s.db.QueryRow(ctx, `SELECT id, password_hash, disabled FROM users WHERE email = ?`, email).Scan(&id, &hash, &disabled)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, fmt.Errorf("login: %w", err)
	}
	known := err == nil && hash != ""
	if !known {
		hash = dummyPasswordHash()
	}
	ok, verr := VerifyPassword(hash, password)
	if !known || verr != nil || !ok || disabled {
		for _, k := range keys {
			s.Limiter.Failed(k, now)
		}
		return "", time.Time{}, errBadLogin
	}
	s.Limiter.Succeeded(keys[0])
	return s.issueToken(ctx, id)
}

// issueToken creates a random 32-byte token for a user.
func (s *AuthService) issueToken(ctx context.Context, userID string) (string, time.Time, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", time.Time{}, fmt.Errorf("token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b[:])
	var expires time.Time
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		expires = tx.Now().Add(s.TokenTTL)
		if _, err := tx.Exec(ctx, `DELETE FROM auth_tokens WHERE user_id = ? AND expires_at <= ?`, userID, tx.NowMS()); err != nil {
			return fmt.Errorf("expire tokens: %w", err)
		}
		_, err := tx.Exec(ctx, `INSERT INTO auth_tokens (id, token_hash, user_id, expires_at, created_at) VALUES (?, ?, ?, ?, ?)`,
			volt.NewID(volt.PrefixToken), hashToken(token), userID, toMS(expires), tx.NowMS())
		return err
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("issue token: %w", err)
	}
	return token, expires, nil
}

// Authenticate resolves a bearer token into its actor: the user, SuperAdmin,
// and one grant per usergroup (host grants with the host's charger groups).
func (s *AuthService) Authenticate(ctx context.Context, token string) (*volt.Actor, error) {
	if token == "" {
		return nil, volt.Errorf(volt.EUNAUTHORIZED, "Missing token.")
	}
	var userID, email string
	var super, mustChange bool
	err := s.db.QueryRow(ctx, `SELECT u.id, u.email, u.super_admin, u.must_change_password FROM auth_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = ? AND t.expires_at > ? AND NOT u.disabled`, hashToken(token), toMS(s.db.Now())).Scan(&userID, &email, &super, &mustChange)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, volt.Errorf(volt.EUNAUTHORIZED, "Invalid or expired token.")
	} else if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	a, err := ActorOfUser(ctx, s.db, userID, email, super)
	if err != nil {
		return nil, err
	}
	a.MustChangePassword = mustChange
	return a, nil
}

// ActorOfUser builds the actor of a user from its usergroups (for
// Authenticate, and for tests and tools that act as a given user).
func ActorOfUser(ctx context.Context, db *DB, userID, email string, superAdmin bool) (*volt.Actor, error) {
	groups, err := userGroups(ctx, db, userID)
	if err != nil {
		return nil, err
	}
	a := &volt.Actor{UserID: userID, Email: email, SuperAdmin: superAdmin, Grants: []volt.Grant{}}
	for _, g := range groups {
		gr := g.Grant()
		if gr.HostID != "" {
			if gr.ChargerGroupIDs, err = hostGroupIDs(ctx, db, gr.HostID); err != nil {
				return nil, err
			}
		}
		a.Grants = append(a.Grants, gr)
	}
	return a, nil
}

func hostGroupIDs(ctx context.Context, q querier, hostID string) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT charger_group_id FROM host_charger_groups WHERE host_id = ? ORDER BY charger_group_id`, hostID)
	if err != nil {
		return nil, fmt.Errorf("host %s groups: %w", hostID, err)
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("host %s groups: %w", hostID, mapError(err))
		}
		ids = append(ids, id)
	}
	return ids, mapError(rows.Err())
}

// Revoke ends a token now; an unknown token is not an error.
func (s *AuthService) Revoke(ctx context.Context, token string) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM auth_tokens WHERE token_hash = ?`, hashToken(token)); err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}
