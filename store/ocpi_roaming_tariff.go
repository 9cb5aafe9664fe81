package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/volt-ev/volt"
)

// roamingQuote returns the roaming tariff of the eMSP partner whose token
// starts the session (issue 14): a session without a Volt user whose idTag
// is a token of a connected partner of the charger's CPO with a roaming
// tariff is priced by that tariff, frozen in the snapshot like any other,
// so its live cost and CDR come from it. nil when there is none (the
// Public tariff applies, as for any roaming token).
func roamingQuote(ctx context.Context, q querier, s *volt.Session) (*volt.PriceQuote, error) {
	if s.UserID != "" || s.IDTag == "" {
		return nil, nil
	}
	var partner, name, tariffID string
	err := q.QueryRow(ctx, `SELECT p.id, p.name, p.tariff_id FROM ocpi_tokens t JOIN ocpi_partners p ON p.id = t.partner_id
		WHERE t.cpo_id = ? AND t.uid_norm = ? AND p.status = ? ORDER BY t.last_updated DESC LIMIT 1`,
		s.CPOID, volt.NormalizeIDTag(s.IDTag), string(volt.OCPIConnected)).Scan(&partner, &name, &tariffID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && tariffID == "") {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("roaming tariff of %s: %w", s.IDTag, err)
	}
	t, err := scanTariff(q.QueryRow(ctx, `SELECT `+tariffCols+` FROM tariffs WHERE id = ? AND cpo_id = ?`, tariffID, s.CPOID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil // deleted since: the Public tariff
	} else if err != nil {
		return nil, fmt.Errorf("roaming tariff %s: %w", tariffID, err)
	}
	return &volt.PriceQuote{ChargerGroupID: s.ChargerGroupID, Tariff: t, Reason: "Roaming tariff of partner " + name}, nil
}
