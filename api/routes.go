package api

import (
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
)

// Prefix is the path prefix of every versioned route.
const Prefix = "/api/v1"

// routes is THE route table of the API: every operation, its method, path
// and handler. The OpenAPI document is generated from it.
func (s *server) routes() {
	a := s.api
	const get, post, patch, del, put = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete, http.MethodPut

	// Authentication.
	huma.Register(a, s.publicOp(op("createToken", post, "/auth/token", "Log in: exchange email and password for a bearer token", "auth", 200)), s.createToken)
	huma.Register(a, op("revokeToken", post, "/auth/revoke", "Revoke the bearer token of this request", "auth", 204), s.revokeToken)

	// Estate.
	huma.Register(a, op("listCpos", get, "/cpos", "List CPOs", "cpos", 200), s.listCPOs)
	huma.Register(a, op("createCpo", post, "/cpos", "Create a CPO", "cpos", 201), s.createCPO)
	huma.Register(a, op("getCpo", get, "/cpos/{id}", "Get a CPO", "cpos", 200), s.getCPO)
	huma.Register(a, op("updateCpo", patch, "/cpos/{id}", "Update a CPO", "cpos", 200), s.patchCPO)
	huma.Register(a, op("deleteCpo", del, "/cpos/{id}", "Delete a CPO", "cpos", 204), s.deleteCPO)
	huma.Register(a, op("getCpoCertificateAuthority", get, "/cpos/{id}/certificate-authority", "The CPO's own issuing CA for its chargers' certificates (issue 18)", "cpos", 200), s.getCPOAuthority)
	huma.Register(a, op("createCpoCertificateAuthority", post, "/cpos/{id}/certificate-authority", "Generate or import the CPO's own issuing CA (once)", "cpos", 201), s.createCPOAuthority)

	huma.Register(a, op("listOwners", get, "/owners", "List owners", "owners", 200), s.listOwners)
	huma.Register(a, op("createOwner", post, "/owners", "Create an owner", "owners", 201), s.createOwner)
	huma.Register(a, op("getOwner", get, "/owners/{id}", "Get an owner", "owners", 200), s.getOwner)
	huma.Register(a, op("updateOwner", patch, "/owners/{id}", "Update an owner", "owners", 200), s.patchOwner)
	huma.Register(a, op("deleteOwner", del, "/owners/{id}", "Delete an owner", "owners", 204), s.deleteOwner)

	huma.Register(a, op("listHosts", get, "/hosts", "List hosts", "hosts", 200), s.listHosts)
	huma.Register(a, op("createHost", post, "/hosts", "Create a host", "hosts", 201), s.createHost)
	huma.Register(a, op("getHost", get, "/hosts/{id}", "Get a host", "hosts", 200), s.getHost)
	huma.Register(a, op("updateHost", patch, "/hosts/{id}", "Update a host", "hosts", 200), s.patchHost)
	huma.Register(a, op("deleteHost", del, "/hosts/{id}", "Delete a host", "hosts", 204), s.deleteHost)

	huma.Register(a, op("listSites", get, "/sites", "List sites", "sites", 200), s.listSites)
	huma.Register(a, op("createSite", post, "/sites", "Create a site", "sites", 201), s.createSite)
	huma.Register(a, op("getSite", get, "/sites/{id}", "Get a site", "sites", 200), s.getSite)
	huma.Register(a, op("updateSite", patch, "/sites/{id}", "Update a site", "sites", 200), s.patchSite)
	huma.Register(a, op("deleteSite", del, "/sites/{id}", "Delete a site", "sites", 204), s.deleteSite)

	huma.Register(a, op("listChargerGroups", get, "/charger-groups", "List charger groups", "charger-groups", 200), s.listChargerGroups)
	huma.Register(a, op("createChargerGroup", post, "/charger-groups", "Create a charger group", "charger-groups", 201), s.createChargerGroup)
	huma.Register(a, op("getChargerGroup", get, "/charger-groups/{id}", "Get a charger group", "charger-groups", 200), s.getChargerGroup)
	huma.Register(a, op("updateChargerGroup", patch, "/charger-groups/{id}", "Update a charger group", "charger-groups", 200), s.patchChargerGroup)
	huma.Register(a, op("deleteChargerGroup", del, "/charger-groups/{id}", "Delete a charger group", "charger-groups", 204), s.deleteChargerGroup)

	// Chargers, addressed by CPID.
	huma.Register(a, op("listChargers", get, "/chargers", "List chargers", "chargers", 200), s.listChargers)
	huma.Register(a, op("createCharger", post, "/chargers", "Onboard a charger: allocates its CPID and OCPP password (shown once)", "chargers", 201), s.createCharger)
	huma.Register(a, op("getCharger", get, "/chargers/{cpid}", "Get a charger", "chargers", 200), s.getCharger)
	huma.Register(a, op("updateCharger", patch, "/chargers/{cpid}", "Update a charger (name, charger group)", "chargers", 200), s.patchCharger)
	huma.Register(a, op("deleteCharger", del, "/chargers/{cpid}", "Delete a charger", "chargers", 204), s.deleteCharger)
	huma.Register(a, op("updateConnector", patch, "/chargers/{cpid}/connectors/{connectorId}", "Set a connector's type, power type and ratings", "chargers", 200), s.patchConnector)
	huma.Register(a, op("resetChargerPassword", post, "/chargers/{cpid}/password", "Issue a new OCPP password (shown once)", "chargers", 200), s.resetChargerPassword)
	huma.Register(a, op("setChargerPassword", put, "/chargers/{cpid}/password", "Set a chosen OCPP password (16-40 characters, OCPP passwordString), effective at once", "chargers", 204), s.setChargerPassword)
	huma.Register(a, commandOp(op("rotateChargerPassword", post, "/chargers/{cpid}/password/rotate", "Rotate the OCPP password through the charger: the new one counts once the charger accepts it", "chargers", 200)), s.rotateChargerPassword)
	huma.Register(a, op("importChargers", post, "/chargers/import", "Onboard chargers from a CSV file (identity, password, group, model, connectors), all or nothing", "chargers", 201), s.importChargers)
	huma.Register(a, op("listChargerMessages", get, "/chargers/{cpid}/messages", "The charger's OCPP message log, newest first", "chargers", 200), s.chargerMessages)
	huma.Register(a, op("getChargerConfiguration", get, "/chargers/{cpid}/configuration", "The charger's configuration keys as last read", "chargers", 200), s.chargerConfiguration)
	// Security profiles, certificates, security events (issue 18).
	huma.Register(a, op("getChargerSecurity", get, "/chargers/{cpid}/security", "The charger's security profile: minimum, last connection, pending upgrade", "chargers", 200), s.getChargerSecurity)
	huma.Register(a, op("setChargerSecurity", put, "/chargers/{cpid}/security", "Set the minimum security profile the charger may connect with", "chargers", 200), s.putChargerSecurity)
	huma.Register(a, commandOp(op("upgradeChargerSecurity", post, "/chargers/{cpid}/security/upgrade", "Move the charger to security profile 2 or 3 through the charger, rolled back if it does not reconnect with it", "chargers", 200)), s.upgradeChargerSecurity)
	huma.Register(a, op("listChargerCertificates", get, "/chargers/{cpid}/certificates", "Certificates Volt signed for the charger: its client certificates (CSMS CA) and ISO 15118 SECC certificates (V2G CPO sub-CA), by kind", "chargers", 200), s.listChargerCertificates)
	huma.Register(a, op("revokeChargerCertificate", post, "/chargers/{cpid}/certificates/{serial}/revoke", "Revoke a certificate of the charger; a revoked SECC certificate is also deleted from the charger (DeleteCertificate)", "chargers", 204), s.revokeChargerCertificate)
	huma.Register(a, commandOp(op("renewChargerCertificate", post, "/chargers/{cpid}/certificates/renew", "Ask the charger for a new certificate signing request, for its client certificate or (certificateType V2GCertificate) its SECC certificate", "chargers", 200)), s.renewChargerCertificate)
	huma.Register(a, op("listChargerSecurityEvents", get, "/chargers/{cpid}/security-events", "The charger's security events, newest first", "chargers", 200), s.listSecurityEvents)
	huma.Register(a, op("listChargerChargingReports", get, "/chargers/{cpid}/charging-reports", "The reports an OCPP 2.x charger sent (smart charging, EV needs, monitoring, customer information, display messages, firmware publication), as sent, newest first", "chargers", 200), s.chargingReports)
	huma.Register(a, op("getChargerDeviceModel", get, "/chargers/{cpid}/device-model", "An OCPP 2.x charger's device model: every attribute of every variable it reported", "chargers", 200), s.chargerDeviceModel)
	huma.Register(a, commandOp(op("sendChargerCommand", post, "/chargers/{cpid}/commands/{command}", "Send an OCPP command and return the charger's answer", "chargers", 200)), s.sendCommand)

	// People.
	huma.Register(a, op("listUsers", get, "/users", "List users", "users", 200), s.listUsers)
	huma.Register(a, op("createUser", post, "/users", "Create a user", "users", 201), s.createUser)
	huma.Register(a, op("getUser", get, "/users/{id}", "Get a user", "users", 200), s.getUser)
	huma.Register(a, op("updateUser", patch, "/users/{id}", "Update a user", "users", 200), s.patchUser)
	huma.Register(a, op("deleteUser", del, "/users/{id}", "Delete a user", "users", 204), s.deleteUser)
	huma.Register(a, op("setUserPassword", put, "/users/{id}/password", "Set a user's password", "users", 204), s.setPassword)
	huma.Register(a, op("listUserUsergroups", get, "/users/{id}/usergroups", "The usergroups of a user", "users", 200), s.userUsergroups)

	huma.Register(a, op("listUsergroups", get, "/usergroups", "List usergroups", "usergroups", 200), s.listUsergroups)
	huma.Register(a, op("createUsergroup", post, "/usergroups", "Create a usergroup", "usergroups", 201), s.createUsergroup)
	huma.Register(a, op("getUsergroup", get, "/usergroups/{id}", "Get a usergroup", "usergroups", 200), s.getUsergroup)
	huma.Register(a, op("updateUsergroup", patch, "/usergroups/{id}", "Update a usergroup", "usergroups", 200), s.patchUsergroup)
	huma.Register(a, op("deleteUsergroup", del, "/usergroups/{id}", "Delete a usergroup", "usergroups", 204), s.deleteUsergroup)
	huma.Register(a, op("listUsergroupMembers", get, "/usergroups/{id}/members", "List the members of a usergroup", "usergroups", 200), s.listMembers)
	huma.Register(a, op("addUsergroupMember", put, "/usergroups/{id}/members/{userId}", "Add a user to a usergroup", "usergroups", 204), s.addMember)
	huma.Register(a, op("removeUsergroupMember", del, "/usergroups/{id}/members/{userId}", "Remove a user from a usergroup", "usergroups", 204), s.removeMember)

	huma.Register(a, op("listRfidCards", get, "/rfid-cards", "List RFID cards", "rfid-cards", 200), s.listRFIDCards)
	huma.Register(a, op("createRfidCard", post, "/rfid-cards", "Attach an RFID card to a user", "rfid-cards", 201), s.createRFIDCard)
	huma.Register(a, op("getRfidCard", get, "/rfid-cards/{id}", "Get an RFID card", "rfid-cards", 200), s.getRFIDCard)
	huma.Register(a, op("updateRfidCard", patch, "/rfid-cards/{id}", "Update an RFID card (label, blocked, expiry)", "rfid-cards", 200), s.patchRFIDCard)
	huma.Register(a, op("deleteRfidCard", del, "/rfid-cards/{id}", "Delete an RFID card", "rfid-cards", 204), s.deleteRFIDCard)

	huma.Register(a, op("listAffiliateCodes", get, "/affiliate-codes", "List affiliate codes", "affiliate-codes", 200), s.listAffiliateCodes)
	huma.Register(a, op("createAffiliateCode", post, "/affiliate-codes", "Create an affiliate code", "affiliate-codes", 201), s.createAffiliateCode)
	huma.Register(a, op("redeemAffiliateCode", post, "/affiliate-codes/redeem", "Redeem an affiliate code: join its private usergroup", "affiliate-codes", 200), s.redeemAffiliateCode)
	huma.Register(a, op("getAffiliateCode", get, "/affiliate-codes/{id}", "Get an affiliate code", "affiliate-codes", 200), s.getAffiliateCode)
	huma.Register(a, op("deleteAffiliateCode", del, "/affiliate-codes/{id}", "Delete an affiliate code", "affiliate-codes", 204), s.deleteAffiliateCode)

	// Charging.
	huma.Register(a, op("listSessions", get, "/sessions", "List charging sessions", "sessions", 200), s.listSessions)
	huma.Register(a, op("getSession", get, "/sessions/{id}", "Get a charging session", "sessions", 200), s.getSession)
	huma.Register(a, op("listSessionMeterValues", get, "/sessions/{id}/meter-values",
		"Every sampled value of a session, as the charger sent it", "sessions", 200), s.listSessionMeterValues)
	huma.Register(a, op("listCdrs", get, "/cdrs", "List charge detail records", "cdrs", 200), s.listCDRs)
	huma.Register(a, op("getCdr", get, "/cdrs/{id}", "Get a charge detail record", "cdrs", 200), s.getCDR)
	huma.Register(a, s.receiptOp(op("getCdrReceipt", get, "/cdrs/{id}/receipt.pdf", "The driver's receipt of a priced CDR (PDF)", "cdrs", 200)), s.cdrReceipt)
	// Stickers and signage (issue #16 item 7): printable PDFs.
	huma.Register(a, s.signOp(op("getChargerSticker", get, "/chargers/{cpid}/sticker.pdf", "A charger's printable sticker: CPID, QR code of its app page, connectors, helpline (PDF)", "chargers", 200)), s.chargerSticker)
	huma.Register(a, s.signOp(op("getSiteStickers", get, "/sites/{id}/stickers.pdf", "The stickers of a site's chargers on A4 label sheets, 2 x 4 a page (PDF)", "sites", 200)), s.siteStickers)
	huma.Register(a, s.signOp(op("getChargerGroupStickers", get, "/charger-groups/{id}/stickers.pdf", "The stickers of a charger group's chargers on A4 label sheets (PDF)", "charger-groups", 200)), s.chargerGroupStickers)
	huma.Register(a, s.signOp(op("getSitePoster", get, "/sites/{id}/poster.pdf", "A site's signage poster: how to charge, public price incl. VAT, helpline, accessibility (PDF)", "sites", 200)), s.sitePoster)

	s.moneyRoutes()
	s.hostNameRoutes()
	s.terminalRoutes()
	s.reimbursementRoutes()
	s.fleetRoutes() // issue 19
	s.fleetPayoutRoutes()
	s.fleetTelematicsRoutes()
	s.fleetWalletRoutes()
	s.fleetPaymentRoutes() // issue 19
	s.loadManagementRoutes()
	s.smartChargingRoutes()
	s.ocpiRoutes()    // issue 14
	s.webhookRoutes() // issue #17: webhook endpoints and alerts
	s.supportRoutes()
	s.businessRoutes()      // issue 17: socket fees, platform income, reliability, ticket service levels
	s.certificationRoutes() // charger_models.go
	s.hubRoutes()           // hubs.go
	s.invitationRoutes()
	s.installRoutes()
}

