package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
)

// isoSpec says how to call one operation against a tenant's resources.
type isoSpec struct {
	// body returns the request body aimed at tenant x ("" for none).
	body func(x *tenant) string
	// exempt, when set, says why the operation is not tenant-addressed.
	exempt string
	// platform marks an operation no tenant role may use whatever the
	// target (creating a CPO): 403 for every role but super admin.
	platform bool
	// selfService marks a write a user makes for themself (redeeming an
	// affiliate code): not an estate write, so not refused to staff.
	selfService bool
	// readOnly marks a POST that computes and changes nothing (a price
	// preview): staff may use it.
	readOnly bool
	// query returns the query string ("?q=...") the operation is called
	// with against tenant x; lists add their filters to it.
	query func(x *tenant) string
	// addressed marks a GET without a path id that addresses one tenant's
	// data through its query (an income report): 404 like an id.
	addressed bool
	// header is a request header "Name: value" the operation needs.
	header string
	// unwired reports that the configuration does not serve the operation
	// (a service without the optional interface): it must answer 501.
	unwired func(c Config) bool
	// ownAttempts marks the audit log: the attacks of this very test are
	// recorded in A's log as A's own failed attempts, naming the ids A's
	// users sent and nothing read from B (no before or after). Those
	// entries are allowed; any other entry showing B fails.
	ownAttempts bool
	// binary marks an answer that is not JSON (a PDF): the control checks
	// only its status and type.
	binary bool
}

var uniq atomic.Int64

func n() int64 { return uniq.Add(1) }

func js(format string, args ...any) func(*tenant) string {
	return func(x *tenant) string { return fmt.Sprintf(format, args...) }
}

