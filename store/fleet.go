package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/volt-ev/volt"
)

// FleetService implements volt.FleetService on a DB (issue 19): vehicles
// of owners' fleets, their telematics readings, and the trusted home
// reimbursement claims (fleet_claims.go).
type FleetService struct {
	db        *DB
	providers map[string]volt.TelematicsProvider
	// Tolerance is how BuildClaims matches sessions to telematics.
	Tolerance volt.HomeMatchTolerance
	// Bacs is the calendar of Bacs payout files' processing days.
	Bacs volt.BacsCalendar
}

var _ volt.FleetService = (*FleetService)(nil)

// NewFleetService returns the fleet service polling providers (by Name)
// when it builds claims.
func NewFleetService(db *DB, providers ...volt.TelematicsProvider) *FleetService {
	s := &FleetService{db: db, providers: map[string]volt.TelematicsProvider{}, Tolerance: volt.DefaultHomeMatchTolerance}
	for _, p := range providers {
		s.providers[p.Name()] = p
	}
	return s
}

const vehicleCols = `id, cpo_id, owner_id, fleet_id, driver_id, make, model, battery_wh, registration, vin, provider, provider_vehicle_id, created_at`

func scanVehicle(s rowScanner) (*volt.Vehicle, error) {
	v := &volt.Vehicle{}
	var created int64
	err := s.Scan(&v.ID, &v.CPOID, &v.OwnerID, &v.FleetID, &v.DriverID, &v.Make, &v.Model, &v.BatteryWh, &v.Registration, &v.VIN,
		&v.Provider, &v.ProviderVehicleID, &created)
	if err != nil {
		return nil, err
	}
	v.CreatedAt = fromMS(created)
	return v, nil
}

// canReadFleet: the owner's readers, the fleet's managers, and the driver.
func canReadFleet(a *volt.Actor, cpoID, ownerID, fleetID, driverID string) bool {
	a = a.ForFleets() // drivers' data: no engineer or host
	return a.Can(volt.PermRead, volt.Ref{CPOID: cpoID, OwnerID: ownerID}) || a.ManagesFleet(fleetID) || (a.UserID != "" && a.UserID == driverID)
}

// canManageFleet: the owner's admins and the fleet's managers.
func canManageFleet(a *volt.Actor, cpoID, ownerID, fleetID string) bool {
	return a.Can(volt.PermWrite, volt.Ref{CPOID: cpoID, OwnerID: ownerID}) || a.ManagesFleet(fleetID)
}

// fleetWhere scopes vehicles or claims: the actor's owners, fleets, and
// their own as a driver (driverCol).
func fleetWhere(a *volt.Actor, driverCol string, f volt.FleetFilter) (*where, error) {
	a = a.ForFleets()
	frag, args, err := scopeWhere(a, volt.PermRead, scopeCols{CPO: "cpo_id", Owner: "owner_id"})
	if err != nil {
		return nil, err
	}
	cond := "(" + frag
	for _, id := range a.ManagedFleets() {
		cond += " OR fleet_id = ?"
		args = append(args, id)
	}
	cond += " OR (" + driverCol + " <> '' AND " + driverCol + " = ?))"
	w := &where{}
	w.add(cond, append(args, a.UserID)...)
	w.eq("owner_id", f.OwnerID)
	w.eq("fleet_id", f.FleetID)
	w.eq(driverCol, f.UserID)
	return w, nil
}

// CreateVehicle adds a vehicle to a fleet: the owner's admins or the
// fleet's managers; the driver must be a user of the owner's CPO.
func (s *FleetService) CreateVehicle(ctx context.Context, v *volt.Vehicle) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	v.Normalize()
	if err := v.Validate(); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		var owner sql.NullString
		err := tx.QueryRow(ctx, `SELECT cpo_id, owner_id FROM usergroups WHERE id = ? AND role = ?`, v.FleetID, string(volt.RoleFleetManager)).
			Scan(&v.CPOID, &owner)
		if err != nil || !owner.Valid || !canReadFleet(a, v.CPOID, owner.String, v.FleetID, "") {
			return notFound(errors.Join(err, sql.ErrNoRows), "Fleet", v.FleetID)
		}
		v.OwnerID = owner.String
		if !canManageFleet(a, v.CPOID, v.OwnerID, v.FleetID) {
			return forbidden("fleet's vehicles")
		}
		var guest bool
		if err := tx.QueryRow(ctx, `SELECT guest FROM users WHERE id = ? AND NOT disabled AND (cpo_id = ? OR ?)`,
			v.DriverID, v.CPOID, a.SuperAdmin).Scan(&guest); err != nil || guest {
			return notFound(errors.Join(err, sql.ErrNoRows), "User", v.DriverID)
		}
		v.ID, v.CreatedAt = volt.NewID("veh"), tx.Now()
		_, err = tx.Exec(ctx, `INSERT INTO vehicles (`+vehicleCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			v.ID, v.CPOID, v.OwnerID, v.FleetID, v.DriverID, v.Make, v.Model, v.BatteryWh, v.Registration, v.VIN,
			v.Provider, v.ProviderVehicleID, tx.NowMS())
		if volt.IsCode(err, volt.ECONFLICT) {
			return volt.Errorf(volt.ECONFLICT, "A vehicle with VIN %s or telematics id %s is already registered.", v.VIN, v.ProviderVehicleID)
		}
		return err
	})
}

