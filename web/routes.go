package web

import (
	"net/http"
	"strconv"
)

// routes is the portal's one route table.
func (a *Admin) routes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/login", a.public(a.loginForm))
	m.HandleFunc("POST "+p+"/login", a.public(a.loginSubmit))
	m.HandleFunc("POST "+p+"/logout", a.auth(a.logout))
	m.HandleFunc("GET "+p+"/password", a.auth(a.firstPasswordForm))
	m.HandleFunc("POST "+p+"/password", a.auth(a.firstPasswordSubmit))
	m.HandleFunc("GET "+p+"/reset", a.public(a.resetRequestForm))
	m.HandleFunc("POST "+p+"/reset", a.public(a.resetRequestSubmit))
	m.HandleFunc("GET "+p+"/reset/{token}", a.public(a.resetForm))
	m.HandleFunc("POST "+p+"/reset/{token}", a.public(a.resetSubmit))

	m.HandleFunc("GET "+p+"/{$}", a.auth(a.dashboard))
	m.HandleFunc("GET "+p+"/dashboard/energy", a.auth(a.dashboardEnergy))
	m.HandleFunc("GET "+p+"/live", a.auth(a.liveChanges))
	m.HandleFunc("GET "+p+"/network", a.auth(a.network))

	m.HandleFunc("GET "+p+"/chargers", a.auth(a.chargerList))
	m.HandleFunc("GET "+p+"/chargers/new", a.auth(a.onboardForm))
	m.HandleFunc("GET "+p+"/chargers/import", a.auth(a.importForm))
	m.HandleFunc("POST "+p+"/chargers/import", a.auth(a.importSubmit))
	m.HandleFunc("POST "+p+"/chargers", a.auth(a.onboardSubmit))
	m.HandleFunc("GET "+p+"/chargers/{cpid}", a.auth(a.chargerDetail))
	m.HandleFunc("POST "+p+"/chargers/{cpid}", a.auth(a.chargerUpdate))
	m.HandleFunc("POST "+p+"/chargers/{cpid}/delete", a.auth(a.chargerDelete))
	m.HandleFunc("POST "+p+"/chargers/{cpid}/password", a.auth(a.chargerPassword))
	m.HandleFunc("POST "+p+"/chargers/{cpid}/password/rotate", a.auth(a.chargerRotate))
	m.HandleFunc("POST "+p+"/chargers/{cpid}/password/set", a.auth(a.chargerSetPassword))
	m.HandleFunc("GET "+p+"/chargers/{cpid}/credentials", a.auth(a.chargerCredentials))
	m.HandleFunc("POST "+p+"/chargers/{cpid}/connectors/{n}", a.auth(a.connectorUpdate))
	m.HandleFunc("GET "+p+"/chargers/{cpid}/events", a.auth(a.chargerEvents))
	m.HandleFunc("GET "+p+"/chargers/{cpid}/frames", a.auth(a.chargerFrames))
	m.HandleFunc("POST "+p+"/chargers/{cpid}/commands/{command}", a.auth(a.chargerCommand))

	a.estateRoutes()
	a.hostNameRoutes()
	a.peopleRoutes()

	m.HandleFunc("GET "+p+"/sessions", a.auth(a.sessionList))
	m.HandleFunc("GET "+p+"/cdrs", a.auth(a.cdrList))
	a.sessionDetailRoutes()

	a.moneyRoutes()
	a.moneyPageRoutes()
	a.businessRoutes() // issue 17
	a.supportRoutes()
	a.jobRoutes()
	a.loadRoutes()
	a.securityRoutes() // issue 18
	a.cpoCARoutes()    // issue 18
	a.signageRoutes()
	a.webhookRoutes()     // issue #17: webhooks and alerts
	a.ocpiPartnerRoutes() // issue 14
	a.alertRoutes()
	a.certificationRoutes()  // charger_models.go
	a.fieldOpsPublicRoutes() // issue 16: magic links, holding area, installers, install jobs
	a.invitationRoutes()
	a.installRoutes()
	a.fleetRoutes() // issue 19
	m.HandleFunc(p+"/", a.auth(func(w http.ResponseWriter, r *http.Request, s *sess) {
		a.renderStatus(w, r, s, http.StatusNotFound, "error", "Not found", errorView{Message: "There is no page at this address."})
	}))
}

func itoa(n int) string { return strconv.Itoa(n) }

// formInt reads an integer form or query value; def when absent or invalid.
func formInt(r *http.Request, name string, def int) int {
	v := r.FormValue(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return def
	}
	return n
}
