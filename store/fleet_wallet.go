package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/volt-ev/volt"
)

// Issue 19: the fleet wallet (volt.FleetBillingService on FleetService),
// and the money side's questions about it: who pays a driver's session
// (fleetPayerOf), the start refused at the driver's monthly limit, the
// session billed to the fleet at its CDR.

var _ volt.FleetBillingService = (*FleetService)(nil)

// fleetRow is a fleet as the wallet needs it.
type fleetRow struct {
	ID, Name, CPOID, OwnerID, Currency string
	Enabled                            bool
}

func scanFleetRow(s rowScanner) (*fleetRow, error) {
	f := &fleetRow{}
	var owner sql.NullString
	var enabled sql.NullBool
	if err := s.Scan(&f.ID, &f.Name, &f.CPOID, &owner, &f.Currency, &enabled); err != nil {
		return nil, err
	}
	f.OwnerID, f.Enabled = owner.String, enabled.Valid && enabled.Bool
	return f, nil
}

const fleetRowSQL = `SELECT g.id, g.name, g.cpo_id, g.owner_id, c.currency, w.enabled FROM usergroups g
	JOIN cpos c ON c.id = g.cpo_id LEFT JOIN fleet_wallets w ON w.fleet_id = g.id WHERE g.role = 'fleet_manager' AND g.owner_id IS NOT NULL`

// readFleet returns a fleet the actor reads (the owner's readers and the
// fleet's managers); otherwise ENOTFOUND.
func readFleet(ctx context.Context, q querier, a *volt.Actor, fleetID string) (*fleetRow, error) {
	f, err := scanFleetRow(q.QueryRow(ctx, fleetRowSQL+` AND g.id = ?`, fleetID))
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("find fleet %s: %w", fleetID, err)
	}
	if err != nil || !canReadFleet(a, f.CPOID, f.OwnerID, f.ID, "") {
		return nil, volt.Errorf(volt.ENOTFOUND, "Fleet %q not found.", fleetID)
	}
	return f, nil
}

func (s *FleetService) walletOf(ctx context.Context, q querier, f *fleetRow) (*volt.FleetWallet, error) {
	sum, err := accountSum(ctx, q, volt.AccountFleet(f.ID), f.Currency)
	if err != nil {
		return nil, err
	}
	return &volt.FleetWallet{FleetID: f.ID, Name: f.Name, CPOID: f.CPOID, OwnerID: f.OwnerID, Enabled: f.Enabled, Currency: f.Currency, Owed: sum}, nil
}

