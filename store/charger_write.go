package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/volt-ev/volt"
)

// CreateCharger onboards a charger into a charger group the actor may write:
// it allocates the next CPID, defaults the OCPP identity to the CPID, creates
// connectors 1..n and returns the one-time password (only its hash is kept).
func (s *ChargerService) CreateCharger(ctx context.Context, c *volt.Charger, connectors int) (*volt.ChargerCredentials, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if c.ChargerGroupID == "" {
		return nil, volt.FieldError("chargerGroupId", "Charger requires a charger group.")
	}
	if connectors == 0 {
		connectors = 1
	}
	if connectors < 1 || connectors > maxConnectors {
		return nil, volt.FieldError("connectors", "A charger has 1 to %d connectors.", maxConnectors)
	}
	if c.OCPPIdentity, err = identityField(c.OCPPIdentity); err != nil {
		return nil, err
	}
	password := newChargerPassword()
	hash, err := HashSecret(password)
	if err != nil {
		return nil, err
	}
	var creds *volt.ChargerCredentials
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		g, err := findOne(ctx, tx, a, "Charger group", groupCols, "charger_groups", "id", c.ChargerGroupID, groupScope, scanGroup)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, g.Ref()) {
			return volt.Errorf(volt.EFORBIDDEN, "You may not add chargers to this charger group.")
		}
		if c.OCPPIdentity != "" {
			if err := identityFree(ctx, tx, a, c.OCPPIdentity, ""); err != nil {
				return err
			}
		}
		cpid, err := nextCPID(ctx, tx)
		if err != nil {
			return err
		}
		if err := insertCharger(ctx, tx, c, g, cpid, hash, connectors); err != nil {
			return err
		}
		creds = &volt.ChargerCredentials{CPID: c.CPID, OCPPIdentity: c.OCPPIdentity, OCPPPassword: password}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return creds, nil
}

// identityFree refuses an OCPP identity that another live charger holds up
// to letter case (ECONFLICT on ocppIdentity, naming the one that exists).
// Identities stay case-sensitive on the wire (the websocket URL is matched
// exactly), but two that differ only in case are a typo waiting to connect
// as the wrong charger, so they are refused when created (docs/architecture/rules.md,
// "Rules that hold everywhere"). The existing charger's CPID is named only to
// an actor who reads it. except is the CPID being renamed.
func identityFree(ctx context.Context, tx *Tx, a *volt.Actor, identity, except string) error {
	var cpid, existing, cpo, owner, group string
	lower := "lower(ocpp_identity)" // the expression of ix_chargers_identity_lower
	if tx.Dialect() == Postgres {
		lower = `(lower(ocpp_identity) COLLATE "C")`
		// Two concurrent creations of near-duplicates queue on this lock
		// (released at commit), so the second sees the first; SQLite
		// writers are serialised anyway.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext(lower(?)))`, identity); err != nil {
			return fmt.Errorf("lock identity %q: %w", identity, err)
		}
	}
	err := tx.QueryRow(ctx, `SELECT cpid, ocpp_identity, cpo_id, owner_id, charger_group_id FROM chargers
		WHERE `+lower+` = lower(?) AND deleted_at IS NULL AND cpid <> ?
		ORDER BY CASE WHEN ocpp_identity = ? THEN 0 ELSE 1 END LIMIT 1`, identity, except, identity).
		Scan(&cpid, &existing, &cpo, &owner, &group)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("identity %q: %w", identity, err)
	}
	if existing == identity {
		return nil // the unique index answers an exact duplicate
	}
	msg := fmt.Sprintf("OCPP identity %q differs only in letter case from the existing identity %q", identity, existing)
	if a.Can(volt.PermRead, volt.Ref{CPOID: cpo, OwnerID: owner, ChargerGroupID: group}) {
		msg += fmt.Sprintf(" (charger %s)", cpid)
	}
	return &volt.Error{Code: volt.ECONFLICT, Field: "ocppIdentity", Message: msg + ": choose another, or correct the case."}
}

