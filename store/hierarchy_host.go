package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/volt-ev/volt"
)

const hostCols = `id, cpo_id, owner_id, name, created_at, updated_at`

func scanHost(s rowScanner) (*volt.Host, error) {
	h := &volt.Host{ChargerGroupIDs: []string{}}
	var created, updated int64
	if err := s.Scan(&h.ID, &h.CPOID, &h.OwnerID, &h.Name, &created, &updated); err != nil {
		return nil, err
	}
	h.CreatedAt, h.UpdatedAt = fromMS(created), fromMS(updated)
	return h, nil
}

// hostWhere restricts hosts to the actor's read scope plus the hosts the
// actor is a host user of.
func hostWhere(a *volt.Actor) (*where, error) {
	frag, args, err := scopeWhere(a, volt.PermRead, hostScope)
	if err != nil {
		return nil, err
	}
	var own []any
	for _, g := range a.Grants {
		if g.HostID != "" && g.Role != volt.RoleDriver {
			own = append(own, g.HostID)
		}
	}
	w := &where{}
	if len(own) > 0 {
		w.add("("+frag+" OR id IN ("+inList(len(own))+"))", append(args, own...)...)
	} else {
		w.add(frag, args...)
	}
	return w, nil
}

func (s *HierarchyService) findHost(ctx context.Context, q querier, a *volt.Actor, id string) (*volt.Host, error) {
	w, err := hostWhere(a)
	if err != nil {
		return nil, err
	}
	w.add("id = ?", id)
	h, err := scanHost(q.QueryRow(ctx, `SELECT `+hostCols+` FROM hosts WHERE `+w.String(), w.args...))
	if err != nil {
		return nil, notFound(err, "Host", id)
	}
	if err := loadHostGroups(ctx, q, []*volt.Host{h}); err != nil {
		return nil, err
	}
	return h, nil
}

// loadHostGroups fills ChargerGroupIDs of hosts in one query.
func loadHostGroups(ctx context.Context, q querier, hosts []*volt.Host) error {
	if len(hosts) == 0 {
		return nil
	}
	byID := map[string]*volt.Host{}
	args := make([]any, 0, len(hosts))
	for _, h := range hosts {
		byID[h.ID] = h
		args = append(args, h.ID)
	}
	rows, err := q.Query(ctx, `SELECT host_id, charger_group_id FROM host_charger_groups WHERE host_id IN (`+inList(len(args))+`) ORDER BY charger_group_id`, args...)
	if err != nil {
		return fmt.Errorf("host charger groups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var hid, gid string
		if err := rows.Scan(&hid, &gid); err != nil {
			return fmt.Errorf("host charger groups: %w", err)
		}
		byID[hid].ChargerGroupIDs = append(byID[hid].ChargerGroupIDs, gid)
	}
	return mapError(rows.Err())
}

// FindHostByID returns a host the actor can read, with its charger groups.
func (s *HierarchyService) FindHostByID(ctx context.Context, id string) (*volt.Host, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return s.findHost(ctx, s.db, a, id)
}

// FindHosts lists the hosts the actor can read.
func (s *HierarchyService) FindHosts(ctx context.Context, f volt.Filter) ([]*volt.Host, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w, err := hostWhere(a)
	if err != nil {
		return nil, 0, err
	}
	w.eq("id", f.ID)
	w.eq("id", f.HostID)
	w.eq("cpo_id", f.CPOID)
	w.eq("owner_id", f.OwnerID)
	if f.ChargerGroupID != "" {
		w.add("id IN (SELECT host_id FROM host_charger_groups WHERE charger_group_id = ?)", f.ChargerGroupID)
	}
	w.contains(f.Query, "name")
	hosts, total, err := list(ctx, s.db, listQuery{cols: hostCols, from: "hosts", where: w, order: "name, id", page: f.Page}, scanHost)
	if err != nil {
		return nil, 0, err
	}
	if err := loadHostGroups(ctx, s.db, hosts); err != nil {
		return nil, 0, err
	}
	return hosts, total, nil
}

// CreateHost creates a host under an owner the actor may write, granting it
// the listed charger groups (which must belong to that owner).
func (s *HierarchyService) CreateHost(ctx context.Context, h *volt.Host) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := h.Validate(); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		o, err := findOne(ctx, tx, a, "Owner", ownerCols, "owners", "id", h.OwnerID, ownerTableScope, scanOwner)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, volt.Ref{CPOID: o.CPOID, OwnerID: o.ID}) {
			return volt.Errorf(volt.EFORBIDDEN, "You may not add hosts to this owner.")
		}
		h.ID, h.CPOID = volt.NewID(volt.PrefixHost), o.CPOID
		h.CreatedAt, h.UpdatedAt = tx.Now(), tx.Now()
		if _, err := tx.Exec(ctx, `INSERT INTO hosts (`+hostCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
			h.ID, h.CPOID, h.OwnerID, h.Name, tx.NowMS(), tx.NowMS()); err != nil {
			return fmt.Errorf("create host: %w", err)
		}
		return setHostGroups(ctx, tx, h)
	})
}

// setHostGroups replaces the host's charger-group grants after checking each
// group belongs to the host's owner.
func setHostGroups(ctx context.Context, tx *Tx, h *volt.Host) error {
	ids := slices.Clone(h.ChargerGroupIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if _, err := tx.Exec(ctx, `DELETE FROM host_charger_groups WHERE host_id = ?`, h.ID); err != nil {
		return fmt.Errorf("host %s groups: %w", h.ID, err)
	}
	for _, gid := range ids {
		var owner string
		err := tx.QueryRow(ctx, `SELECT owner_id FROM charger_groups WHERE id = ?`, gid).Scan(&owner)
		if err == sql.ErrNoRows || (err == nil && owner != h.OwnerID) {
			return volt.FieldError("chargerGroupIds", "Charger group %q is not one of this owner's.", gid)
		} else if err != nil {
			return fmt.Errorf("host %s group %s: %w", h.ID, gid, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO host_charger_groups (host_id, charger_group_id) VALUES (?, ?)`, h.ID, gid); err != nil {
			return fmt.Errorf("host %s group %s: %w", h.ID, gid, err)
		}
	}
	h.ChargerGroupIDs = ids
	if h.ChargerGroupIDs == nil {
		h.ChargerGroupIDs = []string{}
	}
	return nil
}

// UpdateHost changes a host's name and charger-group grants; its owner never
// changes.
func (s *HierarchyService) UpdateHost(ctx context.Context, h *volt.Host) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		old, err := s.findHost(ctx, tx, a, h.ID)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, volt.Ref{CPOID: old.CPOID, OwnerID: old.OwnerID}) {
			return forbidden("host")
		}
		h.CPOID, h.OwnerID = old.CPOID, old.OwnerID
		if err := h.Validate(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE hosts SET name = ?, updated_at = ? WHERE id = ?`, h.Name, tx.NowMS(), h.ID); err != nil {
			return fmt.Errorf("update host %s: %w", h.ID, err)
		}
		h.CreatedAt, h.UpdatedAt = old.CreatedAt, tx.Now()
		return setHostGroups(ctx, tx, h)
	})
}

// DeleteHost deletes a host; a host usergroup still pointing at it makes this
// ECONFLICT.
func (s *HierarchyService) DeleteHost(ctx context.Context, id string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		old, err := s.findHost(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, volt.Ref{CPOID: old.CPOID, OwnerID: old.OwnerID}) {
			return forbidden("host")
		}
		res, err := tx.Exec(ctx, `DELETE FROM hosts WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete host %s: %w", id, err)
		}
		return rowsAffected(res, "Host", id)
	})
}