// FindFleets lists the fleets the actor reads, by name.
func (s *FleetService) FindFleets(ctx context.Context) ([]*volt.FleetWallet, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	frag, args, err := scopeWhere(a.ForFleets(), volt.PermRead, scopeCols{CPO: "g.cpo_id", Owner: "g.owner_id"})
	if err != nil {
		return nil, err
	}
	cond := "(" + frag
	for _, id := range a.ManagedFleets() {
		cond += " OR g.id = ?"
		args = append(args, id)
	}
	rows, err := s.db.Query(ctx, fleetRowSQL+` AND `+cond+`) ORDER BY g.name, g.id LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("find fleets: %w", err)
	}
	var fleets []*fleetRow
	for rows.Next() {
		f, err := scanFleetRow(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("find fleets: %w", err)
		}
		fleets = append(fleets, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find fleets: %w", err)
	}
	out := []*volt.FleetWallet{}
	for _, f := range fleets {
		w, err := s.walletOf(ctx, s.db, f)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// FindFleetWallet returns a readable fleet's wallet.
func (s *FleetService) FindFleetWallet(ctx context.Context, fleetID string) (*volt.FleetWallet, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	f, err := readFleet(ctx, s.db, a, fleetID)
	if err != nil {
		return nil, err
	}
	return s.walletOf(ctx, s.db, f)
}

// SetFleetWallet switches whether the fleet pays its drivers' charging: the
// owner's admins only (a fleet manager may not make the company pay).
func (s *FleetService) SetFleetWallet(ctx context.Context, fleetID string, enabled bool) (*volt.FleetWallet, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		f, err := readFleet(ctx, tx, a, fleetID)
		if err != nil {
			return err
		}
		if !a.Can(volt.PermWrite, volt.Ref{CPOID: f.CPOID, OwnerID: f.OwnerID}) {
			return volt.Errorf(volt.EFORBIDDEN, "Only the owner's admins switch the fleet wallet.")
		}
		_, err = tx.Exec(ctx, `INSERT INTO fleet_wallets (fleet_id, enabled, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (fleet_id) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at`, fleetID, enabled, tx.NowMS())
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.FindFleetWallet(ctx, fleetID)
}

// SetDriverLimit sets or clears (nil) the monthly limit of a driver of one
// of the fleet's vehicles: the owner's admins and the fleet's managers.
func (s *FleetService) SetDriverLimit(ctx context.Context, fleetID, userID string, limit *int64) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if limit != nil && (*limit < 0 || *limit > 100_000_000) {
		return volt.FieldError("monthlyLimit", "The monthly limit must be 0 to 100 000 000 minor units, got %d.", *limit)
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		f, err := readFleet(ctx, tx, a, fleetID)
		if err != nil {
			return err
		}
		if !canManageFleet(a, f.CPOID, f.OwnerID, f.ID) {
			return forbidden("fleet's limits")
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM vehicles WHERE fleet_id = ? AND driver_id = ? AND deleted_at IS NULL`, fleetID, userID).Scan(&n); err != nil {
			return fmt.Errorf("fleet driver: %w", err)
		}
		if n == 0 {
			return volt.Errorf(volt.ENOTFOUND, "Driver %q of fleet %s not found.", userID, fleetID)
		}
		if limit == nil {
			_, err = tx.Exec(ctx, `DELETE FROM fleet_driver_limits WHERE fleet_id = ? AND user_id = ?`, fleetID, userID)
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO fleet_driver_limits (fleet_id, user_id, monthly_limit, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (fleet_id, user_id) DO UPDATE SET monthly_limit = excluded.monthly_limit, updated_at = excluded.updated_at`,
			fleetID, userID, *limit, tx.NowMS())
		return err
	})
}

func parseMonth(month string) (string, error) {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return "", volt.FieldError("month", "Month must be YYYY-MM, got %q.", month)
	}
	return t.Format("2006-01"), nil
}

// FindFleetDrivers lists the drivers of the fleet's vehicles, by e-mail,
// with their limit and what the fleet paid for them in month.
func (s *FleetService) FindFleetDrivers(ctx context.Context, fleetID, month string) ([]*volt.FleetDriver, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if month, err = parseMonth(month); err != nil {
		return nil, err
	}
	f, err := readFleet(ctx, s.db, a, fleetID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT v.driver_id, u.email, u.name, count(*),
		(SELECT l.monthly_limit FROM fleet_driver_limits l WHERE l.fleet_id = v.fleet_id AND l.user_id = v.driver_id),
		(SELECT COALESCE(SUM(c.gross), 0) FROM fleet_charges c WHERE c.fleet_id = v.fleet_id AND c.user_id = v.driver_id AND c.month = ?),
		(SELECT count(*) FROM fleet_charges c WHERE c.fleet_id = v.fleet_id AND c.user_id = v.driver_id AND c.month = ?),
		(SELECT COALESCE(SUM(c.energy_wh), 0) FROM fleet_charges c WHERE c.fleet_id = v.fleet_id AND c.user_id = v.driver_id AND c.month = ?)
		FROM vehicles v JOIN users u ON u.id = v.driver_id WHERE v.fleet_id = ? AND v.deleted_at IS NULL
		GROUP BY v.fleet_id, v.driver_id, u.email, u.name ORDER BY u.email`, month, month, month, fleetID)
	if err != nil {
		return nil, fmt.Errorf("fleet drivers: %w", err)
	}
	defer rows.Close()
	out := []*volt.FleetDriver{}
	for rows.Next() {
		d := &volt.FleetDriver{Currency: f.Currency}
		var limit sql.NullInt64
		if err := rows.Scan(&d.UserID, &d.Email, &d.Name, &d.Vehicles, &limit, &d.Spent, &d.Sessions, &d.EnergyWh); err != nil {
			return nil, fmt.Errorf("fleet drivers: %w", err)
		}
		if limit.Valid {
			d.MonthlyLimit = &limit.Int64
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

const fleetChargeCols = `cdr_id, fleet_id, user_id, COALESCE((SELECT u.email FROM users u WHERE u.id = fleet_charges.user_id), ''),
	vehicle_id, COALESCE((SELECT v.registration FROM vehicles v WHERE v.id = fleet_charges.vehicle_id), ''), cpid, month,
	started_at, stopped_at, energy_wh, net, vat, gross, currency, partner_id, partner_name, location, over_limit`

func scanFleetCharge(s rowScanner) (*volt.FleetCharge, error) {
	c := &volt.FleetCharge{}
	var start, stop int64
	err := s.Scan(&c.CDRID, &c.FleetID, &c.UserID, &c.DriverEmail, &c.VehicleID, &c.Registration, &c.CPID, &c.Month,
		&start, &stop, &c.EnergyWh, &c.Net, &c.VAT, &c.Gross, &c.Currency, &c.PartnerID, &c.PartnerName, &c.Location, &c.OverLimit)
	if err != nil {
		return nil, err
	}
	c.StartedAt, c.StoppedAt = fromMS(start), fromMS(stop)
	return c, nil
}

// FindFleetCharges lists a readable fleet's charges, newest first.
func (s *FleetService) FindFleetCharges(ctx context.Context, f volt.FleetFilter) ([]*volt.FleetCharge, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	if f.FleetID == "" {
		return nil, 0, volt.FieldError("fleetId", "Name the fleet.")
	}
	if f.Month != "" {
		if f.Month, err = parseMonth(f.Month); err != nil {
			return nil, 0, err
		}
	}
	if _, err := readFleet(ctx, s.db, a, f.FleetID); err != nil {
		return nil, 0, err
	}
	w := &where{}
	w.eq("fleet_id", f.FleetID)
	w.eq("month", f.Month)
	w.eq("user_id", f.UserID)
	return list(ctx, s.db, listQuery{cols: fleetChargeCols, from: "fleet_charges", where: w, order: "started_at DESC, cdr_id DESC", page: f.Page}, scanFleetCharge)
}

// FleetInvoice returns the fleet's invoice of month: every charge, by
// driver, vehicle and start, and the totals.
func (s *FleetService) FleetInvoice(ctx context.Context, fleetID, month string) (*volt.FleetInvoice, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if month, err = parseMonth(month); err != nil {
		return nil, err
	}
	f, err := readFleet(ctx, s.db, a, fleetID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+fleetChargeCols+` FROM fleet_charges WHERE fleet_id = ? AND month = ?`, fleetID, month)
	if err != nil {
		return nil, fmt.Errorf("fleet invoice: %w", err)
	}
	defer rows.Close()
	inv := &volt.FleetInvoice{FleetID: f.ID, FleetName: f.Name, OwnerID: f.OwnerID, Month: month, Currency: f.Currency, Lines: []*volt.FleetCharge{}}
	for rows.Next() {
		c, err := scanFleetCharge(rows)
		if err != nil {
			return nil, fmt.Errorf("fleet invoice: %w", err)
		}
		inv.Lines = append(inv.Lines, c)
		inv.EnergyWh += c.EnergyWh
		inv.Net += c.Net
		inv.VAT += c.VAT
		inv.Gross += c.Gross
		inv.OverLimit += c.OverLimit
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("fleet invoice: %w", err)
	}
	rows.Close()
	if err := fleetInvoicePayments(ctx, s.db, inv); err != nil { // issue 19: paid and outstanding
		return nil, err
	}
	sort.SliceStable(inv.Lines, func(i, j int) bool {
		x, y := inv.Lines[i], inv.Lines[j]
		if x.DriverEmail != y.DriverEmail {
			return x.DriverEmail < y.DriverEmail
		}
		if x.Registration != y.Registration {
			return x.Registration < y.Registration
		}
		return x.StartedAt.Before(y.StartedAt) || (x.StartedAt.Equal(y.StartedAt) && x.CDRID < y.CDRID)
	})
	return inv, nil
}

// UpdateVehicle edits a vehicle of a fleet the actor manages; it stays in
// its fleet. The new driver must be a user of the fleet's CPO.
func (s *FleetService) UpdateVehicle(ctx context.Context, v *volt.Vehicle) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	old, err := s.FindVehicleByID(ctx, v.ID)
	if err != nil {
		return err
	}
	if !canManageFleet(a, old.CPOID, old.OwnerID, old.FleetID) {
		return forbidden("fleet's vehicles")
	}
	v.CPOID, v.OwnerID, v.FleetID, v.CreatedAt = old.CPOID, old.OwnerID, old.FleetID, old.CreatedAt
	v.Normalize()
	if err := v.Validate(); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		var guest bool
		if err := tx.QueryRow(ctx, `SELECT guest FROM users WHERE id = ? AND NOT disabled AND (cpo_id = ? OR ?)`,
			v.DriverID, v.CPOID, a.SuperAdmin).Scan(&guest); err != nil || guest {
			return notFound(errors.Join(err, sql.ErrNoRows), "User", v.DriverID)
		}
		_, err := tx.Exec(ctx, `UPDATE vehicles SET driver_id = ?, make = ?, model = ?, battery_wh = ?, registration = ?, vin = ?,
			provider = ?, provider_vehicle_id = ? WHERE id = ? AND deleted_at IS NULL`,
			v.DriverID, v.Make, v.Model, v.BatteryWh, v.Registration, v.VIN, v.Provider, v.ProviderVehicleID, v.ID)
		if volt.IsCode(err, volt.ECONFLICT) {
			return volt.Errorf(volt.ECONFLICT, "A vehicle with VIN %s or telematics id %s is already registered.", v.VIN, v.ProviderVehicleID)
		}
		return err
	})
}

// fleetPayer is the fleet that pays a driver's charging on a CPO's network.
type fleetPayer struct {
	FleetID, VehicleID, Currency string
	Limit                        *int64
}

// fleetPayerOf returns the fleet with its wallet on whose vehicle userID
// drives on cpoID's network (the oldest vehicle), nil when none pays.
func fleetPayerOf(ctx context.Context, q querier, userID, cpoID string) (*fleetPayer, error) {
	if userID == "" {
		return nil, nil
	}
	p := &fleetPayer{}
	var limit sql.NullInt64
	err := q.QueryRow(ctx, `SELECT v.fleet_id, v.id, c.currency,
		(SELECT l.monthly_limit FROM fleet_driver_limits l WHERE l.fleet_id = v.fleet_id AND l.user_id = v.driver_id)
		FROM vehicles v JOIN fleet_wallets w ON w.fleet_id = v.fleet_id AND w.enabled JOIN cpos c ON c.id = v.cpo_id
		WHERE v.driver_id = ? AND v.cpo_id = ? AND v.deleted_at IS NULL ORDER BY v.created_at, v.id LIMIT 1`, userID, cpoID).
		Scan(&p.FleetID, &p.VehicleID, &p.Currency, &limit)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("fleet of driver %s: %w", userID, err)
	}
	if limit.Valid {
		p.Limit = &limit.Int64
	}
	return p, nil
}

// spent is what the fleet paid for userID's charging in the month of at.
func (p *fleetPayer) spent(ctx context.Context, q querier, userID string, at time.Time) (int64, error) {
	var sum int64
	err := q.QueryRow(ctx, `SELECT COALESCE(SUM(gross), 0) FROM fleet_charges WHERE fleet_id = ? AND user_id = ? AND month = ?`,
		p.FleetID, userID, at.UTC().Format("2006-01")).Scan(&sum)
	if err != nil {
		return 0, fmt.Errorf("fleet spend of %s: %w", userID, err)
	}
	return sum, nil
}

// admit refuses (EUNPROCESSABLE, with the reason) a start once the fleet
// paid the driver's monthly limit.
func (p *fleetPayer) admit(ctx context.Context, q querier, userID string, at time.Time) error {
	if p.Limit == nil {
		return nil
	}
	spent, err := p.spent(ctx, q, userID, at)
	if err != nil {
		return err
	}
	if spent >= *p.Limit {
		return volt.Errorf(volt.EUNPROCESSABLE, "Cannot start: %s.", volt.FleetMonthlyLimitReached(spent, *p.Limit, p.Currency))
	}
	return nil
}

// chargeFleet bills a session on credit to the driver's fleet (the same
// idempotency key as a wallet charge: a CDR is charged once, to one of
// them) and keeps the charge for the invoice.
func (m *MoneyService) chargeFleet(ctx context.Context, tx *Tx, f *cdrFacts, p *fleetPayer) error {
	sc, err := m.split(ctx, tx, f, f.Cost.InclVAT)
	if err != nil {
		return err
	}
	created, err := post(ctx, tx, &volt.Posting{IdempotencyKey: "credit:" + f.ID, Kind: volt.PostFleetCharge, Currency: sc.Currency,
		Ref: f.SessionID, Memo: "fleet " + p.FleetID, Entries: volt.FleetChargeEntries(p.FleetID, sc)})
	if err != nil || !created {
		return err // charged before (to the fleet or the wallet): once
	}
	var cpid string
	var start int64
	if err := tx.QueryRow(ctx, `SELECT cpid, started_at FROM cdrs WHERE id = ?`, f.ID).Scan(&cpid, &start); err != nil {
		return fmt.Errorf("CDR %s: %w", f.ID, err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO fleet_charges (cdr_id, fleet_id, cpo_id, owner_id, user_id, vehicle_id, cpid, month, started_at, stopped_at,
		energy_wh, currency, net, vat, gross) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cdr_id) DO NOTHING`,
		f.ID, p.FleetID, f.CPOID, f.OwnerID, f.UserID, p.VehicleID, cpid, fromMS(f.StoppedAt).UTC().Format("2006-01"), start, f.StoppedAt,
		f.EnergyWh, sc.Currency, sc.InclVAT-sc.VAT, sc.VAT, sc.InclVAT)
	if err != nil {
		return fmt.Errorf("fleet charge of CDR %s: %w", f.ID, err)
	}
	return insertIncome(ctx, tx, f, "credit", sc)
}

// FleetDriverByEmail returns the id of the driver of the fleet's CPO with
// that e-mail, for a manager of the fleet (or the owner's admin) linking a
// vehicle; anyone else finds no fleet.
func (s *FleetService) FleetDriverByEmail(ctx context.Context, fleetID, email string) (string, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return "", err
	}
	f, err := readFleet(ctx, s.db, a, fleetID)
	if err != nil {
		return "", err
	}
	if !canManageFleet(a, f.CPOID, f.OwnerID, f.ID) {
		return "", forbidden("fleet's vehicles")
	}
	var id string
	err = s.db.QueryRow(ctx, `SELECT id FROM users WHERE lower(email) = lower(?) AND cpo_id = ? AND NOT guest AND NOT disabled`,
		strings.TrimSpace(email), f.CPOID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		e := volt.Errorf(volt.ENOTFOUND, "No driver with the e-mail %q signed up with this network.", email)
		e.Field = "driverEmail"
		return "", e
	} else if err != nil {
		return "", fmt.Errorf("driver by e-mail: %w", err)
	}
	return id, nil
}
