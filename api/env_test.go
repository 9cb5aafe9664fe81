package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/audit"
	"github.com/volt-ev/volt/credential"
	"github.com/volt-ev/volt/ocpi"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
	"github.com/volt-ev/volt/telematics"
)

// forEachEnv runs fn with a fresh two-tenant environment per database
// engine (SQLite; PostgreSQL when VOLT_TEST_POSTGRES_URL is set).
func forEachEnv(t *testing.T, fn func(t *testing.T, e *env)) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		fn(t, newEnv(t, db))
	})
}

// newEnv builds tenants A and B on db, logs every role in and serves the API
// over the real services with a fake charger connection.
func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	cmd := &fakeCommander{}
	rec := audit.NewRecorder(store.NewAuditService(db), quietLogger())
	charging := store.NewChargingService(db)
	charging.Pricer = store.NewPricer(db)
	provider := sandbox.New(webhookSecret)
	money := store.NewMoneyService(db, provider)
	hier := store.NewHierarchyService(db)
	ocpiStore := store.NewOCPIService(db) // issue 14
	ocpiServer := &ocpi.Server{Store: ocpiStore, Partners: ocpiStore, Hierarchy: hier, Chargers: store.NewChargerService(db)}
	hier.PlatformHosts, hier.Resolver = []string{"volt.test"}, testDNS
	cfg := Config{
		Hierarchy:         audit.WrapHierarchy(hier, rec),
		HostNames:         audit.WrapHostNames(hier, hier.FindCPOByID, rec),
		Chargers:          store.NewChargerService(db),
		Users:             store.NewUserService(db),
		Charging:          charging,
		Tariffs:           audit.WrapTariffs(store.NewTariffService(db), rec),
		Payments:          money,
		Wallets:           money,
		Reports:           store.NewReportService(db),
		Tickets:           audit.WrapTickets(store.NewTicketService(db), rec),
		Helpline:          audit.WrapHelpline(store.NewHelplineService(db), rec),
		Audit:             store.NewAuditService(db),
		Terminals:         store.NewTerminalService(db, money),
		Reimbursements:    store.NewReimbursementService(db),
		Fleets:            store.NewFleetService(db, telematics.NewSandbox()),
		FleetPayments:     audit.WrapFleetPayments(store.NewFleetService(db), rec),
		TelematicsSecrets: map[string]string{"sandbox": testTelematicsSecret},
		MoneySettings:     money,
		LoadManagement:    store.NewLoadManagementService(db),
		LoadStatus:        fakeLoadStatus{},
		SmartCharging:     store.NewSmartChargingService(db),
		SocketFees:        store.NewSocketFeeService(db),
		Reliability:       store.NewReliabilityService(db),
		TicketSLA:         store.NewTicketSLAService(db),
		OCPIPartners:      ocpiStore,
		OCPIReconciler:    ocpiStore,
		RoamingBills:      ocpiStore,
		RoamingDebts:      money,
		RoamingWhitelists: ocpiStore, // issue 14 item 4
		OCPIRegistrar:     ocpiServer,
		RoamingProfiles:   ocpiServer, // issue 14: charging profiles of roaming sessions
		Webhooks:          store.NewWebhookService(db),
		Alerts:            store.NewAlertService(db),
		Security:          store.NewSecurityService(db),
		CPOAuthorities:    testCPOCAs{store.NewCPOAuthorityStore(db)}, // issue 18
		Certification:     store.NewCertificationService(db),
		Hubs:              store.NewHubService(db),
		Invitations:       store.NewInvitationService(db),
		Installs:          store.NewInstallJobService(db),
		Commander:         cmd,
		Commands:          func(n string) (string, bool) { v, ok := testCommands[n]; return v, ok },
		ValidateCommand:   func(string, json.RawMessage) error { return nil },
		Logger:            quietLogger(),
	}
	cfg.Auth = store.NewAuthService(db)
	cfg.Credentials = store.NewChargerService(db)
	cfg.Rotator = &credential.Rotator{Chargers: cfg.Chargers, Credentials: cfg.Credentials, Commander: cmd}
	e := &env{db: db, cfg: cfg, cmd: cmd, provider: provider, tokens: map[string]string{}}
	e.A = buildTenant(t, cfg, "A")
	e.B = buildTenant(t, cfg, "B")
	for _, x := range []*tenant{e.A, e.B} {
		buildBusiness(t, cfg, db, x)
		buildFleetCharge(t, db, x) // issue 19
	}
	buildWebhooksAndAlerts(t, db, cfg, e.A)
	buildWebhooksAndAlerts(t, db, cfg, e.B)
	for _, x := range []*tenant{e.A, e.B} { // issue 18: a certificate and a security event each
		now := time.Now()
		must(t, cfg.Security.RecordCertificate(sys(), volt.ChargerCertificate{Serial: isoSerial(x), CPID: x.CPID, Identity: x.CPID,
			NotBefore: now, NotAfter: now.AddDate(1, 0, 0), ChainPEM: "pem", IssuedAt: now}))
		_, err := cfg.Security.RecordSecurityEvent(sys(), volt.SecurityEvent{CPID: x.CPID, Type: "StartupOfTheDevice", At: now, ReceivedAt: now})
		must(t, err)
		// issue 13: a charging report each.
		must(t, charging.RecordChargingReport(sys(), &volt.ChargingReport{CPID: x.CPID, EVSEID: 1, Kind: volt.ReportChargingLimit,
			Payload: json.RawMessage(`{"evseId":1,"chargingLimit":{"chargingLimitSource":"SO"}}`), ReceivedAt: now}))
	}
	for _, x := range []*tenant{e.A, e.B} { // issue 18: a CA per CPO
		_, err := cfg.CPOAuthorities.CreateCPOAuthority(sys(), x.CPO, "", "")
		must(t, err)
	}
	super := &volt.User{Email: "root@volt.example", Name: "Root", SuperAdmin: true}
	must(t, cfg.Users.CreateUser(sys(), super, testPassword))
	e.h = New(cfg)
	e.tokens["super"] = e.login(t, super.Email)
	for _, x := range []*tenant{e.A, e.B} {
		for _, role := range roles {
			e.tokens[x.Name+"/"+role] = e.login(t, fmt.Sprintf("%s@%s.example", role, strings.ToLower(x.Name)))
		}
	}
	return e
}

// login gets a bearer token through POST /api/v1/auth/token.
func (e *env) login(t *testing.T, email string) string {
	t.Helper()
	status, body := e.do("POST", "/api/v1/auth/token", fmt.Sprintf(`{"email":%q,"password":%q}`, email, testPassword), "")
	if status != 200 {
		t.Fatalf("login %s: %d %s", email, status, body)
	}
	if jsonField(t, body, "expiresAt") == "" {
		t.Fatalf("login answer without expiresAt: %s", body)
	}
	return jsonField(t, body, "token")
}
