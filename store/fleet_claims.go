package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/volt-ev/volt"
)

const rclaimCols = `id, cpo_id, owner_id, fleet_id, user_id, vehicle_id, agreement_id, cpid, month, state, rate, currency, paid_wh, amount, created_at, approved_at,
	payout_method, payout_reference, paid_at`

func scanRClaim(s rowScanner) (*volt.ReimbursementClaim, error) {
	c := &volt.ReimbursementClaim{}
	var rate string
	var created int64
	var approved, paid sql.NullInt64
	err := s.Scan(&c.ID, &c.CPOID, &c.OwnerID, &c.FleetID, &c.UserID, &c.VehicleID, &c.AgreementID, &c.CPID, &c.Month, &c.State,
		&rate, &c.Currency, &c.PaidWh, &c.Amount, &created, &approved, &c.PayoutMethod, &c.PaymentReference, &paid)
	if err != nil {
		return nil, err
	}
	if c.Rate, err = volt.ParseDecimal(rate); err != nil {
		return nil, fmt.Errorf("claim %s rate: %w", c.ID, err)
	}
	c.CreatedAt = fromMS(created)
	if approved.Valid {
		t := fromMS(approved.Int64)
		c.ApprovedAt = &t
	}
	if paid.Valid {
		t := fromMS(paid.Int64)
		c.PaidAt = &t
	}
	return c, nil
}

func claimSessions(ctx context.Context, q querier, claimID string) ([]*volt.ClaimSession, error) {
	rows, err := q.Query(ctx, `SELECT cdr_id, started_at, stopped_at, energy_wh, state, reason, gained_wh, decided_by
		FROM reimbursement_claim_sessions WHERE claim_id = ? ORDER BY started_at, cdr_id`, claimID)
	if err != nil {
		return nil, fmt.Errorf("claim %s sessions: %w", claimID, err)
	}
	defer rows.Close()
	out := []*volt.ClaimSession{}
	for rows.Next() {
		cs := &volt.ClaimSession{}
		var start, stop int64
		if err := rows.Scan(&cs.CDRID, &start, &stop, &cs.EnergyWh, &cs.State, &cs.Reason, &cs.GainedWh, &cs.DecidedBy); err != nil {
			return nil, fmt.Errorf("claim %s sessions: %w", claimID, err)
		}
		cs.StartedAt, cs.StoppedAt = fromMS(start), fromMS(stop)
		out = append(out, cs)
	}
	return out, rows.Err()
}

// homeCDR is a driver's session on the home charger.
type homeCDR struct {
	id          string
	start, stop time.Time
	wh          int64
}

// BuildClaims is the monthly job (the platform only). For each agreement
// whose driver has a company vehicle of the owner, the claim of month lists
// the driver's sessions on the home charger: each checked against the
// vehicle's telematics (polled from its provider and stored), matched or
// flagged; pending when the provider did not answer, re-checked on the next
// run. Sessions already decided are never re-checked. It returns how many
// claims are new.
func (s *FleetService) BuildClaims(ctx context.Context, month time.Time) (int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return 0, err
	}
	if !a.SuperAdmin {
		return 0, volt.Errorf(volt.EFORBIDDEN, "Only the platform builds reimbursement claims.")
	}
	ags, err := NewReimbursementService(s.db).allAgreements(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, ag := range ags {
		created, err := s.buildClaim(ctx, ag, month)
		if err != nil {
			errs = append(errs, fmt.Errorf("claim of agreement %s: %w", ag.ID, err))
		} else if created {
			n++
		}
	}
	return n, errors.Join(errs...)
}

