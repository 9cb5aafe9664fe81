package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/volt-ev/volt"
)

// ImportChargers onboards chargers in bulk, all or nothing: every row is
// checked first (identity form and uniqueness in the file and among live
// chargers, password rules, a charger group the actor may write, connector
// count), and one problem anywhere refuses the whole import with every
// problem listed (volt.ImportErrors). A row without a password gets a
// generated one, returned once in the answer; a given one is returned as
// given.
func (s *ChargerService) ImportChargers(ctx context.Context, rows []volt.ChargerImportRow) ([]*volt.ChargerCredentials, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, volt.FieldError("file", "The file has no chargers.")
	}
	var errs []volt.ImportRowError
	bad := func(r volt.ChargerImportRow, col, format string, args ...any) {
		errs = append(errs, volt.ImportRowError{Row: r.Row, Column: col, Message: fmt.Sprintf(format, args...)})
	}
	passwords := make([]string, len(rows))
	seen := map[string]int{}
	for i := range rows {
		r := &rows[i]
		r.OCPPIdentity = strings.TrimSpace(r.OCPPIdentity)
		switch {
		case r.OCPPIdentity == "":
			bad(*r, "identity", "OCPP identity required.")
		case !validIdentity(r.OCPPIdentity):
			bad(*r, "identity", "OCPP identity must be 1 to 48 printable characters without spaces, '/', ':', '?', '#' or '%%'.")
		case seen[r.OCPPIdentity] != 0:
			bad(*r, "identity", "Identity %s is also on row %d.", r.OCPPIdentity, seen[r.OCPPIdentity])
		default:
			seen[r.OCPPIdentity] = r.Row
		}
		passwords[i] = r.Password
		if r.Password == "" {
			passwords[i] = newChargerPassword()
		} else if err := volt.ValidateChargerPassword(r.Password); err != nil {
			bad(*r, "password", "%s", volt.ErrorMessage(err))
		}
		if r.Connectors == 0 {
			r.Connectors = 1
		}
		if r.Connectors < 1 || r.Connectors > maxConnectors {
			bad(*r, "connectors", "A charger has 1 to %d connectors.", maxConnectors)
		}
		if strings.TrimSpace(r.ChargerGroupID) == "" {
			bad(*r, "group", "Charger group id required.")
		}
	}
	hashes := make([]string, len(rows))
	for i, pw := range passwords {
		if hashes[i], err = HashSecret(pw); err != nil {
			return nil, err
		}
	}
	var creds []*volt.ChargerCredentials
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		groups, err := s.importGroups(ctx, tx, a, rows, bad)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.OCPPIdentity == "" {
				continue
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM chargers WHERE ocpp_identity = ? AND deleted_at IS NULL`, r.OCPPIdentity).Scan(&n); err != nil {
				return fmt.Errorf("import: identity %s: %w", r.OCPPIdentity, err)
			}
			if n > 0 {
				bad(r, "identity", "A charger with identity %s exists already.", r.OCPPIdentity)
			}
		}
		if len(errs) > 0 {
			return volt.ImportErrors(errs)
		}
		for i, r := range rows {
			cpid, err := nextCPID(ctx, tx)
			if err != nil {
				return err
			}
			c := &volt.Charger{OCPPIdentity: r.OCPPIdentity, ChargerGroupID: r.ChargerGroupID}
			c.Vendor, c.Model = splitModel(r.Model)
			if err := insertCharger(ctx, tx, c, groups[r.ChargerGroupID], cpid, hashes[i], r.Connectors); err != nil {
				return err
			}
			creds = append(creds, &volt.ChargerCredentials{CPID: cpid, OCPPIdentity: c.OCPPIdentity, OCPPPassword: passwords[i]})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return creds, nil
}

// importGroups reads the charger groups the rows name, reporting a group
// the actor cannot see or may not write as a row error.
func (s *ChargerService) importGroups(ctx context.Context, tx *Tx, a *volt.Actor, rows []volt.ChargerImportRow,
	bad func(volt.ChargerImportRow, string, string, ...any)) (map[string]*volt.ChargerGroup, error) {
	groups := map[string]*volt.ChargerGroup{}
	refused := map[string]string{} // group id → why
	for _, r := range rows {
		id := strings.TrimSpace(r.ChargerGroupID)
		if id == "" {
			continue
		}
		if why, ok := refused[id]; ok {
			bad(r, "group", "%s", why)
			continue
		}
		if _, ok := groups[id]; ok {
			continue
		}
		g, err := findOne(ctx, tx, a, "Charger group", groupCols, "charger_groups", "id", id, groupScope, scanGroup)
		switch {
		case volt.IsCode(err, volt.ENOTFOUND) || errors.Is(err, sql.ErrNoRows):
			refused[id] = fmt.Sprintf("Charger group %s not found.", id)
			bad(r, "group", "%s", refused[id])
		case err != nil:
			return nil, err
		case !a.Can(volt.PermWrite, g.Ref()):
			refused[id] = fmt.Sprintf("You may not add chargers to charger group %s.", id)
			bad(r, "group", "%s", refused[id])
		default:
			groups[id] = g
		}
	}
	return groups, nil
}

// splitModel reads "Vendor/Model" (or a bare model).
func splitModel(s string) (vendor, model string) {
	s = strings.TrimSpace(s)
	if v, m, ok := strings.Cut(s, "/"); ok {
		return strings.TrimSpace(v), strings.TrimSpace(m)
	}
	return "", s
}