// isoSpecs has one entry per operation of the API. TestTenantIsolation
// fails for an operation of the OpenAPI document that is missing here, so a
// new endpoint cannot ship without its isolation case.
var isoSpecs = map[string]isoSpec{
	"createToken": {exempt: "public login: addresses no tenant resource"},
	"revokeToken": {exempt: "revokes the caller's own token only"},

	"listCpos":   {},
	"getCpo":     {},
	"createCpo":  {body: js(`{"name":"Evil CPO"}`), platform: true},
	"updateCpo":  {body: js(`{"name":"hacked"}`)},
	"deleteCpo":  {},
	"listOwners": {},
	"getOwner":   {},
	"createOwner": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"cpoId":%q,"name":"evil"}`, x.CPO)
	}},
	"updateOwner": {body: js(`{"name":"hacked"}`)},
	"deleteOwner": {},
	"listHosts":   {},
	"getHost":     {},
	"createHost": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"ownerId":%q,"name":"evil"}`, x.Owner)
	}},
	"updateHost": {body: js(`{"name":"hacked"}`)},
	"deleteHost": {},
	"listSites":  {},
	"getSite":    {},
	"createSite": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"ownerId":%q,"name":"evil"}`, x.Owner)
	}},
	"updateSite":        {body: js(`{"name":"hacked"}`)},
	"deleteSite":        {},
	"listChargerGroups": {},
	"getChargerGroup":   {},
	"createChargerGroup": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"siteId":%q,"name":"evil"}`, x.Site)
	}},
	"updateChargerGroup": {body: js(`{"name":"hacked"}`)},
	"deleteChargerGroup": {},

	"listChargers": {},
	"getCharger":   {},
	"createCharger": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"chargerGroupId":%q}`, x.Group)
	}},
	"updateCharger":           {body: js(`{"name":"hacked"}`)},
	"deleteCharger":           {},
	"resetChargerPassword":    {},
	"setChargerPassword":      {body: js(`{"password":"Attacker-password-0001"}`)},
	"rotateChargerPassword":   {},
	"importChargers":          {exempt: "a batch: a charger group outside the caller's scope is a row error naming it not found (TestImportChargersAPI)"},
	"listChargerMessages":     {},
	"getChargerConfiguration": {},
	"getChargerDeviceModel":   {unwired: func(c Config) bool { _, ok := c.Charging.(volt.DeviceModelService); return !ok }},
	"sendChargerCommand":      {body: js(`{"type":"Soft"}`)},
	// Issue 13: the reports of 2.x chargers.
	"listChargerChargingReports": {unwired: func(c Config) bool { _, ok := c.Charging.(volt.ChargingReportLister); return !ok }},
	// Issue 18: security profiles, certificates, security events.
	"getChargerSecurity":        {},
	"setChargerSecurity":        {body: js(`{"securityProfile":1}`)},
	"upgradeChargerSecurity":    {body: js(`{"securityProfile":2}`)},
	"listChargerCertificates":   {},
	"revokeChargerCertificate":  {body: js(`{"reason":"keyCompromise"}`)},
	"renewChargerCertificate":   {},
	"listChargerSecurityEvents": {},
	"updateConnector":           {body: js(`{"maxPowerW":7000}`)},

	// Issue 18: a CPO's own CA (both tenants have one).
	"getCpoCertificateAuthority":    {},
	"createCpoCertificateAuthority": {},

	"listUsers": {},
	"getUser":   {},
	"createUser": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"email":"evil%d@evil.example","name":"Evil","cpoId":%q}`, n(), x.CPO)
	}},
	"updateUser":         {body: js(`{"name":"hacked"}`)},
	"deleteUser":         {},
	"setUserPassword":    {body: js(`{"password":"hacked password 123"}`)},
	"listUserUsergroups": {},

	"listUsergroups": {},
	"getUsergroup":   {},
	"createUsergroup": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"name":"evil","role":"admin","cpoId":%q}`, x.CPO)
	}},
	"updateUsergroup":       {body: js(`{"name":"hacked"}`)},
	"deleteUsergroup":       {},
	"listUsergroupMembers":  {},
	"addUsergroupMember":    {},
	"removeUsergroupMember": {},

	"listRfidCards": {},
	"getRfidCard":   {},
	"createRfidCard": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"uid":"EVIL%d","userId":%q}`, n(), x.Driver)
	}},
	"updateRfidCard": {body: js(`{"blocked":true}`)},
	"deleteRfidCard": {},

	"listAffiliateCodes": {},
	"getAffiliateCode":   {},
	"createAffiliateCode": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"code":"EVIL%d","usergroupId":%q}`, n(), x.PrivateUgr)
	}},
	"deleteAffiliateCode": {},
	"redeemAffiliateCode": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"code":%q}`, x.AffCode)
	}, selfService: true, exempt: "the code is a bearer secret a CPO hands to drivers: whoever holds it may join " +
		"its usergroup by design, and the request names no id of the tenant"},

	"listSessions":           {},
	"getSession":             {},
	"listSessionMeterValues": {},
	"listCdrs":               {},
	"getCdr":                 {},
	"getCdrReceipt":          {binary: true},
	// Stickers and signage: a charger, site or group of another tenant is 404.
	"getChargerSticker":       {binary: true},
	"getSiteStickers":         {binary: true},
	"getChargerGroupStickers": {binary: true},
	"getSitePoster":           {binary: true},

	"listTariffs": {},
	"getTariff":   {},
	"createTariff": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"cpoId":%q,"name":"evil","vatRate":"0.20","currency":"GBP","energyPricePerKwh":"0.01"}`, x.CPO)
	}},
	"updateTariff":          {body: js(`{"name":"hacked","energyPricePerKwh":"0.01"}`)},
	"deleteTariff":          {},
	"previewTariff":         {body: js(`{"energyWh":10000,"durationMinutes":60}`), readOnly: true},
	"listTariffAssignments": {},
	"createTariffAssignment": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"tariffId":%q,"usergroupId":"public","chargerGroupId":%q}`, x.Tariff, x.Group)
	}},
	"deleteTariffAssignment": {},
	// A driver may price themself on any charger (?userId=<self>): a
	// charger and its price are public, as on its sticker, and anyone may
	// charge on a public group. Without it, B's charger is not found.
	"getChargerPrice": {},

	"listWallets": {query: func(x *tenant) string { return "?userId=" + x.Driver }},
	"getWallet":   {},
	"topUpWallet": {body: js(`{"amount":"5.00","currency":"GBP","card":"4242424242424242"}`), header: "Idempotency-Key: iso-topup",
		selfService: true},
	"listPayments":  {},
	"getPayment":    {},
	"refundPayment": {body: js(`{"amount":"0.01","reason":"isolation"}`), header: "Idempotency-Key: iso-refund"},
	"receivePaymentWebhook": {exempt: "public: authenticated by the provider's signature over the raw body, " +
		"it names no tenant id (see TestWebhook)"},
	"listHostNameClaims":  {},
	"createHostNameClaim": {body: js(`{"hostName":"evil.example.net"}`)},
	"verifyHostNameClaim": {},
	"deleteHostNameClaim": {},
	"getMoneySettings":    {},
	"updateMoneySettings": {body: js(`{"minBalance":"0.00","holdAmount":"1.00","clearFees":true}`)},
	"getIncomeReport": {addressed: true, query: func(x *tenant) string {
		return "?cpoId=" + x.CPO + "&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z"
	}},

	"listTerminals": {},
	"getTerminal":   {},
	"createTerminal": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"chargerCpid":%q,"provider":"evil","serial":"EVIL%d"}`, x.CPID, n())
	}},
	"deleteTerminal": {},
	// A user's token is not a terminal's: taps on B's terminal are not found
	// (the tap itself is the terminal's, see TestTerminalAPI).
	"createTerminalAuthorization": {body: js(`{"cardToken":"4242424242424242"}`), header: "Idempotency-Key: iso-tap"},
	"getTerminalAuthorization":    {},
	"listReimbursementAgreements": {},
	"createReimbursementAgreement": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"ownerId":%q,"userId":%q,"homeChargerCpid":%q,"ratePerKwh":"0.10"}`, x.Owner, x.Driver, x.CPID)
	}},
	"deleteReimbursementAgreement": {},
	"listReimbursementStatements":  {},
	"getReimbursementStatement":    {},
	"getReimbursementStatementPdf": {binary: true},
	// Issue 19: fleets.
	"listVehicles": {},
	"createVehicle": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"fleetId":%q,"driverId":%q,"make":"Evil","model":"E","batteryWh":50000,"registration":"EV1L","vin":"WVWZZZ1JZXW%06d"}`, x.Fleet, x.Driver, n())
	}},
	"getVehicle":                      {},
	"deleteVehicle":                   {},
	"listVehicleTelematics":           {},
	"listReimbursementClaims":         {},
	"getReimbursementClaim":           {},
	"decideReimbursementClaimSession": {body: js(`{"approve":true}`)},
	"approveReimbursementClaim":       {},
	"payReimbursementClaim":           {body: js(`{"method":"wallet"}`)},
	// Issue 19: vehicle edits, the fleet wallet and the monthly invoice.
	"updateVehicle": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"driverId":%q,"make":"Evil","model":"E","batteryWh":50000,"registration":"EV1L","vin":"WVWZZZ1JZXW%06d"}`, x.Driver, n())
	}},
	"listFleets":          {},
	"getFleetWallet":      {},
	"setFleetWallet":      {body: js(`{"enabled":true}`)},
	"listFleetDrivers":    {},
	"setFleetDriverLimit": {body: js(`{"monthlyLimit":0}`)},
	"listFleetCharges":    {},
	"getFleetInvoice":     {},
	// Issue 19: the payment of a fleet invoice (B's fleet: not found).
	"recordFleetInvoicePayment": {body: js(`{"amount":100,"paidOn":"2020-02-01","reference":"ISO-1","method":"bank_transfer"}`)},
	"receiveTelematicsWebhook": {exempt: "public: authenticated by the provider's HMAC over the raw body; it names " +
		"a vehicle by its provider id only and answers how many readings were new (TestTelematicsWebhook)"},
	// Issue 19: the owner's payout choice and the claim statement.
	"getOwnerPayoutSettings":            {},
	"setOwnerPayoutSettings":            {body: js(`{"method":"wallet"}`)},
	"getReimbursementClaimStatementPdf": {binary: true},
	"authorizeVehicleTelematics":        {},
	"getChargeTarget":                   {},
	"setChargeTarget":                   {body: js(`{"percent":50}`), selfService: true}, // the driver's own only
	"removeFleetDriver":                 {},
	"telematicsOAuthCallback": {exempt: "public: the provider's redirect, authenticated by the HMAC-signed state naming " +
		"one vehicle for an hour (TestTelematicsOAuthAPI)"},

	"getSiteLoadManagement": {},
	"getSiteLoad":           {},
	"setSiteLoadManagement": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"mode":"static","supplyLimitA":10,"evses":[{"cpid":%q,"connectorId":1,"maxA":32}]}`, x.CPID)
	}},
	"createSiteMeterReading": {body: js(`{"currentA":[1,2,3]}`)},

	"getChargerGroupSmartCharging": {},
	"setChargerGroupSmartCharging": {body: js(`{"offPeakDefault":true,"randomDelayMaxS":600}`)},
	// The driver's own override or an admin's: B's session is not found
	// for any of A, and staff are refused (TestStaffNeverWrites).
	"chargeSessionNow": {},

	"listTickets": {},
	"getTicket":   {},
	// Anyone may report a problem for themself (not an estate write); a
	// ticket on B's session is not found.
	"createTicket": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"subject":"evil","sessionId":%q}`, x.Session)
	}, selfService: true},
	"updateTicket":         {body: js(`{"priority":"urgent"}`)},
	"deleteTicket":         {},
	"setTicketStatus":      {body: js(`{"status":"closed"}`)},
	"addTicketMessage":     {body: js(`{"body":"evil"}`)},
	"helplineSearch":       {query: func(x *tenant) string { return "?q=" + x.CPID }},
	"listHelplineContacts": {},
	"createHelplineContact": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"channel":"phone","driverContact":"+44 1","summary":"evil","cpid":%q}`, x.CPID)
	}},
	"listAuditLog": {ownAttempts: true},

	// issue 17: socket fees, platform income, reliability, ticket service levels.
	"billSocketFees": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"cpoId":%q,"period":"2020-01"}`, x.CPO)
	}},
	"listSocketFeeStatements": {},
	"getSocketFeeStatement":   {},
	// The platform's own report: outside every tenant's scope (404).
	"getPlatformIncomeReport": {addressed: true, query: func(x *tenant) string {
		return "?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z"
	}},
	"getReliabilityReport":      {addressed: true, query: func(x *tenant) string { return "?cpoId=" + x.CPO + "&month=2020-01" }},
	"listReliabilityExclusions": {},
	"createReliabilityExclusion": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"cpid":%q,"reason":"vandalism","from":"2020-01-02T00:00:00Z","to":"2020-01-03T00:00:00Z","evidence":"evil"}`, x.CPID)
	}},
	"deleteReliabilityExclusion":    {},
	"getTicketServiceLevels":        {},
	"setTicketServiceLevels":        {body: js(`{"levels":[{"priority":"urgent","responseMinutes":1,"resolutionMinutes":2}]}`)},
	"listTicketBreaches":            {},
	"setTicketConnectorInoperative": {body: js(`{"connectorId":1}`)},
	// OCPI roaming (issue 14): B's partners and party are not found.
	"listOcpiPartners": {},
	"getOcpiPartner":   {},
	"createOcpiPartner": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"cpoId":%q,"name":"evil","countryCode":"GB","partyId":"EVL","role":"EMSP"}`, x.CPO)
	}},
	"updateOcpiPartner":   {body: js(`{"suspended":true}`)},
	"deleteOcpiPartner":   {},
	"registerOcpiPartner": {body: js(`{"versionsUrl":"http://127.0.0.1:1/ocpi/versions","token":"evil"}`)},
	"getCpoOcpiParty":     {},
	"setCpoOcpiParty":     {body: js(`{"countryCode":"GB","partyId":"EVL"}`)},
	// The month's reconciliation of B's partner.
	"getOcpiPartnerReconciliation": {query: func(*tenant) string { return "?month=2026-03" }},
	// What B's drivers were billed on partner networks (issue 14).
	"listRoamingBills": {},
	// The charging profiles of B's partner's roaming sessions (issue 14).
	"listOcpiPartnerChargingProfiles":      {},
	"getOcpiPartnerSessionChargingProfile": {},
	"listRoamingDebts":                     {}, // B's driver's debts
	"payRoamingDebts":                      {header: "Idempotency-Key: iso-debt", selfService: true},

	"rotateOcpiPartnerCredentials": {}, // B's partner's tokens are not rotated
	"getRoamingWhitelist":          {}, // B's driver's roaming whitelist
	"setRoamingWhitelist":          {body: js(`{"whitelist":"NEVER"}`)},
	// Webhooks and alerts (issue #17).
	"listWebhookEndpoints": {},
	"getWebhookEndpoint":   {},
	"createWebhookEndpoint": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"cpoId":%q,"url":"https://evil.example.com/","events":["session.started"]}`, x.CPO)
	}},
	"updateWebhookEndpoint": {body: js(`{"description":"hacked"}`)},
	"deleteWebhookEndpoint": {},
	"rotateWebhookSecret":   {},
	"listWebhookDeliveries": {},
	"replayWebhookDelivery": {},
	"listAlerts":            {},
	"getAlert":              {},
	"acknowledgeAlert":      {body: js(`{}`)},
	"resolveAlert":          {},
	"getAlertRules":         {},
	"setAlertRules":         {body: js(`{"faulted":true}`)},
	// Certification and hubs (issue 16 items 4-5). The model catalogue is
	// platform-wide (no tenant data): every operator reads it, only super
	// admins change it.
	"listChargerModels":        {exempt: "the platform-wide catalogue: no tenant data to leak (TestChargerModelsAPI)"},
	"getChargerModel":          {exempt: "the platform-wide catalogue, read by every operator; no tenant data (TestChargerModelsAPI)"},
	"getChargerModelReport":    {exempt: "a catalogue model's test report, platform-wide (TestChargerModelsAPI)"},
	"listChargerModelChargers": {exempt: "a model's chargers filtered to the caller's scope: tenant A never sees B's (TestChargerModelChargersIsolation)"},
	"createChargerModel":       {body: func(*tenant) string { return fmt.Sprintf(`{"vendor":"Evil","model":"M%d"}`, n()) }, platform: true},
	"updateChargerModel":       {body: js(`{"certified":true}`), platform: true},
	"putChargerModelReport": {body: js(`%%PDF-1.4 evil`), platform: true, header: "Content-Type: application/pdf",
		query: func(*tenant) string { return "?fileName=evil.pdf" }},
	"getChargerCertification": {},
	"listHubs":                {},
	"getHub":                  {},
	"createHub": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"chargerGroupId":%q,"sockets":2}`, x.Group)
	}},
	// Issue 16: magic links, the holding area, installers and install jobs.
	"listInvitations": {},
	"getInvitation":   {},
	"createInvitation": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"kind":"owner","cpoId":%q,"email":"evil%d@evil.example"}`, x.CPO, n())
	}},
	"revokeInvitation": {},
	"register": {exempt: "public: authenticated by the link's token alone, a bearer secret; an unknown, used, " +
		"expired or revoked token registers nothing (TestInvitationAPI)"},
	"getMyOnboarding":   {exempt: "the caller's own onboarding only: no id of another tenant can be named"},
	"saveMyOnboarding":  {exempt: "the caller's own onboarding only: no id of another tenant can be named"},
	"listOnboardings":   {},
	"getOnboarding":     {},
	"approveOnboarding": {},
	"rejectOnboarding":  {body: js(`{"reason":"evil"}`)},
	"listInstallers":    {},
	"getInstaller":      {},
	"createInstaller": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"cpoId":%q,"name":"evil"}`, x.CPO)
	}},
	"updateInstaller":         {body: js(`{"name":"hacked"}`)},
	"deleteInstaller":         {},
	"addInstallerEngineer":    {},
	"removeInstallerEngineer": {},
	"listInstallJobs":         {},
	"getInstallJob":           {},
	"createInstallJob": {body: func(x *tenant) string {
		return fmt.Sprintf(`{"chargerGroupId":%q,"installerId":%q,"chargers":[{"model":"evil"}],"startsAt":"2020-01-01T00:00:00Z","endsAt":"2030-01-01T00:00:00Z"}`, x.Group, x.Installer)
	}},
	"updateInstallJob":      {body: js(`{"externalRef":"hacked"}`)},
	"deleteInstallJob":      {},
	"setInstallJobStatus":   {body: js(`{"status":"scheduled"}`)},
	"addInstallJobNote":     {body: js(`{"body":"evil"}`)},
	"uploadInstallJobPhoto": {body: js("\x89PNG\r\n\x1a\nevil"), header: "Content-Type: image/png"},
	"getInstallJobPhoto":    {binary: true},
	"commissionInstallJob":  {},
}