func (s *FleetService) buildClaim(ctx context.Context, ag *volt.ReimbursementAgreement, month time.Time) (bool, error) {
	key, start, end := feePeriod(volt.FeeMonthly, month)
	v, err := scanVehicle(s.db.QueryRow(ctx, `SELECT `+vehicleCols+` FROM vehicles WHERE owner_id = ? AND driver_id = ? AND deleted_at IS NULL
		ORDER BY created_at LIMIT 1`, ag.OwnerID, ag.UserID))
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // no company vehicle: the wallet statement job only
	} else if err != nil {
		return false, fmt.Errorf("company vehicle: %w", err)
	}
	var lat, lon float64
	if err := s.db.QueryRow(ctx, `SELECT s.latitude, s.longitude FROM chargers c JOIN sites s ON s.id = c.site_id WHERE c.cpid = ?`, ag.CPID).
		Scan(&lat, &lon); err != nil {
		return false, fmt.Errorf("home charger %s location: %w", ag.CPID, err)
	}
	rows, err := s.db.Query(ctx, `SELECT id, started_at, stopped_at, energy_wh FROM cdrs WHERE cpid = ? AND user_id = ? AND credits_cdr_id = ''
		AND stopped_at >= ? AND stopped_at < ? ORDER BY started_at, id`, ag.CPID, ag.UserID, toMS(start), toMS(end))
	if err != nil {
		return false, fmt.Errorf("home sessions: %w", err)
	}
	var cdrs []homeCDR
	for rows.Next() {
		var c homeCDR
		var a, b int64
		if err := rows.Scan(&c.id, &a, &b, &c.wh); err != nil {
			rows.Close()
			return false, fmt.Errorf("home sessions: %w", err)
		}
		c.start, c.stop = fromMS(a), fromMS(b)
		cdrs = append(cdrs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("home sessions: %w", err)
	}
	// Poll the provider outside the transaction (a slow provider must not
	// hold it); a failure leaves the session pending.
	polled := map[string]error{}
	prov := s.providers[v.Provider]
	for _, c := range cdrs {
		if prov == nil {
			polled[c.id] = fmt.Errorf("no telematics provider %q", v.Provider)
			continue
		}
		rs, err := prov.Readings(ctx, v.ProviderVehicleID, c.start.Add(-s.Tolerance.Slack), c.stop.Add(s.Tolerance.Slack))
		if err == nil {
			err = s.db.WithTx(ctx, func(tx *Tx) error { _, err := storeReadings(ctx, tx, v.ID, rs); return err })
		}
		polled[c.id] = err
	}
	created := false
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		c, err := scanRClaim(tx.QueryRow(ctx, `SELECT `+rclaimCols+` FROM reimbursement_claims WHERE agreement_id = ? AND month = ?`, ag.ID, key))
		if errors.Is(err, sql.ErrNoRows) {
			c = &volt.ReimbursementClaim{ID: volt.NewID("rcl"), CPOID: ag.CPOID, OwnerID: ag.OwnerID, FleetID: v.FleetID, UserID: ag.UserID,
				VehicleID: v.ID, AgreementID: ag.ID, CPID: ag.CPID, Month: key, State: volt.ClaimOpen, Rate: ag.Rate, Currency: ag.Currency}
			_, err = tx.Exec(ctx, `INSERT INTO reimbursement_claims (`+rclaimCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, NULL, '', '', NULL)`,
				c.ID, c.CPOID, c.OwnerID, c.FleetID, c.UserID, c.VehicleID, c.AgreementID, c.CPID, c.Month, c.State, c.Rate.String(), c.Currency, tx.NowMS())
			created = true
		}
		if err != nil {
			return fmt.Errorf("claim: %w", err)
		}
		if c.State != volt.ClaimOpen {
			return nil
		}
		for _, h := range cdrs {
			var state string
			err := tx.QueryRow(ctx, `SELECT state FROM reimbursement_claim_sessions WHERE claim_id = ? AND cdr_id = ?`, c.ID, h.id).Scan(&state)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("claim session: %w", err)
			}
			if err == nil && state != volt.ClaimPending {
				continue
			}
			m := volt.HomeMatch{State: volt.ClaimPending, Reason: "The telematics provider did not answer; the session waits for it."}
			if errors.Is(polled[h.id], volt.ErrTelematicsNotAuthorized) {
				m.Reason = "The company vehicle is not authorised at its telematics provider; the session waits for the driver's consent."
			}
			if polled[h.id] == nil {
				rs, err := readingsBetween(ctx, tx, v.ID, h.start.Add(-s.Tolerance.Slack), h.stop.Add(s.Tolerance.Slack))
				if err != nil {
					return err
				}
				m = volt.MatchHomeSession(h.start, h.stop, h.wh, lat, lon, v.BatteryWh, rs, s.Tolerance)
			}
			_, err = tx.Exec(ctx, `DELETE FROM reimbursement_claim_sessions WHERE claim_id = ? AND cdr_id = ?`, c.ID, h.id)
			if err == nil {
				_, err = tx.Exec(ctx, `INSERT INTO reimbursement_claim_sessions (claim_id, cdr_id, started_at, stopped_at, energy_wh, state, reason, gained_wh)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, h.id, toMS(h.start), toMS(h.stop), h.wh, m.State, m.Reason, m.GainedWh)
			}
			if err != nil {
				return fmt.Errorf("claim session %s: %w", h.id, err)
			}
		}
		return updateClaimAmount(ctx, tx, c)
	})
	return created, err
}

