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

// AuthService implements volt.AuthService: password sign-ins that issue
// bearer tokens (only their SHA-256 is stored), token resolution into an
// Actor, and throttling of failed sign-ins kept in the database so that
// every node shares it (auth_throttle.go).
type AuthService struct {
	db *DB
	// TokenTTL is how long a token lives (default 24h).
	TokenTTL time.Duration
}

var _ volt.AuthService = (*AuthService)(nil)

// LoginMaxFailures is how many failed sign-ins to one account from unknown
// devices go without delay (volt.AccountThrottle.Free); after them each
// failure doubles the wait, from a second up to 15 minutes.
const LoginMaxFailures = 5

// NewAuthService returns the auth service of db.
func NewAuthService(db *DB) *AuthService {
	return &AuthService{db: db, TokenTTL: 24 * time.Hour}
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

var errBadLogin = volt.Errorf(volt.EUNAUTHORIZED, "Wrong email or password.")

// Login signs in from a device that presents no device token (SignIn).
func (s *AuthService) Login(ctx context.Context, email, password, clientAddr string) (string, time.Time, error) {
	res, err := s.SignIn(ctx, volt.SignInRequest{Email: email, Password: password, ClientAddr: clientAddr})
	if err != nil {
		return "", time.Time{}, err
	}
	return res.Token, res.ExpiresAt, nil
}

// SignIn checks email and password and issues a token. Unknown email and
// wrong password cost the same and answer the same. Attempts are throttled
// by the client address and the account (unknown devices) or by the device
// alone (a known one): see auth_throttle.go.
func (s *AuthService) SignIn(ctx context.Context, req volt.SignInRequest) (*volt.SignInResult, error) {
	email := strings.ToLower(strings.TrimSpace(req.Email))
	var id, hash string
	var disabled bool
	err := s.db.QueryRow(ctx, `SELECT id, password_hash, disabled FROM users WHERE email = ?`, email).Scan(&id, &hash, &disabled)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("login: %w", err)
	}
	known, err := knownDevice(ctx, s.db, id, req.DeviceToken, s.db.Now())
	if err != nil {
		return nil, err
	}
	keys := map[string]volt.ThrottlePolicy{}
	if known {
		keys["dev:"+hashToken(req.DeviceToken)[:32]] = volt.DeviceThrottle
	} else {
		keys["acct:"+email] = volt.AccountThrottle
		if req.ClientAddr != "" {
			keys[addrKey("addr:", req.ClientAddr)] = volt.AddressThrottle
		}
	}
	if err := throttleCheck(ctx, s.db, "failed sign-in attempts", keys); err != nil {
		return nil, err
	}
	knownUser := id != "" && hash != ""
	if !knownUser {
		hash = dummyPasswordHash()
	}
	ok, verr := VerifyPassword(hash, req.Password)
	if !knownUser || verr != nil || !ok || disabled {
		for k, p := range keys {
			if err := throttleFail(ctx, s.db, k, p); err != nil {
				return nil, err
			}
		}
		return nil, errBadLogin
	}
	clear := make([]string, 0, len(keys))
	for k := range keys {
		clear = append(clear, k)
	}
	if err := throttleClear(ctx, s.db, clear...); err != nil {
		return nil, err
	}
	device, err := rememberDevice(ctx, s.db, id, req.DeviceToken, known)
	if err != nil {
		return nil, err
	}
	token, exp, err := s.issueToken(ctx, id)
	if err != nil {
		return nil, err
	}
	return &volt.SignInResult{Token: token, ExpiresAt: exp, DeviceToken: device}, nil
}

// AllowPasswordReset counts a password-reset request for the address and
// from the client, refusing it when either asked too often
// (volt.ResetThrottle).
func (s *AuthService) AllowPasswordReset(ctx context.Context, email, clientAddr string) error {
	keys := map[string]volt.ThrottlePolicy{"reset:" + strings.ToLower(strings.TrimSpace(email)): volt.ResetThrottle}
	if clientAddr != "" {
		keys[addrKey("resetaddr:", clientAddr)] = volt.ResetThrottle
	}
	if err := throttleCheck(ctx, s.db, "password-reset requests", keys); err != nil {
		return err
	}
	for k, p := range keys {
		if err := throttleFail(ctx, s.db, k, p); err != nil {
			return err
		}
	}
	return nil
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
	// Issue 16: installers' engineers and their jobs in progress; an
	// account in the holding area.
	field, err := fieldGrants(ctx, db, userID, db.Now())
	if err != nil {
		return nil, err
	}
	a.Grants = append(a.Grants, field...)
	if a.OnboardingID, err = heldOnboarding(ctx, db, userID); err != nil {
		return nil, err
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