// FindVehicles lists the vehicles in the actor's scope, newest first.
func (s *FleetService) FindVehicles(ctx context.Context, f volt.FleetFilter) ([]*volt.Vehicle, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	w, err := fleetWhere(a, "driver_id", f)
	if err != nil {
		return nil, 0, err
	}
	w.add("deleted_at IS NULL")
	return list(ctx, s.db, listQuery{cols: vehicleCols, from: "vehicles", where: w, order: "created_at DESC, id DESC", page: f.Page}, scanVehicle)
}

// FindVehicleByID returns a vehicle the actor may read.
func (s *FleetService) FindVehicleByID(ctx context.Context, id string) (*volt.Vehicle, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	v, err := scanVehicle(s.db.QueryRow(ctx, `SELECT `+vehicleCols+` FROM vehicles WHERE id = ? AND deleted_at IS NULL`, id))
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("find vehicle %s: %w", id, err)
	}
	if err != nil || !canReadFleet(a, v.CPOID, v.OwnerID, v.FleetID, v.DriverID) {
		return nil, volt.Errorf(volt.ENOTFOUND, "Vehicle %q not found.", id)
	}
	return v, nil
}

// DeleteVehicle removes a vehicle from its fleet; its readings and claims
// stay for the records.
func (s *FleetService) DeleteVehicle(ctx context.Context, id string) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	v, err := s.FindVehicleByID(ctx, id)
	if err != nil {
		return err
	}
	if !canManageFleet(a, v.CPOID, v.OwnerID, v.FleetID) {
		return forbidden("fleet's vehicles")
	}
	_, err = s.db.Exec(ctx, `UPDATE vehicles SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL`, toMS(s.db.Now()), id)
	return err
}

// RecordTelematics stores a provider's readings of one vehicle (the
// platform only: the webhook after its signature, and polls). Each
// (vehicle, instant) is stored once; it returns how many were new.
func (s *FleetService) RecordTelematics(ctx context.Context, provider, providerVehicleID string, readings []volt.TelematicsReading) (int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return 0, err
	}
	if !a.SuperAdmin {
		return 0, volt.Errorf(volt.EFORBIDDEN, "Only the platform records telematics.")
	}
	for i := range readings {
		if err := readings[i].Validate(); err != nil {
			err.(*volt.Error).Field = fmt.Sprintf("readings[%d].%s", i, err.(*volt.Error).Field)
			return 0, err
		}
	}
	var vehicleID string
	err = s.db.QueryRow(ctx, `SELECT id FROM vehicles WHERE provider = ? AND provider_vehicle_id = ? AND provider <> '' AND deleted_at IS NULL`,
		provider, providerVehicleID).Scan(&vehicleID)
	if err != nil {
		return 0, notFound(err, "Vehicle", providerVehicleID)
	}
	n := 0
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		if n, err = storeReadings(ctx, tx, vehicleID, readings); err != nil {
			return err
		}
		return s.applyCarSoC(ctx, tx, vehicleID, readings) // fleet_soc.go
	})
	return n, err
}

func storeReadings(ctx context.Context, tx *Tx, vehicleID string, readings []volt.TelematicsReading) (int, error) {
	n := 0
	for _, r := range readings {
		res, err := tx.Exec(ctx, `INSERT INTO telematics_readings (vehicle_id, at, odometer_m, soc_permille, latitude, longitude, charging, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (vehicle_id, at) DO NOTHING`,
			vehicleID, toMS(r.At), r.OdometerM, r.SoCPermille, r.Latitude, r.Longitude, r.Charging, tx.NowMS())
		if err != nil {
			return n, fmt.Errorf("reading of %s at %s: %w", vehicleID, r.At, err)
		}
		if k, _ := res.RowsAffected(); k > 0 {
			n++
		}
	}
	return n, nil
}

// FindTelematicsReadings returns a readable vehicle's readings from from
// to to, oldest first.
func (s *FleetService) FindTelematicsReadings(ctx context.Context, vehicleID string, from, to time.Time) ([]volt.TelematicsReading, error) {
	if _, err := s.FindVehicleByID(ctx, vehicleID); err != nil {
		return nil, err
	}
	return readingsBetween(ctx, s.db, vehicleID, from, to)
}

func readingsBetween(ctx context.Context, q querier, vehicleID string, from, to time.Time) ([]volt.TelematicsReading, error) {
	rows, err := q.Query(ctx, `SELECT at, odometer_m, soc_permille, latitude, longitude, charging FROM telematics_readings
		WHERE vehicle_id = ? AND at >= ? AND at <= ? ORDER BY at`, vehicleID, toMS(from), toMS(to))
	if err != nil {
		return nil, fmt.Errorf("readings of %s: %w", vehicleID, err)
	}
	defer rows.Close()
	out := []volt.TelematicsReading{}
	for rows.Next() {
		r := volt.TelematicsReading{VehicleID: vehicleID}
		var at int64
		if err := rows.Scan(&at, &r.OdometerM, &r.SoCPermille, &r.Latitude, &r.Longitude, &r.Charging); err != nil {
			return nil, fmt.Errorf("readings of %s: %w", vehicleID, err)
		}
		r.At = fromMS(at)
		out = append(out, r)
	}
	return out, rows.Err()
}
