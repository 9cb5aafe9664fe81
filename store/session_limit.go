package store

import (
	"context"
	"fmt"

	"github.com/volt-ev/volt"
)

var _ volt.SessionLimits = (*ChargingService)(nil)

// SetSessionLimit records a driver's limit on a session, replacing any. The
// session's driver, or an actor who may command its charger, may set it.
func (s *ChargingService) SetSessionLimit(ctx context.Context, l *volt.SessionLimit) error {
	if err := l.Validate(); err != nil {
		return err
	}
	sess, err := s.FindSessionByID(ctx, l.SessionID)
	if err != nil {
		return err
	}
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if !(a.UserID != "" && a.UserID == sess.UserID) && !a.Can(volt.PermCommand, sess.Ref()) {
		return forbidden("session limit")
	}
	_, err = s.db.Exec(ctx, `INSERT INTO session_limits (session_id, energy_wh, amount, currency, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (session_id) DO UPDATE SET energy_wh = excluded.energy_wh, amount = excluded.amount, currency = excluded.currency`,
		l.SessionID, l.EnergyWh, l.Amount, l.Currency, toMS(s.db.Now()))
	if err != nil {
		return fmt.Errorf("set limit of session %s: %w", l.SessionID, err)
	}
	return nil
}

// FindSessionLimit returns the limit of a session the actor may see,
// ENOTFOUND when it has none. The limit is looked up first, by key: the
// guard asks after every meter reading of every session, and most sessions
// have no limit, so the session's visibility is checked only when there is
// one to show (and never for the platform's own processes).
func (s *ChargingService) FindSessionLimit(ctx context.Context, sessionID string) (*volt.SessionLimit, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	l := &volt.SessionLimit{SessionID: sessionID}
	err = s.stmts.queryRowDB(ctx, s.db, `SELECT energy_wh, amount, currency FROM session_limits WHERE session_id = ?`, sessionID).
		Scan(&l.EnergyWh, &l.Amount, &l.Currency)
	if err != nil {
		return nil, notFound(err, "Limit of session", sessionID)
	}
	if !a.System {
		if _, err := s.FindSessionByID(ctx, sessionID); err != nil {
			if volt.IsCode(err, volt.ENOTFOUND) {
				// The same answer as for a session without a limit.
				return nil, volt.Errorf(volt.ENOTFOUND, "Limit of session %q not found.", sessionID)
			}
			return nil, err
		}
	}
	return l, nil
}