// apiOp is one operation of the OpenAPI document.
type apiOp struct{ ID, Method, Path string }

func (e *env) operations() []apiOp {
	var ops []apiOp
	for path, item := range e.h.(*server).api.OpenAPI().Paths {
		for method, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete} {
			if op != nil {
				ops = append(ops, apiOp{ID: op.OperationID, Method: method, Path: path})
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].ID < ops[j].ID })
	return ops
}

// resolve fills a path template with tenant x's ids.
func resolve(path string, x *tenant) string {
	byResource := map[string]string{
		"cpos": x.CPO, "owners": x.Owner, "hosts": x.Host, "sites": x.Site, "charger-groups": x.Group,
		"users": x.Driver, "usergroups": x.DriverGroup, "rfid-cards": x.Card, "affiliate-codes": x.Affiliate,
		"sessions": x.Session, "cdrs": x.CDR, "tariffs": x.Tariff, "tariff-assignments": x.Assignment,
		"wallets": x.Driver, "payments": x.Payment, "tickets": x.Ticket, "terminals": x.Terminal,
		"reimbursement-agreements": x.Agreement, "reimbursement-statements": x.Statement,
		"socket-fee-statements": x.SocketFees, "reliability-exclusions": x.Exclusion, "ocpi-partners": x.OCPIPartner,
		"webhook-endpoints": x.Webhook, "webhook-deliveries": x.Delivery, "alerts": x.Alert,
		"hubs": x.Hub, "charger-models": x.Model,
		"invitations": x.Invitation, "onboardings": x.Onboarding, "installers": x.Installer, "install-jobs": x.Job,
		"vehicles": x.Vehicle, "reimbursement-claims": x.Claim, "fleets": x.Fleet,
	}
	res := strings.Split(strings.TrimPrefix(path, Prefix+"/"), "/")[0]
	r := strings.NewReplacer("{id}", byResource[res], "{cpid}", x.CPID, "{userId}", x.Driver, "{command}", "reset", "{provider}", "sandbox",
		"{paymentId}", x.TerminalPayment, "{hostName}", x.HostName(), "{connectorId}", "1", "{serial}", isoSerial(x), "{photoId}", x.Photo, "{cdrId}", x.CDR, "{month}", "2020-01",
		"{sessionId}", x.Session)
	return r.Replace(path)
}