// moneyRoutes are tariffs, prices, wallets, payments and income reports.
func (s *server) moneyRoutes() {
	a := s.api
	const get, post, patch, del = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete

	huma.Register(a, op("listTariffs", get, "/tariffs", "List tariffs", "tariffs", 200), s.listTariffs)
	huma.Register(a, op("createTariff", post, "/tariffs", "Create a tariff (decimal strings, VAT included)", "tariffs", 201), s.createTariff)
	huma.Register(a, op("getTariff", get, "/tariffs/{id}", "Get a tariff", "tariffs", 200), s.getTariff)
	huma.Register(a, op("updateTariff", patch, "/tariffs/{id}", "Update a tariff (sessions in progress keep their snapshot)", "tariffs", 200), s.patchTariff)
	huma.Register(a, op("deleteTariff", del, "/tariffs/{id}", "Delete a tariff no charger group uses", "tariffs", 204), s.deleteTariff)
	huma.Register(a, readOnly(op("previewTariff", post, "/tariffs/{id}/preview", "Price an example session with the tariff (changes nothing)", "tariffs", 200)), s.previewTariff)

	huma.Register(a, op("listTariffAssignments", get, "/tariff-assignments", "List tariff assignments (usergroup × charger group)", "tariff-assignments", 200), s.listTariffAssignments)
	huma.Register(a, op("createTariffAssignment", post, "/tariff-assignments", "Apply a tariff to a usergroup (or public) on a charger group", "tariff-assignments", 201), s.createTariffAssignment)
	huma.Register(a, op("deleteTariffAssignment", del, "/tariff-assignments/{id}", "Remove a tariff assignment", "tariff-assignments", 204), s.deleteTariffAssignment)
	huma.Register(a, withErrors(op("getChargerPrice", get, "/chargers/{cpid}/price", "Which tariff applies to a user on the charger, and why", "chargers", 200), http.StatusForbidden), s.chargerPrice)

	huma.Register(a, op("listWallets", get, "/wallets", "A user's wallet (default the caller's)", "wallets", 200), s.listWallets)
	huma.Register(a, op("getWallet", get, "/wallets/{id}", "A wallet (by its user's id) with balance and history", "wallets", 200), s.getWallet)
	huma.Register(a, withErrors(op("topUpWallet", post, "/wallets/{id}/top-ups", "Top up a wallet by card (Idempotency-Key required)", "wallets", 201), http.StatusServiceUnavailable), s.topUpWallet)

	huma.Register(a, withErrors(op("listPayments", get, "/payments", "List payments", "payments", 200), http.StatusNotImplemented), s.listPayments)
	huma.Register(a, op("getPayment", get, "/payments/{id}", "Get a payment", "payments", 200), s.getPayment)
	huma.Register(a, withErrors(op("refundPayment", post, "/payments/{id}/refund", "Refund part or all of a captured payment (support, admin; Idempotency-Key required)", "payments", 200), http.StatusServiceUnavailable), s.refundPayment)
	huma.Register(a, s.publicOp(op("receivePaymentWebhook", post, "/webhooks/{provider}", "A payment provider's signed webhook (raw body, Stripe-Signature)", "payments", 200)), s.receiveWebhook)

	huma.Register(a, withErrors(op("getMoneySettings", get, "/cpos/{id}/money-settings", "A CPO's money settings and the platform's fees (read-only but for super admins)", "cpos", 200), http.StatusNotImplemented), s.getMoneySettings)
	huma.Register(a, withErrors(op("updateMoneySettings", http.MethodPut, "/cpos/{id}/money-settings", "Change a CPO's minimum balance and hold (admins); its platform fees (super admins)", "cpos", 200), http.StatusNotImplemented), s.putMoneySettings)
	huma.Register(a, s.fileOp(op("getIncomeReport", get, "/reports/income", "Income of a CPO, owner or site for a period (JSON, CSV, PDF)", "reports", 200), volt.IncomeReport{}, mediaCSV, mediaPDF), s.incomeReport)
}

