package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/volt-ev/volt"
)

var _ volt.ReservationService = (*ChargingService)(nil)

// SaveReservation creates the reservation, choosing a random OCPP
// reservationId (1..2^31-1) when r.ID is 0, or replaces the one with r.ID on
// the same charger (OCPP 1.6 §5.13: a ReserveNow with a known id replaces).
func (s *ChargingService) SaveReservation(ctx context.Context, r *volt.Reservation) error {
	if r.CPID == "" || r.IDTag == "" || r.ExpiresAt.IsZero() {
		return volt.Errorf(volt.EINVALID, "A reservation needs a charger, an idTag and an expiry.")
	}
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		if _, err := lockCharger(ctx, tx, r.CPID); err != nil {
			return err
		}
		r.IDTag = volt.NormalizeIDTag(r.IDTag)
		r.Status, r.UpdatedAt = volt.ReservationActive, tx.Now()
		if r.ID != 0 {
			res, err := tx.Exec(ctx, `UPDATE reservations SET connector_id = ?, id_tag = ?, parent_id_tag = ?, user_id = ?,
				expires_at = ?, status = ?, updated_at = ? WHERE id = ? AND cpid = ?`,
				r.ConnectorID, r.IDTag, r.ParentIDTag, r.UserID, toMS(r.ExpiresAt), string(r.Status), toMS(r.UpdatedAt), r.ID, r.CPID)
			if err != nil {
				return fmt.Errorf("update reservation %d: %w", r.ID, err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				return nil
			}
		}
		r.CreatedAt = tx.Now()
		for range maxTxIDAttempts {
			if r.ID == 0 {
				r.ID = randomTransactionID()
			}
			res, err := tx.Exec(ctx, `INSERT INTO reservations (id, cpid, connector_id, id_tag, parent_id_tag, user_id,
				expires_at, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				r.ID, r.CPID, r.ConnectorID, r.IDTag, r.ParentIDTag, r.UserID, toMS(r.ExpiresAt), string(r.Status),
				toMS(r.CreatedAt), toMS(r.UpdatedAt))
			if err != nil {
				return fmt.Errorf("insert reservation: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				return nil
			}
			r.ID = 0 // taken (by another charger's reservation): draw again
		}
		return fmt.Errorf("no free reservation id after %d attempts", maxTxIDAttempts)
	})
	if err != nil {
		return fmt.Errorf("save reservation on %s: %w", r.CPID, err)
	}
	return nil
}

// CancelReservation marks the charger's reservation cancelled; ENOTFOUND if
// it has no such reservation.
func (s *ChargingService) CancelReservation(ctx context.Context, cpid string, id int64) error {
	res, err := s.db.Exec(ctx, `UPDATE reservations SET status = ?, updated_at = ? WHERE id = ? AND cpid = ?`,
		string(volt.ReservationCancelled), toMS(s.db.Now()), id, cpid)
	if err != nil {
		return fmt.Errorf("cancel reservation %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return volt.Errorf(volt.ENOTFOUND, "Reservation %d not found on charger %s.", id, cpid)
	}
	return nil
}

// FindReservations lists the charger's reservations, soonest expiry first,
// for an actor who may read the charger. An active reservation whose expiry
// has passed reads as expired.
func (s *ChargingService) FindReservations(ctx context.Context, cpid string, activeOnly bool) ([]*volt.Reservation, error) {
	if err := s.canReadCharger(ctx, cpid); err != nil {
		return nil, err
	}
	now := s.db.Now()
	q := `SELECT id, cpid, connector_id, id_tag, parent_id_tag, user_id, expires_at, status, created_at, updated_at
		FROM reservations WHERE cpid = ?`
	args := []any{cpid}
	if activeOnly {
		q += ` AND status = ? AND expires_at > ?`
		args = append(args, string(volt.ReservationActive), toMS(now))
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY expires_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("find reservations of %s: %w", cpid, err)
	}
	defer rows.Close()
	out := []*volt.Reservation{}
	for rows.Next() {
		var r volt.Reservation
		var exp, created, updated int64
		var status string
		if err := rows.Scan(&r.ID, &r.CPID, &r.ConnectorID, &r.IDTag, &r.ParentIDTag, &r.UserID, &exp, &status, &created, &updated); err != nil {
			return nil, fmt.Errorf("find reservations of %s: %w", cpid, mapError(err))
		}
		r.ExpiresAt, r.CreatedAt, r.UpdatedAt, r.Status = fromMS(exp), fromMS(created), fromMS(updated), volt.ReservationStatus(status)
		if r.Status == volt.ReservationActive && !now.Before(r.ExpiresAt) {
			r.Status = volt.ReservationExpired
		}
		out = append(out, &r)
	}
	return out, mapError(rows.Err())
}

// useReservation marks the reservation a StartTransaction names as used.
func useReservation(ctx context.Context, tx *Tx, r volt.StartRequest, idTag string) error {
	if r.ReservationID == nil {
		return nil
	}
	_, err := tx.Exec(ctx, `UPDATE reservations SET status = ?, updated_at = ? WHERE id = ? AND cpid = ? AND status = ?`,
		string(volt.ReservationUsed), tx.NowMS(), *r.ReservationID, r.CPID, string(volt.ReservationActive))
	if err != nil {
		return fmt.Errorf("use reservation %d: %w", *r.ReservationID, err)
	}
	return nil
}

// SaveLocalList records a local authorisation list sent to the charger: a
// full list replaces the stored one; a differential one adds, replaces, or
// (entries without a status) removes idTags. The version is stored with it.
func (s *ChargingService) SaveLocalList(ctx context.Context, cpid string, version int, entries []volt.LocalListEntry, full bool) error {
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		if _, err := lockCharger(ctx, tx, cpid); err != nil {
			return err
		}
		if full {
			if _, err := tx.Exec(ctx, `DELETE FROM local_auth_list WHERE cpid = ?`, cpid); err != nil {
				return fmt.Errorf("clear local list: %w", err)
			}
		}
		for _, e := range entries {
			if err := saveLocalEntry(ctx, tx, cpid, e); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO local_auth_list_versions (cpid, version, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (cpid) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at`,
			cpid, version, tx.NowMS())
		if err != nil {
			return fmt.Errorf("local list version: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save local list of %s: %w", cpid, err)
	}
	return nil
}

func saveLocalEntry(ctx context.Context, tx *Tx, cpid string, e volt.LocalListEntry) error {
	tag := volt.NormalizeIDTag(e.IDTag)
	if e.Status == "" {
		if _, err := tx.Exec(ctx, `DELETE FROM local_auth_list WHERE cpid = ? AND id_tag = ?`, cpid, tag); err != nil {
			return fmt.Errorf("remove %s from local list: %w", tag, err)
		}
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO local_auth_list (cpid, id_tag, status, expires_at, parent_id_tag) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (cpid, id_tag) DO UPDATE SET status = excluded.status, expires_at = excluded.expires_at,
		parent_id_tag = excluded.parent_id_tag`, cpid, tag, string(e.Status), toNullMS(e.ExpiresAt), e.ParentIDTag)
	if err != nil {
		return fmt.Errorf("save %s in local list: %w", tag, err)
	}
	return nil
}

// LocalListVersion returns the version of the charger's local list, 0 when
// none was sent.
func (s *ChargingService) LocalListVersion(ctx context.Context, cpid string) (int, error) {
	var v int
	err := s.db.QueryRow(ctx, `SELECT version FROM local_auth_list_versions WHERE cpid = ?`, cpid).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("local list version of %s: %w", cpid, err)
	}
	return v, nil
}

// FindLocalList returns the charger's local list as stored, for an actor
// who may read the charger.
func (s *ChargingService) FindLocalList(ctx context.Context, cpid string) ([]volt.LocalListEntry, error) {
	if err := s.canReadCharger(ctx, cpid); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id_tag, status, expires_at, parent_id_tag FROM local_auth_list WHERE cpid = ? ORDER BY id_tag`, cpid)
	if err != nil {
		return nil, fmt.Errorf("local list of %s: %w", cpid, err)
	}
	defer rows.Close()
	out := []volt.LocalListEntry{}
	for rows.Next() {
		var e volt.LocalListEntry
		var status string
		var exp sql.NullInt64
		if err := rows.Scan(&e.IDTag, &status, &exp, &e.ParentIDTag); err != nil {
			return nil, fmt.Errorf("local list of %s: %w", cpid, mapError(err))
		}
		e.Status, e.ExpiresAt = volt.AuthStatus(status), fromNullMS(exp)
		out = append(out, e)
	}
	return out, mapError(rows.Err())
}