// leaks returns the ids of x quoted in body.
func leaks(body []byte, x *tenant) []string {
	var found []string
	for _, id := range append(x.ids(), x.CPID, x.CardUID) {
		if id != "" && strings.Contains(string(body), `"`+id+`"`) {
			found = append(found, id)
		}
	}
	return found
}

func isList(o apiOp) bool { return o.Method == http.MethodGet && !strings.Contains(o.Path, "{") }

// TestTenantIsolation tries every operation as every role of tenant A
// against tenant B: nothing of B may be seen, changed or commanded. A
// resource of B answers 404 (its existence stays hidden); lists answer 200
// without any of B's items; creating a CPO is refused with 403 (platform
// scope, addresses nothing of B). The super admin is the positive control:
// the same reads succeed for it, so the 404s are not from wrong ids.
func TestTenantIsolation(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		e.seedRoamingBills(t)    // issue 14
		e.seedRoamingProfiles(t) // issue 14
		ops := e.operations()
		for _, o := range ops {
			if _, ok := isoSpecs[o.ID]; !ok {
				t.Errorf("operation %s (%s %s) has no isolation case in isoSpecs", o.ID, o.Method, o.Path)
			}
		}
		for _, o := range ops {
			spec := isoSpecs[o.ID]
			if spec.exempt != "" {
				continue
			}
			for _, role := range roles {
				t.Run(o.ID+"/"+role, func(t *testing.T) { e.isolationCase(t, o, spec, role) })
			}
			if o.Method == http.MethodGet {
				t.Run(o.ID+"/super-admin-control", func(t *testing.T) { e.controlCase(t, o, spec) })
			}
		}
		for _, c := range e.cmd.Calls() {
			if c.CPID == e.B.CPID {
				t.Errorf("a command reached tenant B's charger: %+v", c)
			}
		}
		e.checkIntact(t, e.B)
	})
}

