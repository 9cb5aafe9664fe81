package store

import (
	"context"
	"fmt"

	"github.com/volt-ev/volt"
)

// OCPIEstate reads what the OCPI Locations mapping needs of a CPO, as the
// system, in one query per table: its sites, charger groups, live
// chargers with their connectors, and the tariff assigned to the Public
// usergroup of each group (group id → tariff id). A charger carries only
// its CPID, CPO, site, group, online flag and update time; a connector
// its id, type, power type, format, limits, status and status time. It is made for a CPO
// of 10,000 chargers (issue 14): paging through the services counted and
// skipped rows page after page and read the public tariff group by group.
func (s *OCPIService) OCPIEstate(ctx context.Context, cpoID string) ([]*volt.Site, []*volt.ChargerGroup, []*volt.Charger, map[string]string, error) {
	sites, err := queryAll(ctx, s.db, `SELECT `+siteCols+` FROM sites WHERE cpo_id = ? ORDER BY name, id`, cpoID, scanSite)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("sites of %s: %w", cpoID, err)
	}
	groups, err := queryAll(ctx, s.db, `SELECT `+groupCols+` FROM charger_groups WHERE cpo_id = ? ORDER BY name, id`, cpoID, scanGroup)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("charger groups of %s: %w", cpoID, err)
	}
	chargers, err := queryAll(ctx, s.db, `SELECT `+estateChargerCols+` FROM chargers c WHERE c.cpo_id = ? AND c.deleted_at IS NULL ORDER BY c.cpid`, cpoID, scanEstateCharger)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("chargers of %s: %w", cpoID, err)
	}
	by := make(map[string]*volt.Charger, len(chargers))
	for _, c := range chargers {
		by[c.CPID] = c
	}
	conns, err := queryAll(ctx, s.db, `SELECT `+estateConnectorCols+` FROM connectors
		WHERE cpid IN (SELECT cpid FROM chargers WHERE cpo_id = ? AND deleted_at IS NULL) ORDER BY cpid, connector_id`, cpoID, scanEstateConnector)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("connectors of %s: %w", cpoID, err)
	}
	for _, k := range conns {
		if c := by[k.CPID]; c != nil {
			c.Connectors = append(c.Connectors, *k)
		}
	}
	rows, err := s.db.Query(ctx, `SELECT charger_group_id, tariff_id FROM tariff_assignments
		WHERE usergroup_id = ? AND charger_group_id IN (SELECT id FROM charger_groups WHERE cpo_id = ?)`, volt.PublicUsergroupID, cpoID)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("public tariffs of %s: %w", cpoID, err)
	}
	defer rows.Close()
	tariffs := map[string]string{}
	for rows.Next() {
		var g, t string
		if err := rows.Scan(&g, &t); err != nil {
			return nil, nil, nil, nil, fmt.Errorf("public tariffs of %s: %w", cpoID, mapError(err))
		}
		tariffs[g] = t
	}
	if err := rows.Err(); err != nil {
		return nil, nil, nil, nil, fmt.Errorf("public tariffs of %s: %w", cpoID, mapError(err))
	}
	return sites, groups, chargers, tariffs, nil
}

const estateChargerCols = `c.cpid, c.cpo_id, c.site_id, c.charger_group_id, c.online, c.updated_at`

func scanEstateCharger(s rowScanner) (*volt.Charger, error) {
	c := &volt.Charger{}
	var updated int64
	if err := s.Scan(&c.CPID, &c.CPOID, &c.SiteID, &c.ChargerGroupID, &c.Online, &updated); err != nil {
		return nil, err
	}
	c.UpdatedAt = fromMS(updated)
	return c, nil
}

const estateConnectorCols = `cpid, connector_id, type, power_type, format, max_power_w, max_current_a, max_voltage_v, status, status_at`

func scanEstateConnector(s rowScanner) (*volt.Connector, error) {
	var k volt.Connector
	var typ, power, format, status string
	var at int64
	if err := s.Scan(&k.CPID, &k.ConnectorID, &typ, &power, &format, &k.MaxPowerW, &k.MaxCurrentA, &k.MaxVoltageV, &status, &at); err != nil {
		return nil, err
	}
	k.Type, k.PowerType, k.Format = volt.ConnectorType(typ), volt.PowerType(power), volt.ConnectorFormat(format)
	k.Status, k.StatusAt = volt.ConnectorStatus(status), fromMS(at)
	return &k, nil
}

// queryAll runs a read with one argument and scans every row.
func queryAll[T any](ctx context.Context, db *DB, query string, arg any, scan func(rowScanner) (*T, error)) ([]*T, error) {
	rows, err := db.Query(ctx, query, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, mapError(err)
		}
		out = append(out, v)
	}
	return out, mapError(rows.Err())
}