func insertCharger(ctx context.Context, tx *Tx, c *volt.Charger, g *volt.ChargerGroup, cpid, hash string, connectors int) error {
	c.CPID = cpid
	if c.OCPPIdentity == "" {
		c.OCPPIdentity = cpid
	}
	c.CPOID, c.OwnerID, c.SiteID = g.CPOID, g.OwnerID, g.SiteID
	c.PasswordHash = hash
	c.Online, c.LastSeenAt, c.BootedAt = false, nil, nil
	c.CreatedAt, c.UpdatedAt = tx.Now(), tx.Now()
	_, err := tx.Exec(ctx, `INSERT INTO chargers (cpid, ocpp_identity, hub_id, cpo_id, owner_id, site_id, charger_group_id,
		name, vendor, model, serial_number, firmware, iccid, imsi, meter_type, password_hash, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.CPID, c.OCPPIdentity, nullString(c.HubID), c.CPOID, c.OwnerID, c.SiteID, c.ChargerGroupID,
		c.Name, c.Vendor, c.Model, c.SerialNumber, c.Firmware, c.ICCID, c.IMSI, c.MeterType, hash, tx.NowMS(), tx.NowMS())
	if err != nil {
		return fmt.Errorf("create charger %s: %w", cpid, err)
	}
	c.Connectors = make([]volt.Connector, 0, connectors)
	for i := 1; i <= connectors; i++ {
		if _, err := tx.Exec(ctx, `INSERT INTO connectors (cpid, connector_id, status, status_at) VALUES (?, ?, ?, ?)`,
			cpid, i, string(volt.StatusUnknown), tx.NowMS()); err != nil {
			return fmt.Errorf("create connector %s/%d: %w", cpid, i, err)
		}
		c.Connectors = append(c.Connectors, volt.Connector{CPID: cpid, ConnectorID: i, Status: volt.StatusUnknown, StatusAt: tx.Now()})
	}
	return nil
}

// UpdateCharger changes a charger's name, OCPP identity and charger group.
// Moving to another group (which the actor must be able to write) updates the
// charger's CPO, owner and site; past sessions keep the ones they had.
func (s *ChargerService) UpdateCharger(ctx context.Context, c *volt.Charger) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	c.OCPPIdentity = strings.TrimSpace(c.OCPPIdentity)
	return s.db.WithTx(ctx, func(tx *Tx) error {
		old, err := findCharger(ctx, tx, a, "cpid", c.CPID)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, old.Ref()) {
			return forbidden("charger")
		}
		upd := *old
		upd.Name = c.Name
		if c.OCPPIdentity != "" && c.OCPPIdentity != old.OCPPIdentity {
			if old.HubID != "" { // issue 16: the sockets' identities are the hub's (store/hub.go)
				return &volt.Error{Code: volt.EUNPROCESSABLE, Field: "ocppIdentity", Message: "A hub socket's OCPP identity is its hub's; it cannot be changed on its own."}
			}
			if !validIdentity(c.OCPPIdentity) {
				return volt.FieldError("ocppIdentity", "OCPP identity must be 1 to 48 printable characters without spaces, '/', ':', '?', '#' or '%%'.")
			}
			if err := identityFree(ctx, tx, a, c.OCPPIdentity, c.CPID); err != nil {
				return err
			}
			upd.OCPPIdentity = c.OCPPIdentity
		}
		if c.ChargerGroupID != "" && c.ChargerGroupID != old.ChargerGroupID {
			g, err := findOne(ctx, tx, a, "Charger group", groupCols, "charger_groups", "id", c.ChargerGroupID, groupScope, scanGroup)
			if err != nil {
				return err
			}
			if !a.Can(volt.PermWrite, g.Ref()) {
				return volt.Errorf(volt.EFORBIDDEN, "You may not move chargers into this charger group.")
			}
			upd.ChargerGroupID, upd.SiteID, upd.OwnerID, upd.CPOID = g.ID, g.SiteID, g.OwnerID, g.CPOID
		}
		if _, err := tx.Exec(ctx, `UPDATE chargers SET name = ?, ocpp_identity = ?, cpo_id = ?, owner_id = ?, site_id = ?, charger_group_id = ?, updated_at = ?
			WHERE cpid = ? AND deleted_at IS NULL`,
			upd.Name, upd.OCPPIdentity, upd.CPOID, upd.OwnerID, upd.SiteID, upd.ChargerGroupID, tx.NowMS(), c.CPID); err != nil {
			return fmt.Errorf("update charger %s: %w", c.CPID, err)
		}
		upd.UpdatedAt = tx.Now()
		*c = upd
		return nil
	})
}

// DeleteCharger soft-deletes a charger: its CPID stays taken for ever, its
// OCPP identity becomes free, and it can no longer authenticate.
func (s *ChargerService) DeleteCharger(ctx context.Context, cpid string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		old, err := findCharger(ctx, tx, a, "cpid", cpid)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, old.Ref()) {
			return forbidden("charger")
		}
		res, err := tx.Exec(ctx, `UPDATE chargers SET deleted_at = ?, online = ?, password_hash = '', updated_at = ? WHERE cpid = ? AND deleted_at IS NULL`,
			tx.NowMS(), false, tx.NowMS(), cpid)
		if err != nil {
			return fmt.Errorf("delete charger %s: %w", cpid, err)
		}
		return rowsAffected(res, "Charger", cpid)
	})
}

// ResetChargerPassword issues a new OCPP password for a charger the actor may
// write; the old one stops working at once.
func (s *ChargerService) ResetChargerPassword(ctx context.Context, cpid string) (*volt.ChargerCredentials, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	password := newChargerPassword()
	hash, err := HashSecret(password)
	if err != nil {
		return nil, err
	}
	var creds *volt.ChargerCredentials
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		old, err := findCharger(ctx, tx, a, "cpid", cpid)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, old.Ref()) {
			return forbidden("charger")
		}
		if _, err := tx.Exec(ctx, `UPDATE chargers SET password_hash = ?, updated_at = ? WHERE cpid = ?`, hash, tx.NowMS(), cpid); err != nil {
			return fmt.Errorf("reset password of %s: %w", cpid, err)
		}
		creds = &volt.ChargerCredentials{CPID: cpid, OCPPIdentity: old.OCPPIdentity, OCPPPassword: password}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return creds, nil
}

// FindChargerModels lists the charger model catalogue (platform-wide, any
// authenticated actor).
func (s *ChargerService) FindChargerModels(ctx context.Context) ([]*volt.ChargerModel, error) {
	if _, err := actorOf(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT vendor, model, certified, relaxations, notes, updated_at FROM charger_models ORDER BY vendor, model`)
	if err != nil {
		return nil, fmt.Errorf("find charger models: %w", err)
	}
	defer rows.Close()
	models := []*volt.ChargerModel{}
	for rows.Next() {
		m := &volt.ChargerModel{}
		var relax string
		var updated int64
		if err := rows.Scan(&m.Vendor, &m.Model, &m.Certified, &relax, &m.Notes, &updated); err != nil {
			return nil, fmt.Errorf("find charger models: %w", mapError(err))
		}
		if m.Relaxations, err = decodeStringList(relax); err != nil {
			return nil, fmt.Errorf("charger model %s %s: %w", m.Vendor, m.Model, err)
		}
		m.UpdatedAt = fromMS(updated)
		models = append(models, m)
	}
	return models, mapError(rows.Err())
}