func (e *env) isolationCase(t *testing.T, o apiOp, spec isoSpec, role string) {
	token := e.tokens["A/"+role]
	body, query := "", ""
	if spec.body != nil {
		body = spec.body(e.B)
	}
	if spec.query != nil {
		query = spec.query(e.B)
	}
	if spec.unwired != nil && spec.unwired(e.cfg) {
		status, got := e.doH(o.Method, resolve(o.Path, e.B)+query, body, token, spec.header)
		if status != http.StatusNotImplemented {
			t.Errorf("%s %s as %s: status %d, want 501 (not wired): %s", o.Method, o.Path, role, status, got)
		}
		return
	}
	if isList(o) && !spec.addressed {
		sep := "?"
		if query != "" {
			sep = "&"
		}
		for _, q := range []string{query, query + sep + "cpoId=" + e.B.CPO, query + sep + "cpid=" + e.B.CPID, query + sep + "ownerId=" + e.B.Owner} {
			status, got := e.do(o.Method, o.Path+q, "", token)
			if status != http.StatusOK && status != http.StatusForbidden {
				t.Errorf("%s %s%s as %s: status %d: %s", o.Method, o.Path, q, role, status, got)
			}
			if spec.ownAttempts {
				got = withoutOwnAttempts(t, got, e.A)
			}
			if l := leaks(got, e.B); len(l) > 0 {
				t.Errorf("%s %s%s as %s shows tenant B's %v", o.Method, o.Path, q, role, l)
			}
		}
		return
	}
	path := resolve(o.Path, e.B) + query
	status, got := e.doH(o.Method, path, body, token, spec.header)
	want := http.StatusNotFound
	if spec.platform {
		want = http.StatusForbidden
	}
	if status != want {
		t.Errorf("%s %s as A/%s: status %d, want %d: %s", o.Method, path, role, status, want, got)
	}
	if status >= 400 {
		errorShape(t, got)
	}
	if l := leaks(got, e.B); len(l) > 0 && status < 400 {
		t.Errorf("%s %s as %s shows tenant B's %v", o.Method, path, role, l)
	}
}

// withoutOwnAttempts removes from an audit log page the failed attempts of
// tenant x's users that carry no snapshot, failing on any other entry that
// is not x's own.
func withoutOwnAttempts(t *testing.T, body []byte, x *tenant) []byte {
	t.Helper()
	var page struct{ Items []json.RawMessage }
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatalf("audit log page: %v: %s", err, body)
	}
	var kept []json.RawMessage
	for _, raw := range page.Items {
		var e volt.AuditEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		own := strings.HasSuffix(e.ActorEmail, "@"+strings.ToLower(x.Name)+".example")
		if own && e.Outcome == volt.AuditFailed && len(e.Before) == 0 && len(e.After) == 0 {
			continue
		}
		kept = append(kept, raw)
	}
	out, _ := json.Marshal(kept)
	return out
}

// controlCase reads B's resources as the super admin: they exist and show.
func (e *env) controlCase(t *testing.T, o apiOp, spec isoSpec) {
	path := resolve(o.Path, e.B)
	if spec.query != nil {
		path += spec.query(e.B)
	}
	status, got := e.do(o.Method, path, "", e.tokens["super"])
	if spec.unwired != nil && spec.unwired(e.cfg) {
		if status != http.StatusNotImplemented {
			t.Errorf("super admin %s %s: status %d, want 501 (not wired): %s", o.Method, path, status, got)
		}
		return
	}
	if status != http.StatusOK {
		t.Fatalf("super admin %s %s: status %d: %s", o.Method, path, status, got)
	}
	if spec.binary {
		if !strings.HasPrefix(string(got), "%PDF-") && !strings.HasPrefix(string(got), "\x89PNG") {
			t.Errorf("super admin %s %s: not a PDF: %.40q", o.Method, path, got)
		}
		return
	}
	// The configuration has no ids; every other read must show B's.
	if o.ID != "getChargerConfiguration" && o.ID != "getChargerDeviceModel" && len(leaks(got, e.B)) == 0 {
		t.Errorf("super admin %s %s shows nothing of tenant B: %s", o.Method, path, got)
	}
	// A read addressed by id shows that resource, not another.
	if target := strings.TrimPrefix(path, o.Path[:strings.Index(o.Path+"{", "{")]); !isList(o) && spec.query == nil &&
		!strings.Contains(target, "/") && !strings.Contains(string(got), `"`+target+`"`) {
		t.Errorf("super admin %s %s does not show %s: %s", o.Method, path, target, got)
	}
}

