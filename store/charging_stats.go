package store

import (
	"context"
	"fmt"

	"github.com/volt-ev/volt"
)

// SessionEnergy counts the sessions the actor may see that match f (running
// and completed; Page is ignored) and sums their energy in Wh, in one
// aggregate query: the dashboard's "energy today" without reading the day's
// sessions into memory.
func (s *ChargingService) SessionEnergy(ctx context.Context, f volt.SessionFilter) (sessions int, energyWh int64, err error) {
	where, args, err := sessionFilterWhere(ctx, f)
	if err != nil {
		return 0, 0, err
	}
	err = s.db.QueryRow(ctx, `SELECT count(*), COALESCE(SUM(energy_wh), 0) FROM sessions WHERE `+where, args...).Scan(&sessions, &energyWh)
	if err != nil {
		return 0, 0, fmt.Errorf("session energy: %w", mapError(err))
	}
	return sessions, energyWh, nil
}

// ChargerCounts tallies the chargers the actor may see, for the dashboard:
// how many there are, how many are online, how many have a faulted
// connector and how many have a connector in use (Charging, SuspendedEV or
// SuspendedEVSE). Two aggregate queries; the connector one walks the status
// index, so it costs what the faulted and busy connectors cost.
func (s *ChargingService) ChargerCounts(ctx context.Context) (total, online, faulted, inUse int, err error) {
	a, err := actorOf(ctx)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	w := &where{}
	w.add("c.deleted_at IS NULL")
	if err := w.scope(a, volt.PermRead, chargerScope); err != nil {
		return 0, 0, 0, 0, err
	}
	err = s.db.QueryRow(ctx, `SELECT count(*), COALESCE(SUM(CASE WHEN c.online THEN 1 ELSE 0 END), 0) FROM chargers c WHERE `+w.String(),
		w.args...).Scan(&total, &online)
	if err != nil {
		return 0, 0, 0, 0, fmt.Errorf("count chargers: %w", mapError(err))
	}
	f := string(volt.StatusFaulted)
	args := append([]any{f, f, f, string(volt.StatusCharging), string(volt.StatusSuspendedEV), string(volt.StatusSuspendedEVSE)}, w.args...)
	err = s.db.QueryRow(ctx, `SELECT count(DISTINCT CASE WHEN k.status = ? THEN k.cpid END), count(DISTINCT CASE WHEN k.status <> ? THEN k.cpid END)
		FROM connectors k JOIN chargers c ON c.cpid = k.cpid WHERE k.status IN (?, ?, ?, ?) AND `+w.String(),
		args...).Scan(&faulted, &inUse)
	if err != nil {
		return 0, 0, 0, 0, fmt.Errorf("count connectors: %w", mapError(err))
	}
	return total, online, faulted, inUse, nil
}