// supportRoutes are tickets, the helpline and the audit log.
func (s *server) supportRoutes() {
	a := s.api
	const get, post, patch, del, put = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete, http.MethodPut

	huma.Register(a, op("listTickets", get, "/tickets", "List support tickets", "tickets", 200), s.listTickets)
	huma.Register(a, op("createTicket", post, "/tickets", "Open a support ticket", "tickets", 201), s.createTicket)
	huma.Register(a, op("getTicket", get, "/tickets/{id}", "Get a ticket with its thread", "tickets", 200), s.getTicket)
	huma.Register(a, op("updateTicket", patch, "/tickets/{id}", "Update a ticket (support)", "tickets", 200), s.patchTicket)
	huma.Register(a, op("deleteTicket", del, "/tickets/{id}", "Delete a ticket (admin)", "tickets", 204), s.deleteTicket)
	huma.Register(a, op("setTicketStatus", put, "/tickets/{id}/status", "Change a ticket's status (support)", "tickets", 200), s.setTicketStatus)
	huma.Register(a, op("addTicketMessage", post, "/tickets/{id}/messages", "Add a message or internal note to a ticket", "tickets", 201), s.addTicketMessage)

	huma.Register(a, withErrors(op("helplineSearch", get, "/helpline/search", "Find chargers, cards, drivers and sessions (support console)", "helpline", 200), http.StatusForbidden), s.helplineSearch)
	huma.Register(a, op("listHelplineContacts", get, "/helpline/contacts", "List helpline contacts", "helpline", 200), s.listHelplineContacts)
	huma.Register(a, op("createHelplineContact", post, "/helpline/contacts", "Log a helpline contact with a driver", "helpline", 201), s.recordHelplineContact)

	huma.Register(a, s.fileOp(op("listAuditLog", get, "/audit-log", "The audit log: every change and command (JSON page or CSV export)", "audit-log", 200),
		ListBody[*volt.AuditEntry]{}, mediaCSV), s.auditLog)
}

