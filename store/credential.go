package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/volt-ev/volt"
)

var _ volt.ChargerCredentialService = (*ChargerService)(nil)

// pendingRotationTTL bounds how long a rotation's pending password is
// accepted for while Volt waits for the charger's answer.
const pendingRotationTTL = 10 * time.Minute

// newRotationPassword returns a random password of 40 hexadecimal digits
// (160 bits): both a passwordString (2.0.1) and the hexadecimal form the OCPP
// 1.6 security whitepaper gives AuthorizationKey, so strict chargers of
// either version accept it.
func newRotationPassword() string {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("store: crypto/rand failed: %v", err))
	}
	return hex.EncodeToString(b[:])
}

// writableCharger reads a charger the actor may write, in tx.
func writableCharger(ctx context.Context, tx *Tx, a *volt.Actor, cpid string) (*volt.Charger, error) {
	c, err := findCharger(ctx, tx, a, "cpid", cpid)
	if err != nil {
		return nil, err
	}
	if !a.Can(volt.PermWrite, c.Ref()) {
		return nil, forbidden("charger")
	}
	return c, nil
}

// SetChargerPassword sets a chosen OCPP password (16-40 characters of
// passwordString), effective at once: the previous password and any
// rotation in progress stop working. It is stored hashed like a generated
// one (HashSecret): the length rule keeps it out of guessing range.
func (s *ChargerService) SetChargerPassword(ctx context.Context, cpid, password string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := volt.ValidateChargerPassword(password); err != nil {
		return err
	}
	hash, err := HashSecret(password)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		if _, err := writableCharger(ctx, tx, a, cpid); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE chargers SET password_hash = ?, password_pending_hash = '', password_pending_until = NULL,
			password_prev_hash = '', password_prev_until = NULL, updated_at = ? WHERE cpid = ?`, hash, tx.NowMS(), cpid)
		if err != nil {
			return fmt.Errorf("set password of %s: %w", cpid, err)
		}
		return nil
	})
}

// BeginPasswordRotation stores the hash of password (a generated one when
// "") as pending, accepted for pendingRotationTTL: a charger that switches
// and reconnects before its answer reaches Volt, or whose answer is lost, is
// let in, and the pending password becomes current. A second rotation
// replaces the first one's pending password.
func (s *ChargerService) BeginPasswordRotation(ctx context.Context, cpid, password string) (*volt.PasswordRotation, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if password == "" {
		password = newRotationPassword()
	} else if err := volt.ValidateChargerPassword(password); err != nil {
		return nil, err
	}
	hash, err := HashSecret(password)
	if err != nil {
		return nil, err
	}
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		if _, err := writableCharger(ctx, tx, a, cpid); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE chargers SET password_pending_hash = ?, password_pending_until = ?, updated_at = ? WHERE cpid = ?`,
			hash, tx.NowMS()+pendingRotationTTL.Milliseconds(), tx.NowMS(), cpid)
		if err != nil {
			return fmt.Errorf("begin password rotation of %s: %w", cpid, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &volt.PasswordRotation{ID: hash, CPID: cpid, Password: password}, nil
}

// FinishPasswordRotation ends rotation id (the pending hash it stored). On
// accepted the pending password becomes current and the current one becomes
// previous, valid until now+grace or the charger's first connection with the
// new one; otherwise the pending password is dropped and nothing else
// changes. A rotation replaced by a later one is ECONFLICT.
func (s *ChargerService) FinishPasswordRotation(ctx context.Context, cpid, id string, accepted bool, grace time.Duration) (*time.Time, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	var until *time.Time
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		if _, err := writableCharger(ctx, tx, a, cpid); err != nil {
			return err
		}
		var pending string
		if err := tx.QueryRow(ctx, `SELECT password_pending_hash FROM chargers WHERE cpid = ?`, cpid).Scan(&pending); err != nil {
			return fmt.Errorf("pending password of %s: %w", cpid, err)
		}
		if pending != id || id == "" {
			var current string
			if err := tx.QueryRow(ctx, `SELECT password_hash FROM chargers WHERE cpid = ?`, cpid).Scan(&current); err != nil {
				return fmt.Errorf("password of %s: %w", cpid, err)
			}
			if current == id && id != "" {
				// The charger connected with it before its answer came: it
				// is current already, and the old one stopped working then.
				if accepted {
					t := tx.Now()
					until = &t
				}
				return nil
			}
			return volt.Errorf(volt.ECONFLICT, "Another password change of charger %s replaced this one.", cpid)
		}
		q := `UPDATE chargers SET password_pending_hash = '', password_pending_until = NULL, updated_at = ? WHERE cpid = ?`
		args := []any{tx.NowMS(), cpid}
		if accepted {
			t := tx.Now().Add(grace)
			until = &t
			q = `UPDATE chargers SET password_prev_hash = password_hash, password_prev_until = ?, password_hash = password_pending_hash,
				password_pending_hash = '', password_pending_until = NULL, updated_at = ? WHERE cpid = ?`
			args = []any{toMS(t), tx.NowMS(), cpid}
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("finish password rotation of %s: %w", cpid, err)
		}
		return nil
	})
	return until, err
}

