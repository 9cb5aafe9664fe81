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
	if a := volt.ActorFromContext(ctx); a != nil && a.System {
		// The gateway, on every TransactionEvent: one prepared read
		// rather than an id look-up then a scoped, counted list.
		r, err := scanSession(s.stmts.queryRowDB(ctx, s.db, `SELECT `+sessionCols+` FROM sessions WHERE origin = 'start' AND cpid = ? AND charger_tx_id = ?`, cpid, chargerTxID))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, volt.Errorf(volt.ENOTFOUND, "No session for transaction %s of charger %s.", chargerTxID, cpid)
		}
		if err != nil {
			return nil, fmt.Errorf("find session of transaction %s on %s: %w", chargerTxID, cpid, err)
		}
		return r.result(), nil
	}
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

// FindChargerTransactionID returns the transactionId an OCPP 2.x charger
// chose for the session Volt numbered transactionID; ENOTFOUND when there is
// none or it is a 1.6 session. Only the system actor (the gateway) asks.
func (s *ChargingService) FindChargerTransactionID(ctx context.Context, cpid string, transactionID int64) (string, error) {
	if a := volt.ActorFromContext(ctx); a == nil || !a.System {
		return "", volt.Errorf(volt.ENOTFOUND, "Transaction %d not found.", transactionID)
	}
	var id string
	err := s.db.QueryRow(ctx, `SELECT charger_tx_id FROM sessions WHERE origin = 'start' AND cpid = ? AND transaction_id = ?`, cpid, transactionID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && id == "") {
		return "", volt.Errorf(volt.ENOTFOUND, "Transaction %d of charger %s has no charger transaction id.", transactionID, cpid)
	}
	if err != nil {
		return "", fmt.Errorf("find charger transaction id of %d on %s: %w", transactionID, cpid, mapError(err))
	}
	return id, nil
}
