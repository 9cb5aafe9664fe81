package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/volt-ev/volt"
)

var _ volt.CardGroupFinder = (*ChargingService)(nil)

// CardGroupTags returns the OCPP parentIdTag (volt.CardGroupTag) of each of
// idTags that is a card of the charger's CPO, by idTag as given; other
// idTags are absent. The actor must see the charger.
func (s *ChargingService) CardGroupTags(ctx context.Context, cpid string, idTags []string) (map[string]string, error) {
	if err := s.canReadCharger(ctx, cpid); err != nil {
		return nil, err
	}
	out := map[string]string{}
	if len(idTags) == 0 {
		return out, nil
	}
	byNorm := map[string][]string{}
	args := []any{cpid}
	for _, t := range idTags {
		n := volt.NormalizeIDTag(t)
		if _, seen := byNorm[n]; !seen {
			args = append(args, n)
		}
		byNorm[n] = append(byNorm[n], t)
	}
	q := `SELECT c.uid_norm, c.group_id, c.user_id FROM rfid_cards c
		WHERE c.cpo_id = (SELECT cpo_id FROM chargers WHERE cpid = ?) AND c.uid_norm IN (` +
		strings.TrimSuffix(strings.Repeat("?, ", len(args)-1), ", ") + `)`
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("card groups at %s: %w", cpid, err)
	}
	defer rows.Close()
	for rows.Next() {
		var norm, group, user string
		if err := rows.Scan(&norm, &group, &user); err != nil {
			return nil, fmt.Errorf("card groups at %s: %w", cpid, mapError(err))
		}
		for _, t := range byNorm[norm] {
			if tag := volt.CardGroupTag(group, user); tag != "" {
				out[t] = tag
			}
		}
	}
	return out, mapError(rows.Err())
}
