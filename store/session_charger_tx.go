package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/volt-ev/volt"
)

// FindSessionByChargerTransaction returns the session of the transaction an
// OCPP 2.0.1/2.1 charger calls chargerTxID, if the actor may see it (the rule
// of FindSessionByID); ENOTFOUND when Volt has none.
func (s *ChargingService) FindSessionByChargerTransaction(ctx context.Context, cpid, chargerTxID string) (*volt.Session, error) {
	var id string
	err := s.db.QueryRow(ctx, `SELECT id FROM sessions WHERE origin = 'start' AND cpid = ? AND charger_tx_id = ?`, cpid, chargerTxID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, volt.Errorf(volt.ENOTFOUND, "No session for transaction %s of charger %s.", chargerTxID, cpid)
	}
	if err != nil {
		return nil, fmt.Errorf("find session of transaction %s on %s: %w", chargerTxID, cpid, mapError(err))
	}
	return s.FindSessionByID(ctx, id)
}
