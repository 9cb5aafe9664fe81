package web

import (
	"net/http"
	"strings"

	volt "github.com/volt-ev/volt"
)

// portalAreas places every portal page in an area of the domain's role ×
// area matrix (volt.AreaAccess), by the first path element after /admin.
// The navigation shows only the pages of the areas the actor sees, and the
// handlers act with the actor narrowed to that area (volt.Actor.ForArea).
var portalAreas = map[string]volt.Area{
	"":                   volt.AreaOperations, // the dashboard
	"dashboard":          volt.AreaOperations,
	"live":               volt.AreaOperations,
	"network":            volt.AreaOperations,
	"chargers":           volt.AreaOperations,
	"charger-groups":     volt.AreaOperations,
	"sessions":           volt.AreaSessions,
	"cdrs":               volt.AreaSessions,
	"cpos":               volt.AreaEstate,
	"owners":             volt.AreaEstate,
	"hosts":              volt.AreaEstate,
	"sites":              volt.AreaEstate,
	"users":              volt.AreaPeople,
	"usergroups":         volt.AreaPeople,
	"rfid-cards":         volt.AreaPeople,
	"affiliate-codes":    volt.AreaPeople,
	"tariffs":            volt.AreaTariffs,
	"tariff-assignments": volt.AreaTariffs,
	"wallets":            volt.AreaWallets,
	"payments":           volt.AreaWallets,
	"income":             volt.AreaIncome,
	"income.csv":         volt.AreaIncome,
	"money-settings":     volt.AreaIncome,
	"terminals":          volt.AreaIncome,
	"reimbursements":     volt.AreaIncome,
	"helpline":           volt.AreaSupport,
	"tickets":            volt.AreaSupport,
	"audit":              volt.AreaAudit,
	"audit.csv":          volt.AreaAudit,
	"jobs":               volt.AreaJobs,
	"bulk-commands":      volt.AreaOperations,
	// issue 17
	"reliability":        volt.AreaOperations,
	"socket-fees":        volt.AreaIncome,
	"platform-income":    volt.AreaIncome,
	"service-levels":     volt.AreaSupport,
	"alerts":             volt.AreaOperations, // issue #17
	"webhooks":           volt.AreaEstate,     // issue #17: a CPO's integration settings
	"webhook-deliveries": volt.AreaEstate,
	"charger-models":     volt.AreaOperations, // issue 16: the certification catalogue
	"invitations":        volt.AreaPeople,     // issue 16
	"onboardings":        volt.AreaPeople,
	"installers":         volt.AreaEstate,
	"install-jobs":       volt.AreaEstate,
}

// areaOf returns the area of a portal path; ok is false for paths outside
// the table (sign-in, sign-out, unknown pages), which need no area.
func areaOf(path string) (volt.Area, bool) {
	rest, found := strings.CutPrefix(path, AdminPrefix+"/")
	if !found {
		return "", false
	}
	first, _, _ := strings.Cut(rest, "/")
	area, ok := portalAreas[first]
	return area, ok
}

// inArea narrows the request's actor to the area of its page; false (and a
// 403 page) when the actor's roles do not see that area at all.
func (a *Admin) inArea(w http.ResponseWriter, r *http.Request, s *sess) bool {
	area, ok := areaOf(r.URL.Path)
	if !ok {
		return true
	}
	narrow, ok := s.actor.ForArea(area)
	if !ok && r.URL.Path == AdminPrefix+"/" && len(s.actor.ManagedFleets()) > 0 {
		http.Redirect(w, r, AdminPrefix+"/fleets", http.StatusSeeOther) // issue 19: a fleet manager's home
		return false
	}
	if !ok {
		a.renderStatus(w, r, s, http.StatusForbidden, "error", "Not for your role", errorView{
			Message: "Your role does not cover this part of the portal. Ask an administrator if you need it."})
		return false
	}
	s.ctx = volt.NewContextWithActor(s.ctx, narrow)
	return true
}
