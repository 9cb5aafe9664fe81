package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/volt-ev/volt"
)

// Issue 19: telematics used by sessions: a session's state of charge from
// the company car where the charger sends none, and the driver's charge
// target the guard stops sessions at.

// applyCarSoC sets the state of charge of the vehicle's driver's active
// session from the newest reading that shows the car charging at the
// session's site (within the home-match radius, not before the start),
// unless the charger reports one itself (a charger value differing from
// the last one taken from the car wins from then on).
func (s *FleetService) applyCarSoC(ctx context.Context, tx *Tx, vehicleID string, readings []volt.TelematicsReading) error {
	var newest *volt.TelematicsReading
	for i := range readings {
		if r := &readings[i]; r.Charging && (newest == nil || r.At.After(newest.At)) {
			newest = r
		}
	}
	if newest == nil {
		return nil
	}
	var sessionID string
	var started int64
	var soc, carSoC sql.NullInt64
	var lat, lon float64
	err := tx.QueryRow(ctx, `SELECT s.id, s.started_at, s.soc_percent, cs.soc_percent, si.latitude, si.longitude
		FROM vehicles v JOIN sessions s ON s.user_id = v.driver_id AND s.status = ?
		JOIN sites si ON si.id = s.site_id
		LEFT JOIN session_car_soc cs ON cs.session_id = s.id
		WHERE v.id = ? AND v.deleted_at IS NULL AND v.driver_id <> '' ORDER BY s.started_at DESC LIMIT 1`, string(volt.SessionActive), vehicleID).
		Scan(&sessionID, &started, &soc, &carSoC, &lat, &lon)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("car's session of %s: %w", vehicleID, err)
	}
	if newest.At.Before(fromMS(started)) || volt.DistanceM(lat, lon, newest.Latitude, newest.Longitude) > s.Tolerance.RadiusM {
		return nil // another car, or this one elsewhere
	}
	if soc.Valid && (!carSoC.Valid || soc.Int64 != carSoC.Int64) {
		return nil // the charger reports the state of charge
	}
	pct := (newest.SoCPermille + 5) / 10
	if _, err := tx.Exec(ctx, `UPDATE sessions SET soc_percent = ? WHERE id = ?`, pct, sessionID); err != nil {
		return fmt.Errorf("session %s state of charge: %w", sessionID, err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO session_car_soc (session_id, vehicle_id, soc_percent, at) VALUES (?, ?, ?, ?)
		ON CONFLICT (session_id) DO UPDATE SET vehicle_id = excluded.vehicle_id, soc_percent = excluded.soc_percent, at = excluded.at`,
		sessionID, vehicleID, pct, toMS(newest.At))
	if err != nil {
		return fmt.Errorf("session %s car state of charge: %w", sessionID, err)
	}
	return nil
}

var _ volt.ChargeTargets = (*FleetService)(nil)

// FindChargeTarget answers a driver's charge target (100 % when none): the
// driver themself and the platform; anyone else does not find it.
func (s *FleetService) FindChargeTarget(ctx context.Context, userID string) (*volt.ChargeTarget, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if !a.SuperAdmin && (a.UserID == "" || a.UserID != userID) {
		return nil, volt.Errorf(volt.ENOTFOUND, "Charge target of %q not found.", userID)
	}
	c := &volt.ChargeTarget{UserID: userID, Percent: 100}
	var updated int64
	err = s.db.QueryRow(ctx, `SELECT target_percent, updated_at FROM charge_targets WHERE user_id = ?`, userID).Scan(&c.Percent, &updated)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("charge target of %s: %w", userID, err)
	}
	if err == nil {
		c.UpdatedAt = fromMS(updated)
	}
	return c, nil
}

// SetChargeTarget stores a driver's charge target (the driver themself).
func (s *FleetService) SetChargeTarget(ctx context.Context, c *volt.ChargeTarget) error {
	if _, err := s.FindChargeTarget(ctx, c.UserID); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	c.UpdatedAt = s.db.Now()
	_, err := s.db.Exec(ctx, `INSERT INTO charge_targets (user_id, target_percent, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET target_percent = excluded.target_percent, updated_at = excluded.updated_at`,
		c.UserID, c.Percent, toMS(c.UpdatedAt))
	if err != nil {
		return fmt.Errorf("charge target of %s: %w", c.UserID, err)
	}
	return nil
}

// SessionLimitFinder finds a session's stored limit (ChargingService).
type SessionLimitFinder interface {
	FindSessionLimit(ctx context.Context, sessionID string) (*volt.SessionLimit, error)
}

// FleetLimits adds the driver's charge target to a session's limit: what
// the guard stops sessions at (issue 19).
type FleetLimits struct {
	db    *DB
	inner SessionLimitFinder
}

// NewFleetLimits returns the limits of inner with the drivers' charge
// targets.
func NewFleetLimits(db *DB, inner SessionLimitFinder) *FleetLimits {
	return &FleetLimits{db: db, inner: inner}
}

// FindSessionLimit answers the session's stored limit with the driver's
// charge target (below 100 %) as SoCPercent; ENOTFOUND when neither.
func (l *FleetLimits) FindSessionLimit(ctx context.Context, sessionID string) (*volt.SessionLimit, error) {
	if a := volt.ActorFromContext(ctx); a != nil && a.System {
		return l.findForSystem(ctx, sessionID)
	}
	lim, err := l.inner.FindSessionLimit(ctx, sessionID)
	if err != nil && !volt.IsCode(err, volt.ENOTFOUND) {
		return nil, err
	}
	var pct int
	qerr := l.db.QueryRow(ctx, `SELECT t.target_percent FROM sessions s JOIN charge_targets t ON t.user_id = s.user_id
		WHERE s.id = ? AND s.user_id <> ''`, sessionID).Scan(&pct)
	if errors.Is(qerr, sql.ErrNoRows) || pct >= 100 {
		return lim, err
	} else if qerr != nil {
		return nil, fmt.Errorf("charge target of session %s: %w", sessionID, qerr)
	}
	if lim == nil {
		lim = &volt.SessionLimit{SessionID: sessionID}
	}
	lim.SoCPercent = pct
	return lim, nil
}

// findForSystem is FindSessionLimit for the platform's own processes, which
// see every session: the limit and the target in one statement, for the
// guard asks after every meter reading of every session.
func (l *FleetLimits) findForSystem(ctx context.Context, sessionID string) (*volt.SessionLimit, error) {
	var (
		energy, amount, pct sql.NullInt64
		currency            sql.NullString
	)
	err := l.db.QueryRow(ctx, `SELECT sl.energy_wh, sl.amount, sl.currency, t.target_percent
		FROM (SELECT CAST(? AS TEXT) AS id) q
		LEFT JOIN session_limits sl ON sl.session_id = q.id
		LEFT JOIN sessions s ON s.id = q.id AND s.user_id <> ''
		LEFT JOIN charge_targets t ON t.user_id = s.user_id`, sessionID).Scan(&energy, &amount, &currency, &pct)
	if err != nil {
		return nil, fmt.Errorf("limit of session %s: %w", sessionID, err)
	}
	hasTarget := pct.Valid && pct.Int64 < 100
	if !currency.Valid && !hasTarget { // no limit row (currency is NOT NULL in one)
		return nil, volt.Errorf(volt.ENOTFOUND, "Limit of session %q not found.", sessionID)
	}
	lim := &volt.SessionLimit{SessionID: sessionID, EnergyWh: energy.Int64, Amount: amount.Int64, Currency: currency.String}
	if hasTarget {
		lim.SoCPercent = int(pct.Int64)
	}
	return lim, nil
}
