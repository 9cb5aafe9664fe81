package store

import (
	"context"
	"fmt"

	"github.com/volt-ev/volt"
)

// SmartChargingService implements volt.SmartChargingService: charger
// groups' off-peak and randomised-delay settings and drivers' "charge now"
// overrides (issue 15 item 6).
type SmartChargingService struct {
	db       *DB
	sessions *ChargingService
}

var _ volt.SmartChargingService = (*SmartChargingService)(nil)

// NewSmartChargingService returns the service over db.
func NewSmartChargingService(db *DB) *SmartChargingService {
	return &SmartChargingService{db: db, sessions: NewChargingService(db)}
}

// FindSmartCharging returns a group's setting, all off when never set.
func (s *SmartChargingService) FindSmartCharging(ctx context.Context, groupID string) (*volt.SmartCharging, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	g, err := findOne(ctx, s.db, a, "Charger group", groupCols, "charger_groups", "id", groupID, groupScope, scanGroup)
	if err != nil {
		return nil, err
	}
	var settings string
	var updated int64
	err = s.db.QueryRow(ctx, `SELECT settings, updated_at FROM charger_group_smart_charging WHERE charger_group_id = ?`, g.ID).Scan(&settings, &updated)
	if err != nil {
		if volt.IsCode(notFound(err, "Smart charging", g.ID), volt.ENOTFOUND) {
			tz := "UTC"
			_ = s.db.QueryRow(ctx, `SELECT time_zone FROM sites WHERE id = ?`, g.SiteID).Scan(&tz)
			return &volt.SmartCharging{ChargerGroupID: g.ID, PeakWindows: []volt.LoadWindow{}, TimeZone: tz}, nil
		}
		return nil, fmt.Errorf("smart charging of group %s: %w", g.ID, err)
	}
	sc := &volt.SmartCharging{}
	if err := decodeJSON(settings, sc); err != nil {
		return nil, fmt.Errorf("smart charging of group %s: %w", g.ID, err)
	}
	sc.ChargerGroupID, sc.UpdatedAt = g.ID, fromMS(updated)
	return sc, nil
}

// SetSmartCharging replaces a group's setting; its time zone defaults to
// the site's. Turning a hold on needs the site's load management on.
func (s *SmartChargingService) SetSmartCharging(ctx context.Context, sc *volt.SmartCharging) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		g, err := findOne(ctx, tx, a, "Charger group", groupCols, "charger_groups", "id", sc.ChargerGroupID, groupScope, scanGroup)
		if err != nil {
			return err
		}
		if err := canWrite(a, g.Ref()); err != nil {
			return err
		}
		if sc.TimeZone == "" {
			if err := tx.QueryRow(ctx, `SELECT time_zone FROM sites WHERE id = ?`, g.SiteID).Scan(&sc.TimeZone); err != nil {
				return fmt.Errorf("time zone of site %s: %w", g.SiteID, err)
			}
		}
		if err := sc.Validate(); err != nil {
			return err
		}
		if sc.OffPeakDefault || sc.RandomDelayMaxS > 0 {
			// The load management loop applies the holds: without it
			// the setting would do nothing, so it is refused.
			var mode string
			err := tx.QueryRow(ctx, `SELECT mode FROM site_load_management WHERE site_id = ?`, g.SiteID).Scan(&mode)
			if err != nil && !volt.IsCode(notFound(err, "Load management", g.SiteID), volt.ENOTFOUND) {
				return fmt.Errorf("load management of site %s: %w", g.SiteID, err)
			}
			if mode == "" || mode == string(volt.LoadModeOff) {
				return volt.Errorf(volt.EUNPROCESSABLE, "Smart charging is applied by load management: turn it on for this group's site first (static mode with the supply limit is enough).")
			}
		}
		sc.UpdatedAt = tx.Now()
		settings, err := encodeJSON(sc)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO charger_group_smart_charging (charger_group_id, site_id, settings, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (charger_group_id) DO UPDATE SET site_id = excluded.site_id, settings = excluded.settings, updated_at = excluded.updated_at`,
			g.ID, g.SiteID, settings, tx.NowMS())
		if err != nil {
			return fmt.Errorf("set smart charging of group %s: %w", g.ID, err)
		}
		return nil
	})
}

// ChargeNow lifts the hold of an active session. Its own driver may, and
// an admin of its charger; anyone else who can see it is refused, and a
// session the actor cannot see is not found.
func (s *SmartChargingService) ChargeNow(ctx context.Context, sessionID string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	x, err := s.sessions.FindSessionByID(ctx, sessionID)
	if err != nil {
		return err
	}
	if x.UserID == "" || x.UserID != a.UserID {
		if err := canWrite(a, x.Ref()); err != nil {
			return err
		}
	}
	if x.Status != volt.SessionActive {
		return volt.Errorf(volt.EUNPROCESSABLE, "Session %s has ended.", x.ID)
	}
	_, err = s.db.Exec(ctx, `INSERT INTO session_charge_now (session_id, user_id, at) VALUES (?, ?, ?)
		ON CONFLICT (session_id) DO NOTHING`, x.ID, a.UserID, toMS(s.db.Now()))
	if err != nil {
		return fmt.Errorf("charge now for session %s: %w", x.ID, err)
	}
	return nil
}

// SmartChargingOfSite returns the settings of a site's groups by group id.
// It is the system's view: only the system actor may call it.
func (s *SmartChargingService) SmartChargingOfSite(ctx context.Context, siteID string) (map[string]*volt.SmartCharging, error) {
	if a := volt.ActorFromContext(ctx); a == nil || !a.System {
		return nil, volt.Errorf(volt.EFORBIDDEN, "Only the system reads every group's smart charging.")
	}
	rows, err := s.db.Query(ctx, `SELECT charger_group_id, settings FROM charger_group_smart_charging WHERE site_id = ?`, siteID)
	if err != nil {
		return nil, fmt.Errorf("smart charging of site %s: %w", siteID, err)
	}
	defer rows.Close()
	out := map[string]*volt.SmartCharging{}
	for rows.Next() {
		var id, settings string
		if err := rows.Scan(&id, &settings); err != nil {
			return nil, fmt.Errorf("smart charging of site %s: %w", siteID, err)
		}
		sc := &volt.SmartCharging{}
		if err := decodeJSON(settings, sc); err != nil {
			return nil, fmt.Errorf("smart charging of group %s: %w", id, err)
		}
		sc.ChargerGroupID = id
		out[id] = sc
	}
	return out, rows.Err()
}

// ChargeNowOf reports which of the sessions were overridden (system only).
func (s *SmartChargingService) ChargeNowOf(ctx context.Context, sessionIDs []string) (map[string]bool, error) {
	if a := volt.ActorFromContext(ctx); a == nil || !a.System {
		return nil, volt.Errorf(volt.EFORBIDDEN, "Only the system reads every session's override.")
	}
	out := map[string]bool{}
	for len(sessionIDs) > 0 {
		n := min(len(sessionIDs), 500)
		args := make([]any, n)
		for i, id := range sessionIDs[:n] {
			args[i] = id
		}
		sessionIDs = sessionIDs[n:]
		rows, err := s.db.Query(ctx, `SELECT session_id FROM session_charge_now WHERE session_id IN (`+inList(n)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("charge-now overrides: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("charge-now overrides: %w", err)
			}
			out[id] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("charge-now overrides: %w", err)
		}
	}
	return out, nil
}