// chargerSecrets are the password hashes a charger may authenticate with.
type chargerSecrets struct {
	cpid                  string
	current, pending      string
	prev                  string
	pendingUntil, prevEnd sql.NullInt64
	// handshake holds the charger's charger_security row (the defaults
	// when it has none) and its model's relaxations, read in the same
	// statement so that a handshake makes one read for all three.
	handshake volt.ChargerHandshake
}

// match reports which of the charger's passwords password is: "current",
// "pending", "previous" or "" for none. Every hash in force is checked, so a
// wrong password costs the same whichever matched.
func (c *chargerSecrets) match(password string, now int64) string {
	which := ""
	check := func(hash string, valid bool, name string) {
		if hash == "" {
			return
		}
		ok, err := VerifyPassword(hash, password)
		if err == nil && ok && valid && which == "" {
			which = name
		}
	}
	check(c.current, true, "current")
	check(c.pending, c.pendingUntil.Valid && c.pendingUntil.Int64 > now, "pending")
	check(c.prev, c.prevEnd.Valid && c.prevEnd.Int64 > now, "previous")
	return which
}

// findChargerSecrets reads the password hashes of the live charger with an
// OCPP identity.
func (s *ChargingService) findChargerSecrets(ctx context.Context, identity string) (*chargerSecrets, error) {
	c := &chargerSecrets{}
	sec := &c.handshake.Security
	var (
		until sql.NullInt64
		relax sql.NullString
	)
	// The charger by its identity (unique) first, then its security row and
	// its model by their keys.
	err := s.db.handshakeDB().QueryRow(ctx, `SELECT c.cpid, c.password_hash, c.password_pending_hash, c.password_pending_until,
		c.password_prev_hash, c.password_prev_until,
		COALESCE(s.security_profile, 1), COALESCE(s.connected_profile, 0), COALESCE(s.pending_profile, 0),
		s.pending_until, COALESCE(s.upgrade_status, ''), m.relaxations
		FROM chargers c
		LEFT JOIN charger_security s ON s.cpid = c.cpid
		LEFT JOIN charger_models m ON m.vendor = c.vendor AND m.model = c.model
		WHERE c.ocpp_identity = ? AND c.deleted_at IS NULL`, identity).
		Scan(&c.cpid, &c.current, &c.pending, &c.pendingUntil, &c.prev, &c.prevEnd,
			&sec.SecurityProfile, &sec.ConnectedProfile, &sec.PendingProfile, &until, &sec.UpgradeStatus, &relax)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("authenticate charger %q: %w", identity, err)
	}
	sec.CPID = c.cpid
	if until.Valid {
		t := fromMS(until.Int64)
		sec.PendingUntil = &t
	}
	if names, err := decodeStringList(relax.String); err == nil {
		c.handshake.Relaxations, c.handshake.RelaxationsRead = names, true
	}
	return c, nil
}

// promotePending makes the pending password current: the charger connected
// with it, so it holds it; the old one is not kept. The charger's answer may
// have finished the rotation since its secrets were read (the pending hash
// is current then, with the old one kept for the grace): the old one goes
// all the same. A newer rotation's pending password is left alone.
func (s *ChargingService) promotePending(ctx context.Context, cpid, pending string) error {
	_, err := s.db.Exec(ctx, `UPDATE chargers SET password_hash = ?,
		password_pending_until = CASE WHEN password_pending_hash = ? THEN NULL ELSE password_pending_until END,
		password_pending_hash = CASE WHEN password_pending_hash = ? THEN '' ELSE password_pending_hash END,
		password_prev_hash = '', password_prev_until = NULL
		WHERE cpid = ? AND (password_pending_hash = ? OR password_hash = ?)`, pending, pending, pending, cpid, pending, pending)
	if err != nil {
		return fmt.Errorf("promote pending password of %s: %w", cpid, err)
	}
	return nil
}

// revokePrevious ends the previous password's grace: the charger has shown
// it holds the current one.
func (s *ChargingService) revokePrevious(ctx context.Context, cpid string) error {
	_, err := s.db.Exec(ctx, `UPDATE chargers SET password_prev_hash = '', password_prev_until = NULL WHERE cpid = ? AND password_prev_hash <> ''`, cpid)
	if err != nil {
		return fmt.Errorf("revoke previous password of %s: %w", cpid, err)
	}
	return nil
}