// checkIntact reads tenant x as the super admin after the attacks.
func (e *env) checkIntact(t *testing.T, x *tenant) {
	t.Helper()
	for _, c := range []struct{ path, want string }{
		{"/api/v1/cpos/" + x.CPO, `"name":"CPO ` + x.Name + `"`},
		{"/api/v1/owners/" + x.Owner, `"name":"Owner ` + x.Name + `"`},
		{"/api/v1/sites/" + x.Site, `"name":"Site ` + x.Name + `"`},
		{"/api/v1/chargers/" + x.CPID, `"name":"Charger ` + x.Name + `"`},
		{"/api/v1/users/" + x.Driver, `"name":"driver ` + x.Name + `"`},
		{"/api/v1/rfid-cards/" + x.Card, `"blocked":false`},
		{"/api/v1/usergroups/" + x.DriverGroup + "/members", `"` + x.Driver + `"`},
	} {
		status, got := e.do("GET", c.path, "", e.tokens["super"])
		if status != 200 || !strings.Contains(string(got), c.want) {
			t.Errorf("tenant %s changed: GET %s: %d %s (want %s)", x.Name, c.path, status, got, c.want)
		}
	}
}

// TestStaffNeverWrites tries every write operation as the staff roles of
// tenant A on tenant A's own resources: staff read, never write, so a CPO
// staff user (who sees all of A) gets 403 on each; an owner staff user gets
// 403, or 404 where the target is above its owner (the CPO record).
func TestStaffNeverWrites(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		for _, o := range e.operations() {
			spec := isoSpecs[o.ID]
			if o.Method == http.MethodGet || spec.exempt != "" || spec.selfService || spec.readOnly ||
				(spec.unwired != nil && spec.unwired(e.cfg)) {
				continue
			}
			for _, role := range []string{"cpo-staff", "owner-staff"} {
				t.Run(o.ID+"/"+role, func(t *testing.T) {
					body := ""
					if spec.body != nil {
						body = spec.body(e.A)
					}
					path := resolve(o.Path, e.A)
					status, got := e.doH(o.Method, path, body, e.tokens["A/"+role], spec.header)
					ok := status == http.StatusForbidden || (role == "owner-staff" && status == http.StatusNotFound)
					if !ok {
						t.Errorf("%s %s as A/%s: status %d, want 403: %s", o.Method, path, role, status, got)
					}
				})
			}
		}
		e.checkIntact(t, e.A)
	})
}

// TestCrossTenantReferences sends requests aimed at tenant A's own
// resources that reference one of tenant B's ids. Each must fail exactly as
// it does with an id that does not exist (same status, code, field and
// message), so the answer is no oracle for B's ids, and change nothing.
func TestCrossTenantReferences(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		r := e.replacer()
		cases := []struct{ name, method, path, body, bID string }{
			{"move charger into B's group", "PATCH", "/api/v1/chargers/{A.cpid}", `{"chargerGroupId":"{B.group}"}`, "{B.group}"},
			{"add B's driver to A's group", "PUT", "/api/v1/usergroups/{A.driverGroup}/members/{B.driver}", ``, "{B.driver}"},
			{"remove B's driver from A's group", "DELETE", "/api/v1/usergroups/{A.driverGroup}/members/{B.driver}", ``, "{B.driver}"},
			{"host with B's group", "POST", "/api/v1/hosts", `{"ownerId":"{A.owner}","name":"H","chargerGroupIds":["{B.group}"]}`, "{B.group}"},
			{"give A's host B's group", "PATCH", "/api/v1/hosts/{A.host}", `{"chargerGroupIds":["{A.group}","{B.group}"]}`, "{B.group}"},
			{"usergroup over B's owner", "POST", "/api/v1/usergroups", `{"name":"G","role":"admin","cpoId":"{A.cpo}","ownerId":"{B.owner}"}`, "{B.owner}"},
			{"usergroup over B's host", "POST", "/api/v1/usergroups", `{"name":"G","role":"host","cpoId":"{A.cpo}","hostId":"{B.host}"}`, "{B.host}"},
			{"card for B's driver", "POST", "/api/v1/rfid-cards", `{"uid":"XREF01","userId":"{B.driver}"}`, "{B.driver}"},
			{"load management with B's charger", "PUT", "/api/v1/sites/{A.site}/load-management",
				`{"mode":"static","supplyLimitA":32,"evses":[{"cpid":"{B.cpid}","connectorId":1,"maxA":32}]}`, "{B.cpid}"},
			{"load management with B's charger group", "PUT", "/api/v1/sites/{A.site}/load-management",
				`{"mode":"static","supplyLimitA":32,"circuits":[{"id":"bay","limitA":16,"chargerGroupId":"{B.group}"}]}`, "{B.group}"},
			{"load management with B's usergroup", "PUT", "/api/v1/sites/{A.site}/load-management",
				`{"mode":"static","supplyLimitA":32,"priorities":[{"usergroupId":"{B.driverGroup}","priority":1}]}`, "{B.driverGroup}"},
			{"code for B's group", "POST", "/api/v1/affiliate-codes", `{"code":"XREF0001","usergroupId":"{B.privateGroup}"}`, "{B.privateGroup}"},
			{"reimbursement agreement for B's driver", "POST", "/api/v1/reimbursement-agreements",
				`{"ownerId":"{A.owner}","userId":"{B.driver}","homeChargerCpid":"{A.cpid}","ratePerKwh":"0.10"}`, "{B.driver}"},
			// OCPI (issue 14): A's roaming partner limited to B's group, or priced by B's tariff.
			{"A's OCPI partner on B's charger group", "PATCH", "/api/v1/ocpi-partners/{A.ocpiPartner}", `{"chargerGroupIds":["{B.group}"]}`, "{B.group}"},
			{"A's OCPI partner with B's tariff", "PATCH", "/api/v1/ocpi-partners/{A.ocpiPartner}", `{"tariffId":"{B.tariff}"}`, "{B.tariff}"},
			// Issue 19: A's vehicle linked to B's driver; a limit for B's driver in A's fleet.
			{"A's vehicle for B's driver", "PUT", "/api/v1/vehicles/{A.vehicle}",
				`{"driverId":"{B.driver}","make":"Kia","model":"EV6","batteryWh":60000,"registration":"XREF 1","vin":"KNAE1234567890999"}`, "{B.driver}"},
			{"limit of B's driver in A's fleet", "PUT", "/api/v1/fleets/{A.fleet}/drivers/{B.driver}/limit", `{"monthlyLimit":100}`, "{B.driver}"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				bID := r.Replace(c.bID)
				fake := bID[:strings.IndexByte(bID, '_')+1] + "0000000000000000"
				path, body := r.Replace(c.path), r.Replace(c.body)
				status, got := e.do(c.method, path, body, e.tokens["A/cpo-admin"])
				fstatus, fgot := e.do(c.method, strings.ReplaceAll(path, bID, fake), strings.ReplaceAll(body, bID, fake), e.tokens["A/cpo-admin"])
				if status < 400 {
					t.Fatalf("accepted: %d %s", status, got)
				}
				if status != fstatus || strings.ReplaceAll(string(got), bID, fake) != string(fgot) {
					t.Errorf("B's id answers differently from an unknown id:\n B: %d %s\n ?: %d %s", status, got, fstatus, fgot)
				}
				errorShape(t, got)
			})
		}
		e.run(t, []scenario{
			{"members filter on B's group", "GET", "/api/v1/users?usergroupId={B.driverGroup}", ``, "A/cpo-admin", 200, []string{`"total":0`}, []string{"{B.driver}"}},
			{"sessions of B's driver", "GET", "/api/v1/sessions?userId={B.driver}", ``, "A/cpo-admin", 200, []string{`"total":0`}, nil},
		})
		e.checkIntact(t, e.B)
		status, got := e.do("GET", "/api/v1/hosts/"+e.A.Host, "", e.tokens["super"])
		if status != 200 || strings.Contains(string(got), e.B.Group) {
			t.Errorf("A's host after the attempts: %d %s", status, got)
		}
	})
}

