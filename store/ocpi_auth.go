package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/volt-ev/volt"
)

// authorizeRoaming answers an idTag that is no card of Volt's but may be a
// token an eMSP partner of the charger's CPO pushed (issue 14): a valid
// token in whitelist ALWAYS, ALLOWED or ALLOWED_OFFLINE is Accepted at
// once from the stored token, on a public charger group with a Public
// tariff, without a user (the partner pays). ok is false when no partner
// token has the idTag, so the answer stays the card rule's.
// TODO(issue 14): whitelist NEVER asks the eMSP in real time.
func (s *ChargingService) authorizeRoaming(ctx context.Context, tx *Tx, ch *chargerFacts, idTag string) (volt.AuthResult, bool, error) {
	var valid bool
	var whitelist, partner string
	err := tx.QueryRow(ctx, `SELECT t.valid, t.whitelist, p.name FROM ocpi_tokens t JOIN ocpi_partners p ON p.id = t.partner_id
		WHERE t.cpo_id = ? AND t.uid_norm = ? AND p.status = ? ORDER BY t.last_updated DESC LIMIT 1`,
		ch.CPOID, idTag, string(volt.OCPIConnected)).Scan(&valid, &whitelist, &partner)
	if errors.Is(err, sql.ErrNoRows) {
		return volt.AuthResult{}, false, nil
	} else if err != nil {
		return volt.AuthResult{}, false, fmt.Errorf("roaming token: %w", err)
	}
	switch {
	case !valid:
		return volt.AuthResult{Status: volt.AuthBlocked, Reason: "roaming token of " + partner + " not valid"}, true, nil
	case whitelist == "NEVER":
		return volt.AuthResult{Status: volt.AuthInvalid, Reason: "roaming token of " + partner + " needs real-time authorisation"}, true, nil
	}
	private, _, err := groupAccess(ctx, tx, ch.ChargerGrp, "")
	if err != nil {
		return volt.AuthResult{}, false, err
	}
	if private {
		return volt.AuthResult{Status: volt.AuthBlocked, Reason: "roaming: private charger group"}, true, nil
	}
	if s.Pricer != nil {
		refusal, err := s.Pricer.TariffRefusal(withTx(ctx, tx), ch.ChargerGrp, "", tx.Now())
		if err != nil {
			return volt.AuthResult{}, false, fmt.Errorf("roaming tariff: %w", err)
		}
		if refusal != "" {
			return volt.AuthResult{Status: volt.AuthBlocked, Reason: "roaming: no tariff: " + refusal}, true, nil
		}
	}
	return volt.AuthResult{Status: volt.AuthAccepted, Reason: "roaming token of " + partner}, true, nil
}
