package volt

import "context"

// FleetLeaver lets a driver leave a fleet (issue 19): the driver keeps
// their personal history (sessions, wallet, their past claims), the fleet
// keeps its past claims, and nothing of the fleet follows the driver: their
// company vehicles are unlinked (with their telematics), the owner's home
// reimbursement agreement with them ends, and no later session of theirs
// reaches the fleet's claims.
type FleetLeaver interface {
	// LeaveFleet removes driverID from fleetID: the fleet's managers, the
	// owner's admins, or the driver themself. It answers how many vehicles
	// were unlinked.
	LeaveFleet(ctx context.Context, fleetID, driverID string) (int, error)
}