// TestForeignMemberIsNotManaged is issue #10 item 1 end to end: a driver of
// tenant B joins tenant A's private usergroup with A's affiliate code. A
// then sees the membership (the id) and nothing of the person, and cannot
// take the account over: no password (the driver's own still works), no
// e-mail change, no card, no wallet, no finding it by e-mail.
func TestForeignMemberIsNotManaged(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := sys()
		u := &volt.User{Email: "roamer@b.example", Name: "Roamer B", Phone: "+44 7999", CPOID: e.B.CPO}
		must(t, e.cfg.Users.CreateUser(ctx, u, testPassword))
		token := e.login(t, u.Email)
		if status, got := e.do("POST", "/api/v1/affiliate-codes/redeem", `{"code":"`+e.A.AffCode+`"}`, token); status != 200 {
			t.Fatalf("redeem A's code: %d %s", status, got)
		}
		admin := e.tokens["A/cpo-admin"]
		status, got := e.do("GET", "/api/v1/users/"+u.ID, "", admin)
		if status != 200 || !strings.Contains(string(got), `"external":true`) {
			t.Errorf("A reads its member: %d %s", status, got)
		}
		for _, secret := range []string{u.Email, u.Name, u.Phone, e.B.CPO} {
			if strings.Contains(string(got), secret) {
				t.Errorf("A reads B's driver's %q: %s", secret, got)
			}
		}
		status, got = e.do("GET", "/api/v1/usergroups/"+e.A.PrivateUgr+"/members", "", admin)
		if status != 200 || !strings.Contains(string(got), u.ID) || strings.Contains(string(got), u.Email) {
			t.Errorf("A's members: %d %s", status, got)
		}
		for _, c := range []struct{ method, path, body string }{
			{"PUT", "/api/v1/users/" + u.ID + "/password", `{"password":"taken over by A 123"}`},
			{"PATCH", "/api/v1/users/" + u.ID, `{"email":"evil@a.example"}`},
			{"PATCH", "/api/v1/users/" + u.ID, `{"disabled":true}`},
			{"DELETE", "/api/v1/users/" + u.ID, ``},
			{"POST", "/api/v1/rfid-cards", `{"uid":"AEVIL0001","userId":"` + u.ID + `"}`},
		} {
			status, got := e.do(c.method, c.path, c.body, admin)
			if status != 403 {
				t.Errorf("%s %s as A's admin: %d, want 403: %s", c.method, c.path, status, got)
			}
			errorShape(t, got)
		}
		for _, p := range []string{"/api/v1/wallets/" + u.ID, "/api/v1/users?email=" + u.Email, "/api/v1/users?q=roamer"} {
			status, got := e.do("GET", p, "", admin)
			if (status == 200 && strings.Contains(string(got), u.ID)) || (status != 404 && status != 200) {
				t.Errorf("GET %s as A's admin: %d %s", p, status, got)
			}
		}
		if status, got := e.do("POST", "/api/v1/auth/token", `{"email":"`+u.Email+`","password":"taken over by A 123"}`, ""); status != 401 {
			t.Errorf("A's password logs in as B's driver: %d %s", status, got)
		}
		e.login(t, u.Email)
		// The home tenant still manages its driver.
		status, got = e.do("PATCH", "/api/v1/users/"+u.ID, `{"phone":"+44 7111"}`, e.tokens["B/cpo-admin"])
		if status != 200 || !strings.Contains(string(got), u.Email) {
			t.Errorf("B manages its own driver: %d %s", status, got)
		}
	})
}

