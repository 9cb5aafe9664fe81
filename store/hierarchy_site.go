package store

import (
	"context"
	"fmt"

	"github.com/volt-ev/volt"
)

var (
	siteScope = scopeCols{CPO: "cpo_id", Owner: "owner_id",
		GroupVia: "id IN (SELECT site_id FROM charger_groups WHERE id IN (%s))"}
	groupScope = scopeCols{CPO: "cpo_id", Owner: "owner_id", Group: "id"}
	hostScope  = scopeCols{CPO: "cpo_id", Owner: "owner_id"}
)

const siteCols = `id, cpo_id, owner_id, name, address, latitude, longitude, amenities, time_zone, created_at, updated_at, opening_hours`

func scanSite(s rowScanner) (*volt.Site, error) {
	st := &volt.Site{}
	var addr, amenities, hours string
	var created, updated int64
	if err := s.Scan(&st.ID, &st.CPOID, &st.OwnerID, &st.Name, &addr, &st.Latitude, &st.Longitude,
		&amenities, &st.TimeZone, &created, &updated, &hours); err != nil {
		return nil, err
	}
	if err := decodeJSON(hours, &st.OpeningHours); err != nil {
		return nil, fmt.Errorf("site %s opening hours: %w", st.ID, err)
	}
	if st.OpeningHours == nil {
		st.OpeningHours = []volt.OpeningPeriod{}
	}
	if err := decodeJSON(addr, &st.Address); err != nil {
		return nil, fmt.Errorf("site %s address: %w", st.ID, err)
	}
	l, err := decodeStringList(amenities)
	if err != nil {
		return nil, fmt.Errorf("site %s amenities: %w", st.ID, err)
	}
	st.Amenities = l
	st.CreatedAt, st.UpdatedAt = fromMS(created), fromMS(updated)
	return st, nil
}

// FindSiteByID returns a site the actor can read.
func (s *HierarchyService) FindSiteByID(ctx context.Context, id string) (*volt.Site, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return findOne(ctx, s.db, a, "Site", siteCols, "sites", "id", id, siteScope, scanSite)
}

// FindSites lists the sites the actor can read.
func (s *HierarchyService) FindSites(ctx context.Context, f volt.Filter) ([]*volt.Site, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w := &where{}
	if err := w.scope(a, volt.PermRead, siteScope); err != nil {
		return nil, 0, err
	}
	w.eq("id", f.ID)
	w.eq("id", f.SiteID)
	w.eq("cpo_id", f.CPOID)
	w.eq("owner_id", f.OwnerID)
	if f.ChargerGroupID != "" {
		w.add("id IN (SELECT site_id FROM charger_groups WHERE id = ?)", f.ChargerGroupID)
	}
	if f.HostID != "" {
		w.add(`id IN (SELECT g.site_id FROM charger_groups g JOIN host_charger_groups h ON h.charger_group_id = g.id WHERE h.host_id = ?)`, f.HostID)
	}
	w.contains(f.Query, "name")
	return list(ctx, s.db, listQuery{cols: siteCols, from: "sites", where: w, order: "name, id", page: f.Page}, scanSite)
}

// CreateSite creates a site under an owner the actor may write.
func (s *HierarchyService) CreateSite(ctx context.Context, st *volt.Site) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := st.Validate(); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		o, err := findOne(ctx, tx, a, "Owner", ownerCols, "owners", "id", st.OwnerID, ownerTableScope, scanOwner)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, volt.Ref{CPOID: o.CPOID, OwnerID: o.ID}) {
			return volt.Errorf(volt.EFORBIDDEN, "You may not add sites to this owner.")
		}
		st.ID, st.CPOID = volt.NewID(volt.PrefixSite), o.CPOID
		st.CreatedAt, st.UpdatedAt = tx.Now(), tx.Now()
		if st.Amenities == nil {
			st.Amenities = []string{}
		}
		addr, err := encodeJSON(st.Address)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO sites (`+siteCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			st.ID, st.CPOID, st.OwnerID, st.Name, addr, st.Latitude, st.Longitude,
			encodeStringList(st.Amenities), st.TimeZone, tx.NowMS(), tx.NowMS(), openingHoursJSON(st.OpeningHours))
		if err != nil {
			return fmt.Errorf("create site: %w", err)
		}
		return nil
	})
}

// UpdateSite changes a site's own fields; its owner never changes.
func (s *HierarchyService) UpdateSite(ctx context.Context, st *volt.Site) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		old, err := findOne(ctx, tx, a, "Site", siteCols, "sites", "id", st.ID, siteScope, scanSite)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, volt.Ref{CPOID: old.CPOID, OwnerID: old.OwnerID}) {
			return forbidden("site")
		}
		st.CPOID, st.OwnerID = old.CPOID, old.OwnerID
		if err := st.Validate(); err != nil {
			return err
		}
		if st.Amenities == nil {
			st.Amenities = []string{}
		}
		addr, err := encodeJSON(st.Address)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE sites SET name = ?, address = ?, latitude = ?, longitude = ?, amenities = ?, time_zone = ?,
			opening_hours = ?, updated_at = ? WHERE id = ?`,
			st.Name, addr, st.Latitude, st.Longitude, encodeStringList(st.Amenities), st.TimeZone, openingHoursJSON(st.OpeningHours), tx.NowMS(), st.ID); err != nil {
			return fmt.Errorf("update site %s: %w", st.ID, err)
		}
		st.CreatedAt, st.UpdatedAt = old.CreatedAt, tx.Now()
		return nil
	})
}