// op describes one operation with the statuses it may answer.
func op(id, method, path, summary, tag string, status int) huma.Operation {
	errs := []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusNotFound}
	switch method {
	case http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
		errs = append(errs, http.StatusForbidden, http.StatusConflict, http.StatusUnprocessableEntity)
	}
	return huma.Operation{
		OperationID:   id,
		Method:        method,
		Path:          Prefix + path,
		Summary:       summary,
		Tags:          []string{tag},
		DefaultStatus: status,
		MaxBodyBytes:  MaxBodyBytes,
		Errors:        errs,
	}
}

// commandOp completes the command operation: its body (any JSON object) is
// checked against the OCPP schema of the action by ValidateCommand, not by
// huma, and it has the charger outcomes among its errors.
func commandOp(o huma.Operation) huma.Operation {
	o.Errors = append(o.Errors, http.StatusForbidden, http.StatusConflict, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout)
	o.Description = "The body carries the fields of the OCPP request as the specification names them " +
		"(remote-start: {\"connectorId\": 1, \"idTag\": \"04A2B3C4\"}); the answer is the charger's " +
		"response payload verbatim ({\"status\": \"Accepted\"}). A charger without a connection answers " +
		"409 charger_offline, no answer in time 504 charger_timeout, a CALLERROR 502 charger_call_error " +
		"with the CALLERROR in error.details. Requires the command permission on the charger (admin, engineer, support). " +
		commandDoc
	return withErrors(o, http.StatusUnprocessableEntity)
}

// withErrors adds statuses an operation may answer.
func withErrors(o huma.Operation, statuses ...int) huma.Operation {
	for _, st := range statuses {
		if !slices.Contains(o.Errors, st) {
			o.Errors = append(o.Errors, st)
		}
	}
	return o
}

// readOnly marks a POST that changes nothing (a computation): it answers
// the read errors only.
func readOnly(o huma.Operation) huma.Operation {
	o.Errors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusNotFound}
	return o
}

// publicOp marks an operation as served without a bearer token.
func (s *server) publicOp(o huma.Operation) huma.Operation {
	o.Security = []map[string][]string{}
	s.public[o.Method+" "+o.Path] = true
	return o
}
