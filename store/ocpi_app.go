package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

var _ volt.RoamingAppStore = (*OCPIService)(nil)

// OCPIAppToken returns the driver's APP_USER token uid (issue 14, eMSP
// side), made on first use: "APP" and 16 random hex digits, 19
// characters, so the CPO's charger gets it whole as an OCPP 1.6 idTag.
func (s *OCPIService) OCPIAppToken(ctx context.Context, userID, cpoID string) (string, error) {
	var uid string
	err := s.db.QueryRow(ctx, `SELECT uid FROM ocpi_app_tokens WHERE user_id = ?`, userID).Scan(&uid)
	if err == nil {
		return uid, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("app token of %s: %w", userID, err)
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	uid = "APP" + strings.ToUpper(hex.EncodeToString(b[:]))
	if _, err := s.db.Exec(ctx, `INSERT INTO ocpi_app_tokens (user_id, cpo_id, uid, uid_norm, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO NOTHING`, userID, cpoID, uid, volt.NormalizeIDTag(uid), toMS(time.Now())); err != nil {
		return "", fmt.Errorf("app token of %s: %w", userID, err)
	}
	// A concurrent first use may have won: read back what is stored.
	if err := s.db.QueryRow(ctx, `SELECT uid FROM ocpi_app_tokens WHERE user_id = ?`, userID).Scan(&uid); err != nil {
		return "", fmt.Errorf("app token of %s: %w", userID, err)
	}
	return uid, nil
}

// CreateRoamingStart records a driver's start on a partner's EVSE.
func (s *OCPIService) CreateRoamingStart(ctx context.Context, r *volt.RoamingStart) error {
	if r.ID == "" {
		r.ID = volt.NewID("rst")
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now().UTC()
	}
	_, err := s.db.Exec(ctx, `INSERT INTO ocpi_app_starts (id, user_id, partner_id, location_id, evse_uid, token_uid, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, r.ID, r.UserID, r.PartnerID, r.LocationID, r.EVSEUID, r.TokenUID, toMS(r.CreatedAt))
	if err != nil {
		return fmt.Errorf("roaming start: %w", err)
	}
	return nil
}

// FindRoamingStart reads a driver's start on a partner's EVSE.
func (s *OCPIService) FindRoamingStart(ctx context.Context, id string) (*volt.RoamingStart, error) {
	var r volt.RoamingStart
	var at int64
	err := s.db.QueryRow(ctx, `SELECT id, user_id, partner_id, location_id, evse_uid, token_uid, created_at, session_id FROM ocpi_app_starts WHERE id = ?`, id).
		Scan(&r.ID, &r.UserID, &r.PartnerID, &r.LocationID, &r.EVSEUID, &r.TokenUID, &at, &r.SessionID)
	if err != nil {
		return nil, notFound(err, "Roaming start", id)
	}
	r.CreatedAt = fromMS(at)
	return &r, nil
}

// ClaimRoamingSession binds the partner's session to the start, once: a
// start that has a session keeps it, and a session another start of the
// partner has is refused (false).
func (s *OCPIService) ClaimRoamingSession(ctx context.Context, startID, sessionID string) (bool, error) {
	res, err := s.db.Exec(ctx, `UPDATE ocpi_app_starts SET session_id = ? WHERE id = ? AND session_id = ''
		AND NOT EXISTS (SELECT 1 FROM ocpi_app_starts o WHERE o.partner_id = ocpi_app_starts.partner_id AND o.session_id = ?)`,
		sessionID, startID, sessionID)
	if volt.IsCode(mapError(err), volt.ECONFLICT) {
		return false, nil // a concurrent claim of the same session won
	} else if err != nil {
		return false, fmt.Errorf("claim session %s for %s: %w", sessionID, startID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// FindDriverToken finds a card or app token (APP_USER) of one of a CPO's
// drivers by its uid (case-insensitive), for an eMSP's real-time
// authorisation: Blocked when the card is blocked or the account
// disabled. None: ENOTFOUND.
func (s *OCPIService) FindDriverToken(ctx context.Context, cpoID, uid, tokenType string) (*volt.DriverToken, error) {
	d := volt.DriverToken{Type: tokenType}
	var expires sql.NullInt64
	var disabled bool
	var err error
	var userID string
	norm := volt.NormalizeIDTag(uid)
	if tokenType == "APP_USER" {
		err = s.db.QueryRow(ctx, `SELECT a.user_id, a.uid, FALSE, NULL, u.disabled, u.roaming_whitelist, u.id FROM ocpi_app_tokens a JOIN users u ON u.id = a.user_id
			WHERE a.uid_norm = ? AND u.cpo_id = ?`, norm, cpoID).Scan(&d.CardID, &d.UID, &d.Blocked, &expires, &disabled, &d.Whitelist, &userID)
	} else {
		err = s.db.QueryRow(ctx, `SELECT c.id, c.uid, c.blocked, c.expires_at, u.disabled,
			CASE WHEN c.roaming_whitelist <> '' THEN c.roaming_whitelist ELSE u.roaming_whitelist END, u.id
			FROM rfid_cards c JOIN users u ON u.id = c.user_id
			WHERE c.uid_norm = ? AND u.cpo_id = ?`, norm, cpoID).Scan(&d.CardID, &d.UID, &d.Blocked, &expires, &disabled, &d.Whitelist, &userID)
	}
	if err != nil {
		return nil, notFound(err, "Token", uid)
	}
	d.Blocked = d.Blocked || disabled
	d.ExpiresAt = fromNullMS(expires)
	if err := s.db.QueryRow(ctx, `SELECT `+roamingDebtOf("?"), userID).Scan(&d.Debt); err != nil {
		return nil, fmt.Errorf("roaming debt of %s: %w", userID, err)
	}
	if d.Debt {
		d.NoCredit = "The driver owes a roaming bill."
	}
	// A fleet that pays with a monthly limit: the limit holds on partner
	// networks too (issue 19).
	fp, err := fleetPayerOf(ctx, s.db, userID, cpoID)
	if err != nil {
		return nil, err
	}
	if fp != nil && fp.Limit != nil {
		d.Whitelist = volt.FleetCappedWhitelist(d.Whitelist)
		if err := fp.admit(ctx, s.db, userID, s.db.Now()); volt.IsCode(err, volt.EUNPROCESSABLE) {
			d.NoCredit = volt.ErrorMessage(err)
		} else if err != nil {
			return nil, err
		}
	}
	return &d, nil
}

// roamingDebtOf is an SQL expression, true while the driver user (a
// column or "?") owes a roaming bill (state debt): their tokens go out to
// partner CPOs as not valid and real-time authorisation answers NO_CREDIT
// until it is settled (issue 14).
func roamingDebtOf(user string) string {
	return `EXISTS (SELECT 1 FROM ocpi_roaming_bills rb WHERE rb.user_id = ` + user + ` AND rb.state = 'debt')`
}

// roamingBillsChanged is an SQL expression: the last change (ms, 0 for
// none) of the roaming bills of the driver user, so a token pull by
// date_from sees a debt owed or settled.
func roamingBillsChanged(user string) string {
	return `COALESCE((SELECT MAX(rb.updated_at) FROM ocpi_roaming_bills rb WHERE rb.user_id = ` + user + `), 0)`
}

// fleetLimited is an SQL expression, true for a driver (u) whose fleet
// pays for them with a monthly limit on the CPO cpo (a column or "?"):
// their tokens go out with FleetCappedWhitelist (issue 19).
func fleetLimited(cpo string) string {
	return `EXISTS (SELECT 1 FROM vehicles v JOIN fleet_wallets w ON w.fleet_id = v.fleet_id AND w.enabled
		JOIN fleet_driver_limits l ON l.fleet_id = v.fleet_id AND l.user_id = u.id
		WHERE v.driver_id = u.id AND v.cpo_id = ` + cpo + ` AND v.deleted_at IS NULL)`
}

// FindDriverTokens lists the cards and app tokens of a CPO's drivers, each
// with its last change (the card's or the account's, the later), for a
// partner CPO's pull of the tokens (eMSP side).
func (s *OCPIService) FindDriverTokens(ctx context.Context, cpoID string) ([]volt.DriverToken, error) {
	rows, err := s.db.Query(ctx, `SELECT c.id, c.uid, 'RFID', c.blocked, c.expires_at, u.disabled, c.updated_at, u.updated_at,
		CASE WHEN c.roaming_whitelist <> '' THEN c.roaming_whitelist ELSE u.roaming_whitelist END, `+fleetLimited("?")+`,
		`+roamingDebtOf("u.id")+`, `+roamingBillsChanged("u.id")+`
		FROM rfid_cards c JOIN users u ON u.id = c.user_id WHERE u.cpo_id = ?
		UNION ALL SELECT a.user_id, a.uid, 'APP_USER', FALSE, NULL, u.disabled, a.created_at, u.updated_at, u.roaming_whitelist, `+fleetLimited("?")+`,
		`+roamingDebtOf("u.id")+`, `+roamingBillsChanged("u.id")+`
		FROM ocpi_app_tokens a JOIN users u ON u.id = a.user_id WHERE u.cpo_id = ?`, cpoID, cpoID, cpoID, cpoID)
	if err != nil {
		return nil, fmt.Errorf("driver tokens of %s: %w", cpoID, err)
	}
	defer rows.Close()
	var out []volt.DriverToken
	for rows.Next() {
		var d volt.DriverToken
		var expires sql.NullInt64
		var disabled bool
		var tokenAt, userAt, billAt int64
		var limited bool
		if err := rows.Scan(&d.CardID, &d.UID, &d.Type, &d.Blocked, &expires, &disabled, &tokenAt, &userAt, &d.Whitelist, &limited,
			&d.Debt, &billAt); err != nil {
			return nil, fmt.Errorf("driver tokens of %s: %w", cpoID, err)
		}
		if limited {
			d.Whitelist = volt.FleetCappedWhitelist(d.Whitelist)
		}
		d.Blocked = d.Blocked || disabled
		d.ExpiresAt = fromNullMS(expires)
		d.UpdatedAt = fromMS(max(tokenAt, userAt, billAt)) // a debt owed or settled changes the token
		out = append(out, d)
	}
	return out, rows.Err()
}

// FindRoamingStartBySession finds the driver's start in the app that led
// to a partner's session (the receipt e-mail links its page); none:
// ENOTFOUND.
func (s *OCPIService) FindRoamingStartBySession(ctx context.Context, partnerID, sessionID string) (*volt.RoamingStart, error) {
	var id string
	err := s.db.QueryRow(ctx, `SELECT id FROM ocpi_app_starts WHERE partner_id = ? AND session_id = ? AND session_id <> ''`, partnerID, sessionID).Scan(&id)
	if err != nil {
		return nil, notFound(err, "Roaming start of session", sessionID)
	}
	return s.FindRoamingStart(ctx, id)
}
