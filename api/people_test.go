package api

import (
	"fmt"
	"strings"
	"testing"

	"github.com/volt-ev/volt"
)

// roles are the people of a tenant, each in one usergroup of that role and
// scope. "driver" is in the tenant's driver usergroup.
var roles = []string{"cpo-admin", "cpo-staff", "owner-admin", "owner-staff", "host", "engineer", "support", "driver", "fleet-manager"}

const testPassword = "correct horse battery"

func roleGroup(tn *tenant, role string) *volt.Usergroup {
	g := &volt.Usergroup{Name: role + " " + tn.Name, CPOID: tn.CPO}
	switch role {
	case "cpo-admin":
		g.Role = volt.RoleAdmin
	case "cpo-staff":
		g.Role = volt.RoleStaff
	case "owner-admin":
		g.Role, g.OwnerID = volt.RoleAdmin, tn.Owner
	case "owner-staff":
		g.Role, g.OwnerID = volt.RoleStaff, tn.Owner
	case "host":
		g.Role, g.OwnerID, g.HostID = volt.RoleHost, tn.Owner, tn.Host
	case "engineer":
		g.Role = volt.RoleEngineer
	case "support":
		g.Role = volt.RoleSupport
	case "driver":
		g.Role = volt.RoleDriver
	case "fleet-manager": // issue 19: this usergroup is the tenant's fleet
		g.Role, g.OwnerID = volt.RoleFleetManager, tn.Owner
	}
	return g
}

// buildPeople creates the tenant's users, one per role, their usergroups,
// the driver's RFID card, a private driver usergroup and its affiliate code.
func buildPeople(t *testing.T, cfg Config, tn *tenant) {
	t.Helper()
	ctx := sys()
	for _, role := range roles {
		u := &volt.User{Email: fmt.Sprintf("%s@%s.example", role, strings.ToLower(tn.Name)), Name: role + " " + tn.Name}
		if role == "driver" {
			u.CPOID = tn.CPO
		}
		must(t, cfg.Users.CreateUser(ctx, u, testPassword))
		g := roleGroup(tn, role)
		must(t, cfg.Users.CreateUsergroup(ctx, g))
		must(t, cfg.Users.AddMember(ctx, g.ID, u.ID))
		tn.Users[role] = u.ID
		switch role {
		case "cpo-admin":
			tn.AdminGroup = g.ID
		case "driver":
			tn.DriverGroup, tn.Driver, tn.DriverEmail = g.ID, u.ID, u.Email
		case "fleet-manager":
			tn.Fleet = g.ID
		}
	}
	tn.CardUID = "CARD" + strings.ToUpper(tn.Name) + "01"
	card := &volt.RFIDCard{UID: tn.CardUID, UserID: tn.Driver, Label: "card " + tn.Name}
	must(t, cfg.Users.CreateRFIDCard(ctx, card))
	tn.Card = card.ID
	priv := &volt.Usergroup{Name: "Fleet " + tn.Name, Role: volt.RoleDriver, CPOID: tn.CPO, Private: true}
	must(t, cfg.Users.CreateUsergroup(ctx, priv))
	tn.PrivateUgr = priv.ID
	tn.AffCode = "JOIN" + strings.ToUpper(tn.Name) + "2026"
	aff := &volt.AffiliateCode{Code: tn.AffCode, UsergroupID: priv.ID}
	must(t, cfg.Users.CreateAffiliateCode(ctx, aff))
	tn.Affiliate = aff.ID
}