// updateClaimAmount sets a claim's paid energy and amount from its
// matched and approved sessions.
func updateClaimAmount(ctx context.Context, tx *Tx, c *volt.ReimbursementClaim) error {
	var wh int64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(energy_wh), 0) FROM reimbursement_claim_sessions WHERE claim_id = ? AND state IN (?, ?)`,
		c.ID, volt.ClaimMatched, volt.ClaimApproved).Scan(&wh); err != nil {
		return fmt.Errorf("claim %s energy: %w", c.ID, err)
	}
	amount, err := volt.ReimbursementAmount(wh, c.Rate, volt.CurrencyExponent(c.Currency))
	if err != nil {
		return err
	}
	c.PaidWh, c.Amount = wh, amount
	_, err = tx.Exec(ctx, `UPDATE reimbursement_claims SET paid_wh = ?, amount = ? WHERE id = ?`, wh, amount, c.ID)
	return err
}

// FindClaims lists the claims in the actor's scope (owners, managed
// fleets, their own), newest month first, without their sessions.
func (s *FleetService) FindClaims(ctx context.Context, f volt.FleetFilter) ([]*volt.ReimbursementClaim, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w, err := fleetWhere(a, "user_id", f)
	if err != nil {
		return nil, 0, err
	}
	w.eq("month", f.Month)
	return list(ctx, s.db, listQuery{cols: rclaimCols, from: "reimbursement_claims", where: w, order: "month DESC, id DESC", page: f.Page}, scanRClaim)
}

// FindClaimByID returns a readable claim with its sessions.
func (s *FleetService) FindClaimByID(ctx context.Context, id string) (*volt.ReimbursementClaim, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	c, err := scanRClaim(s.db.QueryRow(ctx, `SELECT `+rclaimCols+` FROM reimbursement_claims WHERE id = ?`, id))
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("find claim %s: %w", id, err)
	}
	if err != nil || !canReadFleet(a, c.CPOID, c.OwnerID, c.FleetID, c.UserID) {
		return nil, volt.Errorf(volt.ENOTFOUND, "Reimbursement claim %q not found.", id)
	}
	if c.Sessions, err = claimSessions(ctx, s.db, id); err != nil {
		return nil, err
	}
	return c, nil
}

// manageClaim loads an open claim the actor manages (owner admin or fleet
// manager; not the claiming driver themself) inside tx.
func manageClaim(ctx context.Context, tx *Tx, a *volt.Actor, id string) (*volt.ReimbursementClaim, error) {
	c, err := scanRClaim(tx.QueryRow(ctx, `SELECT `+rclaimCols+` FROM reimbursement_claims WHERE id = ?`, id))
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("find claim %s: %w", id, err)
	}
	if err != nil || !canReadFleet(a, c.CPOID, c.OwnerID, c.FleetID, c.UserID) {
		return nil, volt.Errorf(volt.ENOTFOUND, "Reimbursement claim %q not found.", id)
	}
	if !canManageFleet(a, c.CPOID, c.OwnerID, c.FleetID) || (a.UserID == c.UserID && !a.SuperAdmin) {
		return nil, forbidden("fleet's claims")
	}
	if c.State != volt.ClaimOpen {
		return nil, volt.Errorf(volt.EUNPROCESSABLE, "Claim %s is already %s.", id, c.State)
	}
	return c, nil
}

// DecideClaimSession approves or rejects a flagged session of an open
// claim (the fleet's manager or the owner's admin).
func (s *FleetService) DecideClaimSession(ctx context.Context, claimID, cdrID string, approve bool) (*volt.ReimbursementClaim, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		c, err := manageClaim(ctx, tx, a, claimID)
		if err != nil {
			return err
		}
		var state string
		if err := tx.QueryRow(ctx, `SELECT state FROM reimbursement_claim_sessions WHERE claim_id = ? AND cdr_id = ?`, claimID, cdrID).Scan(&state); err != nil {
			return notFound(err, "Claim session", cdrID)
		}
		if state != volt.ClaimFlagged {
			return volt.Errorf(volt.EUNPROCESSABLE, "Only a flagged session is decided; session %s is %s.", cdrID, state)
		}
		to := volt.ClaimRejected
		if approve {
			to = volt.ClaimApproved
		}
		if _, err := tx.Exec(ctx, `UPDATE reimbursement_claim_sessions SET state = ?, decided_by = ? WHERE claim_id = ? AND cdr_id = ?`,
			to, a.UserID, claimID, cdrID); err != nil {
			return fmt.Errorf("decide session: %w", err)
		}
		return updateClaimAmount(ctx, tx, c)
	})
	if err != nil {
		return nil, err
	}
	return s.FindClaimByID(ctx, claimID)
}

// ApproveClaim approves an open claim once none of its sessions is flagged
// or pending: its amount is fixed from then on (PayClaim pays it).
func (s *FleetService) ApproveClaim(ctx context.Context, claimID string) (*volt.ReimbursementClaim, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		c, err := manageClaim(ctx, tx, a, claimID)
		if err != nil {
			return err
		}
		var open int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM reimbursement_claim_sessions WHERE claim_id = ? AND state IN (?, ?)`,
			claimID, volt.ClaimFlagged, volt.ClaimPending).Scan(&open); err != nil {
			return fmt.Errorf("claim sessions: %w", err)
		}
		if open > 0 {
			return volt.Errorf(volt.EUNPROCESSABLE, "Claim %s has %d flagged or pending sessions: decide them first.", claimID, open)
		}
		if err := updateClaimAmount(ctx, tx, c); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE reimbursement_claims SET state = ?, approved_at = ? WHERE id = ? AND state = ?`,
			volt.ClaimIsApproved, tx.NowMS(), claimID, volt.ClaimOpen)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.FindClaimByID(ctx, claimID)
}
