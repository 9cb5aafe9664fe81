package api

import (
	"net/http"
	"strings"

	"github.com/volt-ev/volt"
)

// apiAreas places every resource of the API in an area of the domain's role
// × area matrix (volt.AreaAccess), by the first path element after
// /api/v1. A resource missing here belongs to no area: only the services'
// own checks apply.
var apiAreas = map[string]volt.Area{
	"chargers":                 volt.AreaOperations,
	"charger-groups":           volt.AreaOperations,
	"cpos":                     volt.AreaEstate,
	"owners":                   volt.AreaEstate,
	"hosts":                    volt.AreaEstate,
	"sites":                    volt.AreaEstate,
	"hubs":                     volt.AreaEstate,
	"users":                    volt.AreaPeople,
	"usergroups":               volt.AreaPeople,
	"rfid-cards":               volt.AreaPeople,
	"affiliate-codes":          volt.AreaPeople,
	"sessions":                 volt.AreaSessions,
	"cdrs":                     volt.AreaSessions,
	"tariffs":                  volt.AreaTariffs,
	"tariff-assignments":       volt.AreaTariffs,
	"wallets":                  volt.AreaWallets,
	"payments":                 volt.AreaWallets,
	"reports":                  volt.AreaIncome,
	"terminals":                volt.AreaIncome,
	"reimbursement-agreements": volt.AreaIncome,
	"reimbursement-statements": volt.AreaIncome,
	"tickets":                  volt.AreaSupport,
	"helpline":                 volt.AreaSupport,
	"audit-log":                volt.AreaAudit,
	// issue 17
	"socket-fee-statements":  volt.AreaIncome,
	"reliability-exclusions": volt.AreaOperations,
	"ticket-breaches":        volt.AreaSupport,
	"ocpi-partners":          volt.AreaEstate, // issue 14
	"invitations":            volt.AreaPeople,
	"onboardings":            volt.AreaPeople,
	"installers":             volt.AreaEstate,
	"install-jobs":           volt.AreaEstate,
}

// selfService are the resources a person also has of their own (their
// sessions and CDRs, wallet and payments, tickets, reimbursement
// statements): an operator whose roles do not cover the area still reaches
// their own, as a driver would.
var selfService = map[string]bool{"sessions": true, "cdrs": true, "wallets": true, "payments": true, "tickets": true,
	"reimbursement-statements": true}

// inArea narrows an operator to the grants that see the area of path. It
// refuses an operator none of whose roles sees an area that is not
// self-service from reading it: forbidden on a collection, not found on one
// resource (outside what the actor may read, as the services would say).
// pattern is the matched route ("GET /api/v1/users/{id}"). Drivers,
// terminals and super admins pass unchanged.
func inArea(actor *volt.Actor, method, pattern string) (*volt.Actor, error) {
	if actor == nil || actor.SuperAdmin || !actor.IsOperator() {
		return actor, nil
	}
	path := pattern
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		path = pattern[i+1:]
	}
	rest, ok := strings.CutPrefix(path, Prefix+"/")
	if !ok {
		return actor, nil
	}
	first, _, _ := strings.Cut(rest, "/")
	area, ok := apiAreas[first]
	if !ok {
		return actor, nil
	}
	narrow, sees := actor.ForArea(area)
	if sees || selfService[first] || method != http.MethodGet {
		// Writes go on as the narrowed actor: the services refuse them as
		// for anything outside its scope.
		return narrow, nil
	}
	if strings.Contains(pattern, "{") || first == "reports" {
		// One resource (a report names its CPO, owner or site): outside
		// what the actor may read, so not found, as the services answer.
		return nil, volt.Errorf(volt.ENOTFOUND, "Not found: your role does not cover %s.", first)
	}
	return nil, volt.Errorf(volt.EFORBIDDEN, "Your role does not cover %s.", first)
}
