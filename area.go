package volt

import "slices"

// Area is a part of the back office that a role may or may not see at all,
// whatever the scope of its grants: least privilege by role. The portal's
// pages and navigation and the API's endpoints each belong to one area; the
// services then filter by scope as always.
type Area string

// Areas of the back office.
const (
	AreaOperations Area = "operations" // dashboard, network, chargers, charger groups, commands, configuration, OCPP logs
	AreaSessions   Area = "sessions"   // sessions, CDRs, session detail (drivers' tags and costs)
	AreaEstate     Area = "estate"     // CPOs, owners, hosts, sites, hubs, installers
	AreaPeople     Area = "people"     // users, usergroups, RFID cards, affiliate codes: drivers' personal data
	AreaTariffs    Area = "tariffs"    // tariffs and their assignment
	AreaWallets    Area = "wallets"    // wallets, payments, refunds
	AreaIncome     Area = "income"     // income reports, fees and money settings, terminals, reimbursement
	AreaSupport    Area = "support"    // helpline, tickets, helpline contact report
	AreaAudit      Area = "audit"      // the audit log: who did what
	AreaJobs       Area = "jobs"       // background jobs (each user sees their own)
)

// AreaAccess is THE role × area matrix: which roles see which area. Super
// admins see everything. Admin and Staff see all of it (Staff read-only, by
// PermWrite); Engineers see chargers, their configuration and logs and the
// estate they install in, never drivers' personal data, wallets, income or
// the audit of people; Support sees what a helpline needs; Hosts see the
// chargers and sessions of their charger groups. The portal's navigation
// and handlers and the API's checks all read this one table.
var AreaAccess = map[Area][]Role{
	AreaOperations: {RoleAdmin, RoleStaff, RoleEngineer, RoleSupport, RoleHost},
	AreaSessions:   {RoleAdmin, RoleStaff, RoleSupport, RoleHost},
	AreaEstate:     {RoleAdmin, RoleStaff, RoleEngineer, RoleSupport},
	AreaPeople:     {RoleAdmin, RoleStaff, RoleSupport},
	AreaTariffs:    {RoleAdmin, RoleStaff, RoleSupport},
	AreaWallets:    {RoleAdmin, RoleStaff, RoleSupport},
	AreaIncome:     {RoleAdmin, RoleStaff},
	AreaSupport:    {RoleAdmin, RoleStaff, RoleSupport},
	AreaAudit:      {RoleAdmin, RoleStaff},
	AreaJobs:       {RoleAdmin, RoleStaff, RoleEngineer, RoleSupport, RoleHost},
}

// Areas lists every area, in the order of AreaAccess's documentation.
var Areas = []Area{AreaOperations, AreaSessions, AreaEstate, AreaPeople, AreaTariffs, AreaWallets,
	AreaIncome, AreaSupport, AreaAudit, AreaJobs}

// Sees reports whether the role sees the area.
func (r Role) Sees(area Area) bool { return slices.Contains(AreaAccess[area], r) }

// MaySee reports whether any of the actor's operator grants sees the area.
func (a *Actor) MaySee(area Area) bool {
	_, ok := a.ForArea(area)
	return ok
}

// ForArea returns the actor as it acts in an area: only the grants whose
// role sees it (and driver grants, which act on the driver's own things and
// give no operator powers), so the services' scopes shrink to match. ok is
// false when no operator grant is left. Super admins and the system keep
// everything.
func (a *Actor) ForArea(area Area) (*Actor, bool) {
	if a == nil {
		return nil, false
	}
	if a.SuperAdmin || a.System {
		return a, true
	}
	n := *a
	n.Grants = nil
	ok := false
	for _, g := range a.Grants {
		switch {
		case g.Role == RoleDriver:
			n.Grants = append(n.Grants, g)
		case g.Role.Sees(area):
			n.Grants = append(n.Grants, g)
			ok = true
		}
	}
	return &n, ok
}
