package store

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/volt-ev/volt"
)

// LoadManagementService implements volt.LoadManagementService: sites'
// capacity models and their building-load readings (issue 15).
type LoadManagementService struct {
	db *DB
}

var _ volt.LoadManagementService = (*LoadManagementService)(nil)

// NewLoadManagementService returns the service over db.
func NewLoadManagementService(db *DB) *LoadManagementService {
	return &LoadManagementService{db: db}
}

// site reads the site the actor can read (ENOTFOUND otherwise).
func (s *LoadManagementService) site(ctx context.Context, q querier, a *volt.Actor, id string) (*volt.Site, error) {
	return findOne(ctx, q, a, "Site", siteCols, "sites", "id", id, siteScope, scanSite)
}

// FindLoadManagement returns a site's model, mode off when never set.
func (s *LoadManagementService) FindLoadManagement(ctx context.Context, siteID string) (*volt.LoadManagement, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.site(ctx, s.db, a, siteID); err != nil {
		return nil, err
	}
	return loadModel(ctx, s.db, siteID)
}

// loadModel reads a site's model without a scope check.
func loadModel(ctx context.Context, q querier, siteID string) (*volt.LoadManagement, error) {
	var model string
	var updated int64
	err := q.QueryRow(ctx, `SELECT model, updated_at FROM site_load_management WHERE site_id = ?`, siteID).Scan(&model, &updated)
	if err != nil {
		if volt.IsCode(notFound(err, "Load management", siteID), volt.ENOTFOUND) {
			return &volt.LoadManagement{SiteID: siteID, Mode: volt.LoadModeOff, Phases: 3, VoltageV: 230,
				Meter:    volt.LoadMeter{Source: volt.MeterSourceAPI, TimeoutS: 60},
				Circuits: []volt.LoadCircuit{}, EVSEs: []volt.LoadEVSE{}, Priorities: []volt.LoadPriority{}}, nil
		}
		return nil, fmt.Errorf("load management of site %s: %w", siteID, err)
	}
	m := &volt.LoadManagement{}
	if err := decodeJSON(model, m); err != nil {
		return nil, fmt.Errorf("load management of site %s: %w", siteID, err)
	}
	m.SiteID, m.UpdatedAt = siteID, fromMS(updated)
	return m, nil
}

// SetLoadManagement replaces a site's model. Every outlet (and the meter's
// charger) must be a charger of the site, every usergroup of the site's
// CPO: naming another tenant's is refused like an unknown one.
func (s *LoadManagementService) SetLoadManagement(ctx context.Context, m *volt.LoadManagement) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		st, err := s.site(ctx, tx, a, m.SiteID)
		if err != nil {
			return err
		}
		if err := canWrite(a, volt.Ref{CPOID: st.CPOID, OwnerID: st.OwnerID}); err != nil {
			return err
		}
		if m.TimeZone == "" {
			m.TimeZone = st.TimeZone // for its windows
		}
		if err := m.Validate(); err != nil {
			return err
		}
		if err := checkModelRefs(ctx, tx, st, m); err != nil {
			return err
		}
		if m.Mode == volt.LoadModeOff {
			if g, err := smartChargingInUse(ctx, tx, m.SiteID); err != nil {
				return err
			} else if g != "" {
				return volt.FieldError("mode", "Charger group %q of this site uses smart charging (off-peak hours or a random start delay), which load management applies: turn that off first, or keep load management on (static mode with the supply limit is enough).", g)
			}
		}
		m.UpdatedAt = tx.Now()
		model, err := encodeJSON(m)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO site_load_management (site_id, mode, model, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (site_id) DO UPDATE SET mode = excluded.mode, model = excluded.model, updated_at = excluded.updated_at`,
			m.SiteID, string(m.Mode), model, tx.NowMS())
		if err != nil {
			return fmt.Errorf("set load management of site %s: %w", m.SiteID, err)
		}
		return nil
	})
}

// checkModelRefs checks that the model names only the site's chargers and
// its CPO's usergroups.
func checkModelRefs(ctx context.Context, tx *Tx, st *volt.Site, m *volt.LoadManagement) error {
	ofSite := func(cpid string) (bool, error) {
		var n int
		err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM chargers WHERE cpid = ? AND site_id = ?`, cpid, st.ID).Scan(&n)
		if err != nil {
			return false, fmt.Errorf("charger %s: %w", cpid, err)
		}
		return n > 0, nil
	}
	for i, e := range m.EVSEs {
		ok, err := ofSite(e.CPID)
		if err != nil {
			return err
		}
		if !ok {
			return volt.FieldError(fmt.Sprintf("evses[%d].cpid", i), "Charger %s is not at this site.", e.CPID)
		}
	}
	if m.Meter.Source == volt.MeterSourceCharger {
		ok, err := ofSite(m.Meter.CPID)
		if err != nil {
			return err
		}
		if !ok {
			return volt.FieldError("meter.cpid", "Charger %s is not at this site.", m.Meter.CPID)
		}
	}
	for i, c := range m.Circuits {
		if c.ChargerGroupID == "" {
			continue
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM charger_groups WHERE id = ? AND site_id = ?`, c.ChargerGroupID, st.ID).Scan(&n); err != nil {
			return fmt.Errorf("charger group %s: %w", c.ChargerGroupID, err)
		}
		if n == 0 {
			return volt.FieldError(fmt.Sprintf("circuits[%d].chargerGroupId", i), "Charger group %q is not at this site.", c.ChargerGroupID)
		}
	}
	for i, p := range m.Priorities {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM usergroups WHERE id = ? AND cpo_id = ?`, p.UsergroupID, st.CPOID).Scan(&n); err != nil {
			return fmt.Errorf("usergroup %s: %w", p.UsergroupID, err)
		}
		if n == 0 {
			return volt.FieldError(fmt.Sprintf("priorities[%d].usergroupId", i), "Unknown usergroup %q.", p.UsergroupID)
		}
	}
	return nil
}