// DeleteSite deletes a site without charger groups (ECONFLICT otherwise).
func (s *HierarchyService) DeleteSite(ctx context.Context, id string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		old, err := findOne(ctx, tx, a, "Site", siteCols, "sites", "id", id, siteScope, scanSite)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, volt.Ref{CPOID: old.CPOID, OwnerID: old.OwnerID}) {
			return forbidden("site")
		}
		if err := refuseIfLiveChargers(ctx, tx, "site_id", id); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM sites WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete site %s: %w", id, err)
		}
		return rowsAffected(res, "Site", id)
	})
}

const groupCols = `id, cpo_id, owner_id, site_id, name, private, created_at, updated_at, ocpi_excluded`

func scanGroup(s rowScanner) (*volt.ChargerGroup, error) {
	g := &volt.ChargerGroup{}
	var created, updated int64
	if err := s.Scan(&g.ID, &g.CPOID, &g.OwnerID, &g.SiteID, &g.Name, &g.Private, &created, &updated, &g.OCPIExcluded); err != nil {
		return nil, err
	}
	g.CreatedAt, g.UpdatedAt = fromMS(created), fromMS(updated)
	return g, nil
}

// FindChargerGroupByID returns a charger group the actor can read.
func (s *HierarchyService) FindChargerGroupByID(ctx context.Context, id string) (*volt.ChargerGroup, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	return findOne(ctx, s.db, a, "Charger group", groupCols, "charger_groups", "id", id, groupScope, scanGroup)
}

// FindChargerGroups lists the charger groups the actor can read.
func (s *HierarchyService) FindChargerGroups(ctx context.Context, f volt.Filter) ([]*volt.ChargerGroup, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w := &where{}
	if err := w.scope(a, volt.PermRead, groupScope); err != nil {
		return nil, 0, err
	}
	w.eq("id", f.ID)
	w.eq("id", f.ChargerGroupID)
	w.eq("cpo_id", f.CPOID)
	w.eq("owner_id", f.OwnerID)
	w.eq("site_id", f.SiteID)
	if f.HostID != "" {
		w.add("id IN (SELECT charger_group_id FROM host_charger_groups WHERE host_id = ?)", f.HostID)
	}
	w.contains(f.Query, "name")
	return list(ctx, s.db, listQuery{cols: groupCols, from: "charger_groups", where: w, order: "name, id", page: f.Page}, scanGroup)
}

// CreateChargerGroup creates a group in a site the actor may write.
func (s *HierarchyService) CreateChargerGroup(ctx context.Context, g *volt.ChargerGroup) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if err := g.Validate(); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		st, err := findOne(ctx, tx, a, "Site", siteCols, "sites", "id", g.SiteID, siteScope, scanSite)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, volt.Ref{CPOID: st.CPOID, OwnerID: st.OwnerID}) {
			return volt.Errorf(volt.EFORBIDDEN, "You may not add charger groups to this site.")
		}
		g.ID, g.CPOID, g.OwnerID = volt.NewID(volt.PrefixChargerGroup), st.CPOID, st.OwnerID
		g.CreatedAt, g.UpdatedAt = tx.Now(), tx.Now()
		_, err = tx.Exec(ctx, `INSERT INTO charger_groups (`+groupCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			g.ID, g.CPOID, g.OwnerID, g.SiteID, g.Name, g.Private, tx.NowMS(), tx.NowMS(), g.OCPIExcluded)
		if err != nil {
			return fmt.Errorf("create charger group: %w", err)
		}
		return nil
	})
}

// UpdateChargerGroup changes a group's name, privacy and OCPI switch;
// its site never changes.
func (s *HierarchyService) UpdateChargerGroup(ctx context.Context, g *volt.ChargerGroup) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		old, err := findOne(ctx, tx, a, "Charger group", groupCols, "charger_groups", "id", g.ID, groupScope, scanGroup)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, old.Ref()) {
			return forbidden("charger group")
		}
		g.CPOID, g.OwnerID, g.SiteID = old.CPOID, old.OwnerID, old.SiteID
		if err := g.Validate(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE charger_groups SET name = ?, private = ?, ocpi_excluded = ?, updated_at = ? WHERE id = ?`,
			g.Name, g.Private, g.OCPIExcluded, tx.NowMS(), g.ID); err != nil {
			return fmt.Errorf("update charger group %s: %w", g.ID, err)
		}
		g.CreatedAt, g.UpdatedAt = old.CreatedAt, tx.Now()
		return nil
	})
}

// DeleteChargerGroup deletes a group without live chargers (ECONFLICT
// otherwise); hosts lose their grant on it.
func (s *HierarchyService) DeleteChargerGroup(ctx context.Context, id string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		old, err := findOne(ctx, tx, a, "Charger group", groupCols, "charger_groups", "id", id, groupScope, scanGroup)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, old.Ref()) {
			return forbidden("charger group")
		}
		if err := refuseIfLiveChargers(ctx, tx, "charger_group_id", id); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM charger_groups WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete charger group %s: %w", id, err)
		}
		return rowsAffected(res, "Charger group", id)
	})
}