// UpsertChargerModel creates or replaces a charger model; only super admins
// certify models and switch on relaxations.
func (s *ChargerService) UpsertChargerModel(ctx context.Context, m *volt.ChargerModel) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if !a.Can(volt.PermWrite, volt.Ref{}) {
		return volt.Errorf(volt.EFORBIDDEN, "Only platform super admins may manage charger models.")
	}
	m.Vendor, m.Model = strings.TrimSpace(m.Vendor), strings.TrimSpace(m.Model)
	if m.Vendor == "" {
		return volt.FieldError("vendor", "Vendor required.")
	}
	if m.Model == "" {
		return volt.FieldError("model", "Model required.")
	}
	if m.Relaxations == nil {
		m.Relaxations = []string{}
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		m.UpdatedAt = tx.Now()
		_, err := tx.Exec(ctx, `INSERT INTO charger_models (id, vendor, model, certified, relaxations, notes, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (vendor, model) DO UPDATE SET certified = excluded.certified, relaxations = excluded.relaxations,
				notes = excluded.notes, updated_at = excluded.updated_at`,
			volt.NewID(volt.PrefixChargerModel), m.Vendor, m.Model, m.Certified, encodeStringList(m.Relaxations), m.Notes, tx.NowMS())
		if err != nil {
			return fmt.Errorf("upsert charger model %s %s: %w", m.Vendor, m.Model, err)
		}
		return nil
	})
}

// identityField trims an OCPP identity from API input and checks it; empty
// stays empty (the caller allocates one).
func identityField(id string) (string, error) {
	id = strings.TrimSpace(id)
	if id != "" && !validIdentity(id) {
		return "", volt.FieldError("ocppIdentity", "OCPP identity must be 1 to 48 printable characters without spaces, '/', ':', '?', '#' or '%%'.")
	}
	return id, nil
}