// TestCrossTenantCreates is issue #10 item 5 through the API: what tenant
// A's people create must not reach into tenant B or tell about it. A ticket
// on B's private charger is not found as a wrong CPID; one on B's public
// charger is A's driver's, without B's internal ids; an OCPP identity that
// differs from B's only in case is refused without naming B's charger.
func TestCrossTenantCreates(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := sys()
		g := &volt.ChargerGroup{SiteID: e.B.Site, Name: "B staff only", Private: true}
		must(t, e.cfg.Hierarchy.CreateChargerGroup(ctx, g))
		priv, err := e.cfg.Chargers.CreateCharger(ctx, &volt.Charger{ChargerGroupID: g.ID, Name: "B private", OCPPIdentity: "B-Wallbox-7"}, 1)
		must(t, err)
		driver := e.tokens["A/driver"]
		status, got := e.do("POST", "/api/v1/tickets", `{"subject":"broken","cpid":"`+priv.CPID+`"}`, driver)
		fstatus, fgot := e.do("POST", "/api/v1/tickets", `{"subject":"broken","cpid":"999999"}`, driver)
		if status != 404 || strings.ReplaceAll(string(got), priv.CPID, "999999") != string(fgot) {
			t.Errorf("ticket on B's private charger: %d %s; unknown charger: %d %s", status, got, fstatus, fgot)
		}
		status, got = e.do("POST", "/api/v1/tickets", `{"subject":"broken","cpid":"`+e.B.CPID+`"}`, driver)
		if status != 201 {
			t.Fatalf("ticket on B's public charger: %d %s", status, got)
		}
		if l := leaks(got, e.B); len(l) != 1 || l[0] != e.B.CPID {
			t.Errorf("A's driver's ticket on B's public charger shows B's ids %v: %s", l, got)
		}
		id := jsonField(t, got, "id")
		for _, p := range []string{"/api/v1/tickets/" + id, "/api/v1/tickets"} {
			status, got := e.do("GET", p, "", driver)
			if l := leaks(got, e.B); status != 200 || len(l) != 1 {
				t.Errorf("GET %s as A's driver: %d, B's ids %v: %s", p, status, l, got)
			}
		}
		status, got = e.do("POST", "/api/v1/chargers", `{"chargerGroupId":"`+e.A.Group+`","ocppIdentity":"b-wallbox-7"}`, e.tokens["A/cpo-admin"])
		if status != 409 || !strings.Contains(string(got), "ocppIdentity") || strings.Contains(string(got), priv.CPID) {
			t.Errorf("near-duplicate of B's identity: %d %s", status, got)
		}
		errorShape(t, got)
	})
}

// dnsStub is the DNS the API tests control: TXT records by name.
type dnsStub struct {
	mu  sync.Mutex
	txt map[string][]string
}

// testDNS answers the host name verifications of the API tests.
var testDNS = &dnsStub{txt: map[string][]string{}}

// LookupTXT implements volt.TXTResolver.
func (d *dnsStub) LookupTXT(_ context.Context, name string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if r, ok := d.txt[name]; ok {
		return r, nil
	}
	return nil, fmt.Errorf("lookup %s: no such host", name)
}

func (d *dnsStub) set(name string, values ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.txt[name] = values
}

// TestThemeHostNamesReserved is issue #10 item 2 through the API: the
// platform's host names (localhost, IP literals, the platform's own host)
// are refused in any theme, and a CPO admin adds another name only once it
// is verified for its CPO by DNS.
func TestThemeHostNamesReserved(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		path := "/api/v1/cpos/" + e.A.CPO
		for _, host := range []string{"localhost", "LocalHost:8080", "127.0.0.1", "[::1]", "192.168.1.10", "volt.test"} {
			for _, who := range []string{"A/cpo-admin", "super"} {
				status, got := e.do("PATCH", path, `{"whitelabel":true,"theme":{"hostNames":["`+host+`"]}}`, e.tokens[who])
				if status != 400 || errorShape(t, got).Field != "theme.hostNames" {
					t.Errorf("%s puts %s in A's theme: %d %s", who, host, status, got)
				}
			}
		}
		admin := e.tokens["A/cpo-admin"]
		status, got := e.do("PATCH", path, `{"theme":{"hostNames":["charge.a-net.example"]}}`, admin)
		if status != 422 || errorShape(t, got).Field != "theme.hostNames" {
			t.Errorf("CPO admin adds an unverified name: %d %s", status, got)
		}
		// Claim, publish the TXT record, verify, then the theme takes it.
		status, got = e.do("POST", path+"/host-names", `{"hostName":"Charge.A-Net.example"}`, admin)
		if status != 201 || jsonField(t, got, "txtName") != "_volt-challenge.charge.a-net.example" || strings.Contains(string(got), `"verified":true`) {
			t.Fatalf("claim: %d %s", status, got)
		}
		txt := jsonField(t, got, "txtValue")
		verify := path + "/host-names/charge.a-net.example/verify"
		if status, got := e.do("POST", verify, "", admin); status != 422 {
			t.Errorf("verify before the record is published: %d %s", status, got)
		}
		testDNS.set("_volt-challenge.charge.a-net.example", txt)
		if status, got := e.do("POST", verify, "", e.tokens["B/cpo-admin"]); status != 404 {
			t.Errorf("B verifies A's claim: %d %s", status, got)
		}
		if status, got := e.do("POST", verify, "", admin); status != 200 || !strings.Contains(string(got), `"verified":true`) {
			t.Fatalf("verify: %d %s", status, got)
		}
		if status, got := e.do("PATCH", path, `{"theme":{"hostNames":["charge.a-net.example"]}}`, admin); status != 200 {
			t.Errorf("CPO admin adds its verified name: %d %s", status, got)
		}
		if status, got := e.do("GET", "/api/v1/audit-log?limit=500", "", admin); status != 200 ||
			!strings.Contains(string(got), `"cpo.host-name.verify"`) || !strings.Contains(string(got), `"cpo.host-name.claim"`) {
			t.Errorf("the claim and verification are not in the audit log: %d %.300s", status, got)
		}
		// Another tenant cannot claim it, and is not told whose it is.
		status, got = e.do("POST", "/api/v1/cpos/"+e.B.CPO+"/host-names", `{"hostName":"charge.a-net.example"}`, e.tokens["B/cpo-admin"])
		if status != 409 || len(leaks(got, e.A)) > 0 {
			t.Errorf("B claims A's name: %d %s", status, got)
		}
	})
}

// isoSerial is the serial of the certificate each tenant's charger holds
// (issue 18): hex, from its CPID.
func isoSerial(x *tenant) string { return "c0" + x.CPID }
