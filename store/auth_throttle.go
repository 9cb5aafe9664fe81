package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/netip"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// Sign-in throttling lives in the database (auth_throttle), so every node
// of a cluster sees the same counts: exponential back-off per key instead
// of hard lockouts (issue #10 item 6). Keys:
//
//	addr:IP     failures from a client address (IPv6: its /64)
//	acct:EMAIL  failures for an account from devices unknown to it
//	dev:HASH    failures of one known device
//	reset:EMAIL and resetaddr:IP  password-reset requests (each counts)
//
// A known device is one that signed in to the account before: it got a
// random token (known_devices keeps its SHA-256) to present next time,
// in a cookie or the API's deviceToken. Its sign-in is throttled only by
// its own failures, so an attacker guessing an account's password from
// elsewhere never keeps its owner out.

// knownDeviceTTL is how long a device stays known without signing in;
// maxKnownDevices how many an account keeps (the most recently used).
const (
	knownDeviceTTL  = 180 * 24 * time.Hour
	maxKnownDevices = 20
)

// addrKey is the throttle key of a client address: IPv4 as is, IPv6 by
// its /64 (one host usually holds a whole /64).
func addrKey(prefix, addr string) string {
	ip, err := netip.ParseAddr(strings.Trim(addr, "[]"))
	if err != nil {
		return prefix + addr
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return prefix + p.String()
	}
	return prefix + ip.String()
}

// throttleWait returns how long key must still wait at now (0: go ahead).
func throttleWait(ctx context.Context, q querier, key string, p volt.ThrottlePolicy, now time.Time) (time.Duration, error) {
	var until, last int64
	err := q.QueryRow(ctx, `SELECT blocked_until, last_failure FROM auth_throttle WHERE throttle_key = ?`, key).Scan(&until, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("throttle %s: %w", key, mapError(err))
	}
	if now.Sub(fromMS(last)) > p.Forget {
		return 0, nil
	}
	return max(fromMS(until).Sub(now), 0), nil
}

// throttleFail counts a failure of key at now and sets its next allowed
// time by the policy; a count older than p.Forget starts again.
func throttleFail(ctx context.Context, db *DB, key string, p volt.ThrottlePolicy) error {
	err := db.WithTx(ctx, func(tx *Tx) error {
		now := tx.NowMS()
		var n int
		err := tx.QueryRow(ctx, `INSERT INTO auth_throttle (throttle_key, failures, blocked_until, last_failure) VALUES (?, 1, 0, ?)
			ON CONFLICT (throttle_key) DO UPDATE SET
				failures = CASE WHEN auth_throttle.last_failure < ? THEN 1 ELSE auth_throttle.failures + 1 END,
				last_failure = excluded.last_failure
			RETURNING failures`, key, now, now-p.Forget.Milliseconds()).Scan(&n)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE auth_throttle SET blocked_until = ? WHERE throttle_key = ?`, now+p.Delay(n).Milliseconds(), key)
		return err
	})
	if err != nil {
		return fmt.Errorf("count failure of %s: %w", key, err)
	}
	if mrand.IntN(64) == 0 { // now and then, forget keys nobody failed on for a while
		_, _ = db.Exec(ctx, `DELETE FROM auth_throttle WHERE last_failure < ?`, toMS(db.Now().Add(-p.Forget)))
	}
	return nil
}

// throttleClear forgets the failures of keys.
func throttleClear(ctx context.Context, db *DB, keys ...string) error {
	for _, k := range keys {
		if _, err := db.Exec(ctx, `DELETE FROM auth_throttle WHERE throttle_key = ?`, k); err != nil {
			return fmt.Errorf("clear throttle %s: %w", k, err)
		}
	}
	return nil
}

// throttleCheck refuses when any key must wait, with the longest wait.
func throttleCheck(ctx context.Context, db *DB, what string, keys map[string]volt.ThrottlePolicy) error {
	now := db.Now()
	var wait time.Duration
	for k, p := range keys {
		w, err := throttleWait(ctx, db, k, p, now)
		if err != nil {
			return err
		}
		wait = max(wait, w)
	}
	if wait > 0 {
		return volt.Throttled(wait, what)
	}
	return nil
}

// knownDevice reports whether token is a known device of the user.
func knownDevice(ctx context.Context, q querier, userID, token string, now time.Time) (bool, error) {
	if token == "" || userID == "" {
		return false, nil
	}
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM known_devices WHERE token_hash = ? AND user_id = ? AND used_at > ?`,
		hashToken(token), userID, toMS(now.Add(-knownDeviceTTL))).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("known device: %w", mapError(err))
	}
	return n > 0, nil
}

// rememberDevice records a successful sign-in on a device: the token it
// presented, still valid, is kept; else a new one is issued. Devices
// unused for knownDeviceTTL are forgotten.
func rememberDevice(ctx context.Context, db *DB, userID, token string, known bool) (string, error) {
	err := db.WithTx(ctx, func(tx *Tx) error {
		if known {
			_, err := tx.Exec(ctx, `UPDATE known_devices SET used_at = ? WHERE token_hash = ?`, tx.NowMS(), hashToken(token))
			return err
		}
		var b [24]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		token = base64.RawURLEncoding.EncodeToString(b[:])
		if _, err := tx.Exec(ctx, `DELETE FROM known_devices WHERE user_id = ? AND used_at < ?`, userID,
			toMS(tx.Now().Add(-knownDeviceTTL))); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO known_devices (token_hash, user_id, created_at, used_at) VALUES (?, ?, ?, ?)`,
			hashToken(token), userID, tx.NowMS(), tx.NowMS()); err != nil {
			return err
		}
		// A script that signs in without its token would add a device each
		// time: keep the most recently used ones only.
		_, err := tx.Exec(ctx, `DELETE FROM known_devices WHERE user_id = ? AND token_hash NOT IN
			(SELECT token_hash FROM known_devices WHERE user_id = ? ORDER BY used_at DESC, created_at DESC LIMIT ?)`,
			userID, userID, maxKnownDevices)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("remember device: %w", err)
	}
	return token, nil
}