// RecordMeterReading stores a reading of a site the actor may write,
// checked against the site's phases and the clock; a resent reading (same
// time) is stored once.
func (s *LoadManagementService) RecordMeterReading(ctx context.Context, r *volt.SiteMeterReading) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		st, err := s.site(ctx, tx, a, r.SiteID)
		if err != nil {
			return err
		}
		if err := canWrite(a, volt.Ref{CPOID: st.CPOID, OwnerID: st.OwnerID}); err != nil {
			return err
		}
		m, err := loadModel(ctx, tx, r.SiteID)
		if err != nil {
			return err
		}
		if err := r.Validate(m.Phases, tx.Now()); err != nil {
			return err
		}
		if r.Source == "" {
			r.Source = volt.MeterSourceAPI
		}
		var ma [3]int64
		for i, c := range r.CurrentA {
			ma[i] = int64(math.Round(c * 1000))
		}
		_, err = tx.Exec(ctx, `INSERT INTO site_meter_readings (site_id, at, l1_ma, l2_ma, l3_ma, phases, source)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			r.SiteID, toMS(r.At), ma[0], ma[1], ma[2], len(r.CurrentA), r.Source)
		if err != nil {
			return fmt.Errorf("record meter reading of site %s: %w", r.SiteID, err)
		}
		r.At = fromMS(toMS(r.At))
		return nil
	})
}

// LatestMeterReading returns the newest reading of a site the actor can
// read, ENOTFOUND when there is none.
func (s *LoadManagementService) LatestMeterReading(ctx context.Context, siteID string) (*volt.SiteMeterReading, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.site(ctx, s.db, a, siteID); err != nil {
		return nil, err
	}
	r := &volt.SiteMeterReading{SiteID: siteID}
	var at int64
	var ma [3]int64
	var phases int
	err = s.db.QueryRow(ctx, `SELECT at, l1_ma, l2_ma, l3_ma, phases, source FROM site_meter_readings
		WHERE site_id = ? ORDER BY at DESC LIMIT 1`, siteID).Scan(&at, &ma[0], &ma[1], &ma[2], &phases, &r.Source)
	if err != nil {
		return nil, notFound(err, "Meter reading of site", siteID)
	}
	r.At = fromMS(at)
	for i := range min(max(phases, 1), 3) {
		r.CurrentA = append(r.CurrentA, float64(ma[i])/1000)
	}
	return r, nil
}

// FindLoadManagedSites lists the sites whose mode is not off; for the
// platform's own processes and super admins only.
func (s *LoadManagementService) FindLoadManagedSites(ctx context.Context) ([]string, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if !a.System && !a.SuperAdmin {
		return nil, volt.Errorf(volt.EFORBIDDEN, "Only the platform lists load-managed sites.")
	}
	rows, err := s.db.Query(ctx, `SELECT site_id FROM site_load_management WHERE mode <> ? ORDER BY site_id`, string(volt.LoadModeOff))
	if err != nil {
		return nil, fmt.Errorf("load-managed sites: %w", mapError(err))
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("load-managed sites: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// PruneMeterReadings deletes the readings older than before, for the
// platform's own processes: the loop needs only the newest.
func (s *LoadManagementService) PruneMeterReadings(ctx context.Context, before time.Time) (int64, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return 0, err
	}
	if !a.System {
		return 0, volt.Errorf(volt.EFORBIDDEN, "Only the platform prunes meter readings.")
	}
	res, err := s.db.Exec(ctx, `DELETE FROM site_meter_readings WHERE at < ?`, toMS(before))
	if err != nil {
		return 0, fmt.Errorf("prune meter readings: %w", mapError(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune meter readings: %w", err)
	}
	return n, nil
}
