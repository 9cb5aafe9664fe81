package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/volt-ev/volt"
)

// realTimeKey carries the eMSP's real-time answer about an idTag from
// before an authorisation's transaction into authorizeRoaming.
type realTimeKey struct{}

type realTimeAnswer struct {
	tag     string // normalised idTag
	allowed string // the eMSP's AllowedType; "" when it did not answer
}

// askRealTime asks the eMSP of a roaming token in whitelist NEVER or
// ALLOWED (OCPI 2.2.1 §12.4.4) whether it may charge at the charger's
// site, outside any transaction and within RealTime's own short deadline,
// and returns ctx carrying the answer. Anything else (a card, an unknown
// tag, ALWAYS/ALLOWED_OFFLINE, no RealTime) asks nothing.
func (s *ChargingService) askRealTime(ctx context.Context, cpid, tag string) context.Context {
	if s.RealTime == nil || tag == "" {
		return ctx
	}
	var partner, uid, typ, whitelist, site string
	var valid bool
	err := s.db.QueryRow(ctx, `SELECT t.partner_id, t.uid, t.type, t.whitelist, t.valid, c.site_id
		FROM chargers c JOIN ocpi_tokens t ON t.cpo_id = c.cpo_id AND t.uid_norm = ? JOIN ocpi_partners p ON p.id = t.partner_id
		WHERE c.cpid = ? AND p.status = ? AND NOT EXISTS (SELECT 1 FROM rfid_cards r WHERE r.uid_norm = ?)
		ORDER BY t.last_updated DESC LIMIT 1`, tag, cpid, string(volt.OCPIConnected), tag).Scan(&partner, &uid, &typ, &whitelist, &valid, &site)
	if err != nil || !valid || (whitelist != "NEVER" && whitelist != "ALLOWED") {
		return ctx
	}
	allowed, err := s.RealTime.AuthorizeRealTime(ctx, partner, uid, typ, site)
	if err != nil {
		allowed = ""
	}
	return context.WithValue(ctx, realTimeKey{}, realTimeAnswer{tag: tag, allowed: allowed})
}

// authorizeRoaming answers an idTag that is no card of Volt's but may be a
// token an eMSP partner of the charger's CPO pushed (issue 14): a valid
// token in whitelist ALWAYS or ALLOWED_OFFLINE is Accepted at once from
// the stored token, on a public charger group with a Public tariff (or
// the partner's own roaming tariff), without a user (the partner pays). NEVER and ALLOWED follow the eMSP's
// real-time answer (askRealTime) when there is one: ALLOWED admits, any
// other refuses; without an answer NEVER is refused and ALLOWED decided
// from the stored token. ok is false when no partner token has the
// idTag, so the answer stays the card rule's.
func (s *ChargingService) authorizeRoaming(ctx context.Context, tx *Tx, ch *chargerFacts, idTag string) (volt.AuthResult, bool, error) {
	var valid bool
	var whitelist, partner, roamingTariff string
	err := tx.QueryRow(ctx, `SELECT t.valid, t.whitelist, p.name, p.tariff_id FROM ocpi_tokens t JOIN ocpi_partners p ON p.id = t.partner_id
		WHERE t.cpo_id = ? AND t.uid_norm = ? AND p.status = ? ORDER BY t.last_updated DESC LIMIT 1`,
		ch.CPOID, idTag, string(volt.OCPIConnected)).Scan(&valid, &whitelist, &partner, &roamingTariff)
	if errors.Is(err, sql.ErrNoRows) {
		return volt.AuthResult{}, false, nil
	} else if err != nil {
		return volt.AuthResult{}, false, fmt.Errorf("roaming token: %w", err)
	}
	rt, asked := ctx.Value(realTimeKey{}).(realTimeAnswer)
	asked = asked && rt.tag == idTag && rt.allowed != ""
	switch {
	case !valid:
		return volt.AuthResult{Status: volt.AuthBlocked, Reason: "roaming token of " + partner + " not valid"}, true, nil
	case asked && (whitelist == "NEVER" || whitelist == "ALLOWED") && rt.allowed != "ALLOWED":
		status := volt.AuthBlocked
		if rt.allowed == "EXPIRED" {
			status = volt.AuthExpired
		}
		return volt.AuthResult{Status: status, Reason: "roaming token of " + partner + ": " + strings.ToLower(strings.ReplaceAll(rt.allowed, "_", " ")) + " (real-time)"}, true, nil
	case whitelist == "NEVER" && !asked:
		return volt.AuthResult{Status: volt.AuthInvalid, Reason: "roaming token of " + partner + " needs real-time authorisation, and " + partner + " did not answer"}, true, nil
	}
	private, _, err := groupAccess(ctx, tx, ch.ChargerGrp, "")
	if err != nil {
		return volt.AuthResult{}, false, err
	}
	if private {
		return volt.AuthResult{Status: volt.AuthBlocked, Reason: "roaming: private charger group"}, true, nil
	}
	// A partner with a roaming tariff of its own is priced by it
	// (roamingQuote), whatever the group's Public tariff.
	if s.Pricer != nil && roamingTariff == "" {
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
