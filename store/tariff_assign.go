package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/volt-ev/volt"
)

const assignmentCols = `id, tariff_id, usergroup_id, charger_group_id, created_at`

func scanAssignment(s rowScanner) (*volt.TariffAssignment, error) {
	a := &volt.TariffAssignment{}
	var created int64
	if err := s.Scan(&a.ID, &a.TariffID, &a.UsergroupID, &a.ChargerGroupID, &created); err != nil {
		return nil, err
	}
	a.CreatedAt = fromMS(created)
	return a, nil
}

// FindTariffAssignments lists the assignments the actor can read.
func (s *TariffService) FindTariffAssignments(ctx context.Context, f volt.TariffAssignmentFilter) ([]*volt.TariffAssignment, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w := &where{}
	if err := w.scope(a, volt.PermRead, assignmentScope); err != nil {
		return nil, 0, err
	}
	w.eq("tariff_id", f.TariffID)
	w.eq("usergroup_id", f.UsergroupID)
	w.eq("charger_group_id", f.ChargerGroupID)
	return list(ctx, s.db, listQuery{cols: assignmentCols, from: "tariff_assignments", where: w,
		order: "charger_group_id, usergroup_id", page: f.Page}, scanAssignment)
}

// CreateTariffAssignment applies a tariff of the charger group's CPO to a
// usergroup of that CPO (or Public) on the group. ECONFLICT when the
// usergroup already has a tariff there.
func (s *TariffService) CreateTariffAssignment(ctx context.Context, as *volt.TariffAssignment) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := as.Validate(); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		g, err := chargerGroupFacts(ctx, tx, as.ChargerGroupID)
		if err != nil || !a.Can(volt.PermRead, g.Ref()) {
			if err != nil && !volt.IsCode(err, volt.ENOTFOUND) {
				return err
			}
			return volt.Errorf(volt.ENOTFOUND, "Charger group %q not found.", as.ChargerGroupID)
		}
		if !a.Can(volt.PermWrite, g.Ref()) {
			return forbidden("charger group's tariffs")
		}
		var tariffCPO string
		err = tx.QueryRow(ctx, `SELECT cpo_id FROM tariffs WHERE id = ?`, as.TariffID).Scan(&tariffCPO)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && tariffCPO != g.CPOID) {
			return volt.FieldError("tariffId", "Tariff %q is not a tariff of the charger group's CPO.", as.TariffID)
		} else if err != nil {
			return fmt.Errorf("find tariff %s: %w", as.TariffID, err)
		}
		if as.UsergroupID != volt.PublicUsergroupID {
			var ugCPO string
			err = tx.QueryRow(ctx, `SELECT cpo_id FROM usergroups WHERE id = ?`, as.UsergroupID).Scan(&ugCPO)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && ugCPO != g.CPOID) {
				return volt.FieldError("usergroupId", "Usergroup %q is not a usergroup of the charger group's CPO.", as.UsergroupID)
			} else if err != nil {
				return fmt.Errorf("find usergroup %s: %w", as.UsergroupID, err)
			}
		}
		as.ID = volt.NewID(volt.PrefixTariffAssignment)
		as.CreatedAt = tx.Now()
		_, err = tx.Exec(ctx, `INSERT INTO tariff_assignments (id, tariff_id, usergroup_id, charger_group_id, cpo_id, owner_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, as.ID, as.TariffID, as.UsergroupID, as.ChargerGroupID, g.CPOID, g.OwnerID, tx.NowMS())
		if volt.IsCode(err, volt.ECONFLICT) {
			return volt.Errorf(volt.ECONFLICT, "Usergroup %q already has a tariff on this charger group.", as.UsergroupID)
		} else if err != nil {
			return fmt.Errorf("create tariff assignment: %w", err)
		}
		return nil
	})
}

// DeleteTariffAssignment removes an assignment.
func (s *TariffService) DeleteTariffAssignment(ctx context.Context, id string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		var ref volt.Ref
		w := &where{}
		w.add("id = ?", id)
		if err := w.scope(a, volt.PermRead, assignmentScope); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT cpo_id, owner_id, charger_group_id FROM tariff_assignments WHERE `+w.String(), w.args...).
			Scan(&ref.CPOID, &ref.OwnerID, &ref.ChargerGroupID)
		if err != nil {
			return notFound(err, "Tariff assignment", id)
		}
		if !a.Can(volt.PermWrite, ref) {
			return forbidden("tariff assignment")
		}
		res, err := tx.Exec(ctx, `DELETE FROM tariff_assignments WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete tariff assignment %s: %w", id, err)
		}
		return rowsAffected(res, "Tariff assignment", id)
	})
}

// chargerGroupFacts reads a charger group with its site's time zone.
func chargerGroupFacts(ctx context.Context, q querier, id string) (*volt.ChargerGroup, error) {
	g := &volt.ChargerGroup{}
	err := q.QueryRow(ctx, `SELECT id, cpo_id, owner_id, site_id, name, private FROM charger_groups WHERE id = ?`, id).
		Scan(&g.ID, &g.CPOID, &g.OwnerID, &g.SiteID, &g.Name, &g.Private)
	if err != nil {
		return nil, notFound(err, "Charger group", id)
	}
	return g, nil
}
