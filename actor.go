package volt

import (
	"context"
	"slices"
)

// Role is what a usergroup lets its members do within the usergroup's scope.
// A user gets permissions only through usergroups, and the union of them all.
type Role string

// Built-in roles, from the glossary.
const (
	RoleAdmin    Role = "admin"    // read and write everything in scope
	RoleStaff    Role = "staff"    // read everything in scope, never write
	RoleEngineer Role = "engineer" // read, configure and command chargers, charge free for testing
	RoleSupport  Role = "support"  // read, support actions (tickets, helpline commands)
	RoleHost     Role = "host"     // read the charger groups granted to the host
	RoleDriver   Role = "driver"   // charge; private usergroups give access and tariffs
	// RoleFleetManager (issue 19) manages one fleet: the owner's usergroup
	// with this role is the fleet. It reaches nothing else of the hierarchy.
	RoleFleetManager Role = "fleet_manager"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleStaff, RoleEngineer, RoleSupport, RoleHost, RoleDriver, RoleFleetManager:
		return true
	}
	return false
}

// Perm is an action an actor may take on a resource.
type Perm int

// Permissions checked by the services.
const (
	PermRead    Perm = iota // see a resource
	PermWrite               // create, change or delete a resource
	PermCommand             // send a command to a charger (reset, unlock, configuration)
	PermSupport             // support actions: tickets, helpline stop/refund
)

// Grant is one usergroup membership resolved for authorisation: a role over a
// scope. Exactly one of CPOID, OwnerID, HostID is set; ChargerGroupIDs lists
// the charger groups a host role reaches.
type Grant struct {
	Role            Role
	CPOID           string
	OwnerID         string
	HostID          string
	ChargerGroupIDs []string

	// Issue 16 item 3: an installer's engineer. InstallerID alone reaches
	// nothing in the hierarchy (the install job service shows the engineer
	// its own jobs); JobID with CPIDs is an install job in progress, which
	// reaches exactly those chargers.
	InstallerID string
	JobID       string
	CPIDs       []string

	// FleetID (issue 19) is the fleet a fleet manager manages; the grant
	// reaches nothing of the hierarchy (the fleet service checks it).
	FleetID string
}

// ManagesFleet reports whether the actor is a fleet manager of fleetID.
func (a *Actor) ManagesFleet(fleetID string) bool {
	if a == nil || fleetID == "" {
		return false
	}
	for _, g := range a.Grants {
		if g.Role == RoleFleetManager && g.FleetID == fleetID {
			return true
		}
	}
	return false
}

// ManagedFleets lists the fleets the actor manages.
func (a *Actor) ManagedFleets() []string {
	var ids []string
	if a != nil {
		for _, g := range a.Grants {
			if g.Role == RoleFleetManager && g.FleetID != "" {
				ids = append(ids, g.FleetID)
			}
		}
	}
	return ids
}

// Actor is who is doing something: a user with their grants, or the system
// itself (the OCPP gateway, scheduled jobs) which acts as a super admin.
type Actor struct {
	UserID     string
	Email      string
	SuperAdmin bool
	System     bool
	Grants     []Grant
	// TerminalID is set for a contactless terminal authenticated by its API
	// key: it has no grants and acts only through the TerminalService.
	TerminalID string
	// MustChangePassword is set while the user signs in with a one-time
	// password (the first Super Admin's): the portal asks for a new one
	// before anything else.
	MustChangePassword bool
	// OnboardingID is set while the user's organisation is in the holding
	// area (issue 16 item 2): the surfaces refuse everything else with
	// EONBOARDING.
	OnboardingID string
}

// SystemActor is the actor of the platform's own processes.
var SystemActor = &Actor{System: true, SuperAdmin: true}

// Ref locates a resource in the hierarchy for a permission check. Empty fields
// mean "not below that level" (a CPO has only CPOID).
type Ref struct {
	CPOID          string
	OwnerID        string
	ChargerGroupID string
	CPID           string // a charger's, for install job grants (issue 16)
}

func (r Role) allows(p Perm) bool {
	switch p {
	case PermRead:
		return r != RoleDriver
	case PermWrite:
		return r == RoleAdmin
	case PermCommand:
		return r == RoleAdmin || r == RoleEngineer || r == RoleSupport
	case PermSupport:
		return r == RoleAdmin || r == RoleSupport
	}
	return false
}

// Can reports whether the actor may take action p on the resource at ref.
func (a *Actor) Can(p Perm, ref Ref) bool {
	if a == nil {
		return false
	}
	if a.SuperAdmin {
		return true
	}
	for _, g := range a.Grants {
		if !g.Role.allows(p) || !g.covers(ref) {
			continue
		}
		return true
	}
	return false
}

func (g Grant) covers(ref Ref) bool {
	switch {
	case g.Role == RoleFleetManager:
		return false
	case g.JobID != "":
		return ref.CPID != "" && slices.Contains(g.CPIDs, ref.CPID)
	case g.InstallerID != "":
		return false
	case g.CPOID != "":
		return ref.CPOID == g.CPOID
	case g.OwnerID != "":
		return ref.OwnerID != "" && ref.OwnerID == g.OwnerID
	case g.HostID != "":
		return ref.ChargerGroupID != "" && slices.Contains(g.ChargerGroupIDs, ref.ChargerGroupID)
	}
	return false
}

// Scope is the set of tenants an actor reaches for one permission, used by
// stores to filter lists. All is true for super admins.
type Scope struct {
	All             bool
	CPOIDs          []string
	OwnerIDs        []string
	ChargerGroupIDs []string
	CPIDs           []string // single chargers: install jobs in progress (issue 16)
}

// Empty reports whether the scope reaches nothing.
func (s Scope) Empty() bool {
	return !s.All && len(s.CPOIDs) == 0 && len(s.OwnerIDs) == 0 && len(s.ChargerGroupIDs) == 0 && len(s.CPIDs) == 0
}

// ScopeFor returns the union of the actor's grants that allow p.
func (a *Actor) ScopeFor(p Perm) Scope {
	if a == nil {
		return Scope{}
	}
	if a.SuperAdmin {
		return Scope{All: true}
	}
	var s Scope
	for _, g := range a.Grants {
		if !g.Role.allows(p) {
			continue
		}
		switch {
		case g.Role == RoleFleetManager:
			// Reaches its fleet only (issue 19).
		case g.JobID != "":
			s.CPIDs = append(s.CPIDs, g.CPIDs...)
		case g.InstallerID != "":
			// Reaches nothing of the hierarchy.
		case g.CPOID != "":
			s.CPOIDs = append(s.CPOIDs, g.CPOID)
		case g.OwnerID != "":
			s.OwnerIDs = append(s.OwnerIDs, g.OwnerID)
		case g.HostID != "":
			s.ChargerGroupIDs = append(s.ChargerGroupIDs, g.ChargerGroupIDs...)
		}
	}
	return s
}

// IsOperator reports whether the actor has any non-driver role (may use the
// Admin Portal).
func (a *Actor) IsOperator() bool {
	if a == nil {
		return false
	}
	if a.SuperAdmin {
		return true
	}
	for _, g := range a.Grants {
		if g.Role != RoleDriver {
			return true
		}
	}
	return false
}

type actorKey struct{}

// NewContextWithActor returns a context carrying the actor. Services read it to
// authorise every call; a context without an actor is refused.
func NewContextWithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the actor of ctx, or nil.
func ActorFromContext(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}
