package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/volt-ev/volt"
)

var _ volt.FleetLeaver = (*FleetService)(nil)

// LeaveFleet removes a driver from a fleet (issue 19): their vehicles of
// the fleet are unlinked (soft-deleted: the fleet may add them again with
// another driver; their readings stay for the past claims), and the
// owner's home reimbursement agreements with the driver end, so neither
// the claims job nor the wallet job reimburses their later sessions. Past
// claims stay as they are, readable by the fleet and the driver.
func (s *FleetService) LeaveFleet(ctx context.Context, fleetID, driverID string) (int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		var cpoID string
		var owner sql.NullString
		err := tx.QueryRow(ctx, `SELECT cpo_id, owner_id FROM usergroups WHERE id = ? AND role = ?`, fleetID, string(volt.RoleFleetManager)).
			Scan(&cpoID, &owner)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("fleet %s: %w", fleetID, err)
		}
		var drives int
		if err == nil {
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM vehicles WHERE fleet_id = ? AND driver_id = ? AND deleted_at IS NULL`,
				fleetID, driverID).Scan(&drives); err != nil {
				return fmt.Errorf("vehicles of %s: %w", driverID, err)
			}
		}
		self := a.UserID != "" && a.UserID == driverID && drives > 0
		if err != nil || !owner.Valid || !(self || canReadFleet(a, cpoID, owner.String, fleetID, "")) {
			return volt.Errorf(volt.ENOTFOUND, "Fleet %q not found.", fleetID)
		}
		if !self && !canManageFleet(a, cpoID, owner.String, fleetID) {
			return forbidden("fleet's drivers")
		}
		if drives == 0 {
			return volt.Errorf(volt.ENOTFOUND, "User %q drives no vehicle of fleet %s.", driverID, fleetID)
		}
		res, err := tx.Exec(ctx, `UPDATE vehicles SET deleted_at = ? WHERE fleet_id = ? AND driver_id = ? AND deleted_at IS NULL`,
			tx.NowMS(), fleetID, driverID)
		if err != nil {
			return fmt.Errorf("unlink vehicles of %s: %w", driverID, err)
		}
		k, _ := res.RowsAffected()
		n = int(k)
		// The company's home reimbursement of this driver ends with them
		// leaving (unless another of its fleets still has them).
		_, err = tx.Exec(ctx, `DELETE FROM reimbursement_agreements WHERE owner_id = ? AND user_id = ? AND NOT EXISTS (
			SELECT 1 FROM vehicles v WHERE v.owner_id = ? AND v.driver_id = ? AND v.deleted_at IS NULL)`, owner.String, driverID, owner.String, driverID)
		if err != nil {
			return fmt.Errorf("end reimbursement of %s: %w", driverID, err)
		}
		return nil
	})
	return n, err
}
