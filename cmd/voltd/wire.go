package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/api"
	"github.com/volt-ev/volt/audit"
	"github.com/volt-ev/volt/certify"
	"github.com/volt-ev/volt/credential"
	"github.com/volt-ev/volt/gateway"
	"github.com/volt-ev/volt/guard"
	"github.com/volt-ev/volt/lms"
	"github.com/volt-ev/volt/mail"
	"github.com/volt-ev/volt/ocpi"
	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/payment/sandbox"
	"github.com/volt-ev/volt/payment/stripe"
	"github.com/volt-ev/volt/realip"
	"github.com/volt-ev/volt/remotestart"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/telematics"
	"github.com/volt-ev/volt/web"
	"github.com/volt-ev/volt/web/app"
)

// wire builds the services on the database and mounts every surface on mux:
// OCPP websockets, the REST API, the Admin Portal and the Driver Web App.
// Every service an operator or driver can change through is wrapped by the
// audit recorder, so the API and the portal are audited without knowing it.
func (m *Main) wire(ctx context.Context, mux *http.ServeMux, secret []byte) error {
	proxies, err := realip.Parse(m.Config.TrustedProxies)
	if err != nil {
		return fmt.Errorf("VOLT_TRUSTED_PROXIES: %w", err)
	}
	charging := store.NewChargingService(m.DB)
	charging.Pricer = store.NewPricer(m.DB)
	// Concurrent MeterValues share commits (each caller still waits for its
	// own): +56 % MeterValues/s on SQLite under flood (BENCHMARKS.md F2).
	stopBatching := charging.StartMeterBatching(4, 64)
	m.onClose(func(context.Context) error { stopBatching(); return nil })
	stopHeartbeats := charging.StartHeartbeatBatching(time.Second) // issue 12 item 8: heartbeats off the writer queue
	m.onClose(func(context.Context) error { stopHeartbeats(); return nil })
	money := store.NewMoneyService(m.DB, m.paymentProvider(secret))
	charging.Gate = money // starts on credit need the CPO's minimum, else a card hold
	terminals := store.NewTerminalService(m.DB, money)
	reimbursements := store.NewReimbursementService(m.DB)
	telematicsHTTP := m.Config.TelematicsHTTP.provider(m.Config.PublicURL, store.NewTelematicsTokens(m.DB))
	fleets := store.NewFleetService(m.DB, telematicsProviders(telematics.NewSandbox(), telematicsHTTP)...) // issue 19
	fleets.Bacs = m.Config.BacsCalendar
	loadMgmt := lms.Notifying(store.NewLoadManagementService(m.DB), m.Bus)
	rec := audit.NewRecorder(store.NewAuditService(m.DB), m.Logger.With("component", "audit"))
	fleetPayments := audit.WrapFleetPayments(fleets, rec) // issue 19
	// Issue 17: socket fees (item 1), reliability (item 3), ticket service levels (item 7).
	socketFees := audit.WrapSocketFees(store.NewSocketFeeService(m.DB), rec)
	reliability := audit.WrapReliability(store.NewReliabilityService(m.DB), rec)
	ticketSLA := audit.WrapTicketSLA(store.NewTicketSLAService(m.DB), rec)
	chargerStore := store.NewChargerService(m.DB)
	chargers := audit.WrapChargers(chargerStore, rec)
	credentials := audit.WrapCredentials(chargerStore, chargers, rec)
	hierarchy := store.NewHierarchyService(m.DB)
	hierarchy.PlatformHosts, hierarchy.Resolver = m.platformHosts(), net.DefaultResolver // host names: issue #10 item 2
	hostNames := audit.WrapHostNames(hierarchy, hierarchy.FindCPOByID, rec)
	webhooks, alerts := store.NewWebhookService(m.DB), store.NewAlertService(m.DB) // issue #17
	m.Services = Services{
		Hierarchy: audit.WrapHierarchy(hierarchy, rec),
		Chargers:  chargers,
		Users:     audit.WrapUsers(store.NewUserService(m.DB), rec),
		Auth:      store.NewAuthService(m.DB),
		Charging:  charging,
		Tariffs:   audit.WrapTariffs(store.NewTariffService(m.DB), rec),
		Money:     money,
		Reports:   store.NewReportService(m.reportsDB(ctx)),
		Tickets:   audit.WrapTickets(store.NewTicketService(m.DB), rec),
		Helpline:  audit.WrapHelpline(store.NewHelplineService(m.DB), rec),
		Audit:     rec,
	}
	s := &m.Services
	invitations, installs := m.fieldOps(ctx, rec) // issue 16: magic links, holding area, install jobs

	var guarded *guard.Guard // set below: it stops sessions through the gateway
	var loadStatus *lms.Manager
	security := &securityEndpoint{SecurityService: store.NewSecurityService(m.DB), url: m.secureOCPPURL} // issue 18
	contracts, err := m.contractProvider()
	if err == nil {
		contracts, err = m.withPnCPool(contracts) // issue 18: installations to the pool over HTTPS
	}
	if err != nil {
		return err
	}
	v2gCA, err := m.v2gAuthority()
	if err != nil {
		return err
	}
	cpoCAs := newCPOCAs(m.DB, security.SecurityService, m.Config.SecretKey) // issue 18: a CA per CPO
	gridMeter := &lms.GridMeter{Sites: loadMgmt, Recorder: loadMgmt, Logger: m.Logger.With("component", "lms-grid-meter")}
	hubs := store.NewHubService(m.DB) // issue 16 item 5: the gateway routes hub sockets
	gw := gateway.New(gateway.Config{
		Hubs:              hubs,
		Charging:          charging,
		Reservations:      charging,
		Bus:               m.Bus,
		Logger:            m.Logger.With("component", "gateway"),
		HeartbeatInterval: m.Config.Heartbeat,
		CallTimeout:       m.Config.CallTimeout,
		MaxAuthenticating: m.Config.MaxAuthenticating,
		AuthQueueWait:     m.Config.AuthQueueWait,
		Security:          security,
		Authority:         m.authority(ctx, security.SecurityService),
		Contracts:         contracts,
		V2G:               v2gCA,
		CPOAuthorities:    cpoCAs,
		AfterMeterValues: func(ctx context.Context, sess *volt.Session) {
			if guarded != nil {
				guarded.AfterMeterValues(ctx, sess)
			}
		},
		// A grid meter on a charger's connector 0 feeds load management.
		AfterMeterReport: func(ctx context.Context, r volt.MeterReport) {
			gridMeter.AfterMeterReport(ctx, r)
			if loadStatus != nil {
				loadStatus.AfterMeterReport(ctx, r)
			}
		},
	})
	m.gateway = gw
	m.startSecurityLoop(security, gw)
	// Revocations and CPO CAs made through the API and the portal are audited.
	auditedSecurity := audit.WrapSecurity(security, chargers, rec)
	auditedCPOCAs := audit.WrapCPOAuthorities(cpoCAs, rec)
	var commander volt.ChargerCommander = gw
	if m.Node == nil { // issue 12: a lone node's predecessor recorded no disconnections
		if err := m.closeLostConnections(ctx, charging); err != nil {
			return fmt.Errorf("close lost connections: %w", err)
		}
	}
	if m.Node != nil { // many nodes: commands reach the charger's node
		m.Node.OnNodeDead = m.nodeLost(charging)
		m.startLostConnectionSweep(ctx, charging)
		if err := m.Node.Attach(gw); err != nil {
			return fmt.Errorf("cluster commands: %w", err)
		}
		commander = m.Node
	}
	s.Commander = audit.WrapCommander(commander, chargers, rec)
	// Password rotation: switch to a new charger password only once the
	// charger accepts it (issue #10 item 9).
	rotator := &credential.Rotator{Chargers: chargers, Credentials: credentials, Commander: s.Commander, Timeout: m.Config.CallTimeout}
	// A remote start that waits for its session (or why none started),
	// from the bus's events.
	starter := &remotestart.Starter{Commander: s.Commander, Bus: m.Bus, Configuration: charging.FindConfiguration, CallTimeout: m.Config.CallTimeout}
	// Certifying a model wakes its chargers held Pending (issue 16 item 4).
	certStore := store.NewCertificationService(m.DB)
	certStore.CheckRelaxations = func(names []string) error { _, err := ocpp.ParseRelaxations(names); return err }
	certification := certify.New(audit.WrapCertification(certStore, rec), s.Commander, m.Logger.With("component", "certify"))
	guarded = guard.New(guard.Config{Wallets: money, Limits: store.NewFleetLimits(m.DB, charging), Commander: s.Commander, // issue 19: charge targets
		Logger: m.Logger.With("component", "guard"), CallTimeout: m.Config.CallTimeout})
	m.onClose(func(context.Context) error { return guarded.Close() })
	loadStatus = m.startLoadManagement(ctx, loadMgmt, store.NewChargerService(m.DB), charging, commander) // routed on a cluster
	m.Registry.MustRegister(gw.Collectors()...)
	m.onClose(gw.Shutdown)
	mux.Handle("GET /ocpp/{identity}", gw)
	ocpiStore := store.NewOCPIService(m.DB)
	// issue 14: a roaming CDR the wallet cannot cover goes on the card on file
	ocpiStore.Cards = money
	ocpiServer := m.wireOCPI(ctx, mux, ocpiStore, charging, s.Commander) // issue 14
	followLimits(loadStatus, ocpiServer)                                 // issue 14: eMSPs' active charging profiles
	ocpiServer.Audit = rec                                               // a partner's own handshakes, rotations, unregistering
	ocpiPartners := audit.WrapOCPIPartners(ocpiStore, rec)
	ocpiRegistrar := audit.WrapOCPIRegistrar(ocpiServer, ocpiStore.FindOCPIPartnerByID, rec)
	roamingWhitelists := audit.WrapRoamingWhitelists(ocpiStore, rec)
	// eMSPs are asked about their NEVER/ALLOWED tokens (set before serving).
	charging.RealTime = &ocpi.RealTimeAuth{Server: ocpiServer}

	mux.Handle("/api/", audit.Middleware(volt.AuditSourceAPI, false)(api.New(api.Config{
		Hierarchy: s.Hierarchy,
		Chargers:  s.Chargers,
		Users:     s.Users,
		Auth:      s.Auth,
		Charging:  charging,
		Commander: s.Commander,
		Commands:  gateway.CommandAction,
		Tariffs:   s.Tariffs,
		Payments:  money,
		Wallets:   money,
		Reports:   s.Reports,
		Tickets:   s.Tickets,
		Helpline:  s.Helpline,
		Audit:     store.NewAuditService(m.DB),
		// Chosen passwords, imports and rotation through the charger.
		Credentials:   credentials,
		Rotator:       rotator,
		RemoteStarter: starter,
		// Contactless terminals authenticate with their own API keys.
		Terminals:      terminals,
		Reimbursements: reimbursements,
		MoneySettings:  money,
		HostNames:      hostNames,
		LoadManagement: loadMgmt,
		LoadStatus:     loadStatus,
		Security:       auditedSecurity,    // issue 18
		CPOAuthorities: auditedCPOCAs,      // issue 18
		PublicURL:      m.Config.PublicURL, // QR codes on stickers and posters
		SmartCharging:  store.NewSmartChargingService(m.DB),
		SocketFees:     socketFees,
		Reliability:    reliability,
		TicketSLA:      ticketSLA,
		OCPIPartners:   ocpiPartners,
		OCPIRegistrar:  ocpiRegistrar,
		OCPIReconciler: ocpiStore, // issue 14
		RoamingBills:   ocpiStore, // issue 14
		RoamingDebts:   money,     // issue 14: a driver's roaming debts, "pay what you owe"
		Webhooks:       webhooks,
		Alerts:         alerts,
		Certification:  certification,
		Hubs:           audit.WrapHubs(hubs, rec),
		Invitations:    invitations,
		Installs:       installs,
		Logger:         m.Logger.With("component", "api"),
		Version:        Version,
		ClientAddr:     proxies.ClientAddr,

		// Issue 19: vehicles, claims, the sandbox provider's signed webhook.
		Fleets:            fleets,
		TelematicsSecrets: m.telematicsSecrets(),
		TelematicsOAuth:   telematicsOAuth(telematicsHTTP),
		FleetPayments:     fleetPayments, // issue 19: paying the fleet invoice, audited

		RoamingWhitelists: roamingWhitelists, // issue 14: drivers' roaming whitelists, audited
		RoamingProfiles:   ocpiServer,        // issue 14: charging profiles of roaming sessions
	})))

	mux.Handle("/admin/", audit.Middleware(volt.AuditSourcePortal, false)(web.NewAdmin(web.AdminConfig{
		Hierarchy: s.Hierarchy,
		Chargers:  s.Chargers,
		Users:     s.Users,
		Auth:      s.Auth,
		Charging:  charging,
		Tariffs:   s.Tariffs,
		Reports:   s.Reports,
		Audit:     store.NewAuditService(m.DB),
		Tickets:   s.Tickets,
		Helpline:  s.Helpline,
		Payments:  money,
		Commander: s.Commander,
		Commands:  gateway.CommandAction,
		Bus:       m.Bus,
		Logger:    m.Logger.With("component", "admin"),
		SecretKey: secret,
		SMTP:      m.smtpConfig(),
		BaseURL:   m.Config.PublicURL,
		OCPPURL:   m.ocppURL(),
		TileURL:   m.Config.TileURL,
		// Password rotation and chosen passwords on the charger page, CSV import;
		// "Start charging" waits for the session or the reason none started.
		Credentials:   credentials,
		Rotator:       rotator,
		RemoteStarter: starter,
		// Money pages: fees and settings, wallets, terminals, reimbursements.
		MoneySettings:  money,
		HostNames:      hostNames,
		Wallets:        money,
		Terminals:      terminals,
		Reimbursements: reimbursements,
		ClientAddr:     proxies.ClientAddr,
		// The site energy page: load management model, meter, allocation.
		LoadManagement: loadMgmt,
		Certification:  certification, // charger models, certifying wakes Pending chargers
		LoadStatus:     loadStatus,
		SmartCharging:  store.NewSmartChargingService(m.DB), // a group's peak windows and random delay
		// Issue 17: socket fees, reliability, ticket service levels.
		SocketFees:  socketFees,
		Reliability: reliability,
		TicketSLA:   ticketSLA,
		Webhooks:    webhooks, // issue #17: webhooks pages, alerts page and dashboard panel
		Alerts:      alerts,
		Security:    auditedSecurity, // a charger's security page (issue 18)
		// A CPO's certificate authority page (issue 18).
		CPOAuthorities: auditedCPOCAs,

		// Issue 19: the fleet pages (vehicles, readings, claims, wallet, invoices).
		Fleets:        fleets,
		FleetBilling:  fleets,
		FleetPayments: fleetPayments,

		OCPIPartners:      ocpiPartners, // issue 14: OCPI partners pages
		OCPIRegistrar:     ocpiRegistrar,
		OCPIReconciler:    ocpiStore,
		RoamingWhitelists: roamingWhitelists,
		RoamingBills:      ocpiStore,  // issue 14: drivers' roaming bills and debts
		RoamingProfiles:   ocpiServer, // issue 14: charging profiles of roaming sessions
	})))
	driverApp := app.New(app.Config{
		Hierarchy: s.Hierarchy,
		Chargers:  s.Chargers,
		Users:     s.Users,
		Auth:      s.Auth,
		Charging:  charging,
		Tariffs:   s.Tariffs,
		Payments:  money,
		Wallets:   money,
		Limits:    charging,
		Commander: s.Commander,
		// The account page lists home reimbursement statements.
		Reimbursements:  reimbursements,
		LoadStatus:      loadStatus,  // "limited/queued and why" on the session page
		Reliability:     reliability, // the site's public figure on the charger page (issue 17)
		SmartCharging:   store.NewSmartChargingService(m.DB),
		Roaming:         ocpiServer,                                                                               // partner networks' chargers (issue 14)
		RoamingCharging: &ocpi.AppRoaming{Server: ocpiServer, Apps: ocpiStore, Users: store.NewUserService(m.DB)}, // start and stop there
		// Issue 14: what the driver owes partner networks, "Pay what you owe".
		RoamingDebts: money,
		// Issue 19: the driver's charge target control.
		ChargeTargets: fleets,
		// Issue 19: the driver's company car and home charging claims.
		Fleets: fleets,
		// Guests' receipts go out from startSettlement once captured.
		ReceiptsBySettlement: true,
		Bus:                  m.Bus,
		Logger:               m.Logger.With("component", "app"),
		Tickets:              s.Tickets,
		SendMail:             m.mailer().Send,
		SecretKey:            secret,
		TileURL:              m.Config.TileURL,
		LeafletJS:            web.AssetPath("vendor/leaflet/leaflet.js"),
		LeafletCSS:           web.AssetPath("vendor/leaflet/leaflet.css"),
		ChartJS:              web.AssetPath("session.js"), // the portal's session chart, same files
		UPlotJS:              web.AssetPath("vendor/uplot/uplot.min.js"),
		UPlotCSS:             web.AssetPath("vendor/uplot/uplot.min.css"),
		ClientAddr:           proxies.ClientAddr,
		PublicURL:            m.Config.PublicURL, // links in guests' e-mails
	})
	m.receiptMail = driverApp.ReceiptMail
	mux.Handle("/app/", audit.Middleware(volt.AuditSourceApp, false)(driverApp))
	mux.Handle("/static/", web.Static())
	mux.Handle("GET /{$}", driverApp.Root(web.RootRedirect())) // a brand's host opens the driver app

	m.startRetention(ctx, charging)
	m.startSettlement(ctx, money)
	m.startReimbursements(ctx, reimbursements)
	m.startClaims(ctx, fleets) // issue 19
	if telematicsHTTP != nil {
		m.startTelematicsPoll(ctx, &telematics.Poller{Provider: telematicsHTTP, Fleet: fleets, Interval: m.Config.TelematicsHTTP.PollInterval})
	}
	m.startSocketFees(ctx, socketFees)
	m.startAlerts(ctx, alerts)
	return m.startWebhooks(ctx, webhooks)
}

// paymentProvider is Stripe when VOLT_STRIPE_SECRET_KEY is set, else the
// built-in sandbox (demo and tests; its test cards are documented in
// payment/sandbox).
func (m *Main) paymentProvider(secret []byte) volt.PaymentProvider {
	if m.Config.StripeKey != "" {
		return stripe.New(stripe.Config{APIKey: m.Config.StripeKey, WebhookSecret: m.Config.StripeWebhookSecret, URL: m.Config.StripeURL})
	}
	m.Logger.Warn("VOLT_STRIPE_SECRET_KEY not set: payments use the sandbox provider, no real money moves")
	return sandbox.New(string(secret))
}

// ocppURL returns the base websocket URL shown at onboarding: from
// VOLT_PUBLIC_URL when set, else from the request (nil).
func (m *Main) ocppURL() func(*http.Request) string {
	pub := strings.TrimRight(m.Config.PublicURL, "/")
	if pub == "" {
		return nil
	}
	ws := "ws" + strings.TrimPrefix(pub, "http")
	return func(*http.Request) string { return ws + "/ocpp" }
}

// mailer sends e-mail through VOLT_SMTP_ADDR, or logs it when unset.
func (m *Main) mailer() *mail.Sender {
	s := &mail.Sender{From: m.Config.SMTPFrom, Logger: m.Logger.With("component", "mail")}
	if c := m.smtpConfig(); c != nil {
		s.Host, s.Port, s.Username, s.Password = c.Host, c.Port, c.Username, c.Password
	}
	return s
}

func (m *Main) smtpConfig() *web.SMTPConfig {
	if m.Config.SMTPAddr == "" {
		return nil
	}
	host, portStr, _ := strings.Cut(m.Config.SMTPAddr, ":")
	port, err := strconv.Atoi(portStr)
	if err != nil {
		port = 25
	}
	return &web.SMTPConfig{Host: host, Port: port, From: m.Config.SMTPFrom,
		Username: m.Config.SMTPUser, Password: m.Config.SMTPPassword}
}

// bootstrapAdmin creates the first Super Admin on a database without users,
// from VOLT_ADMIN_EMAIL/PASSWORD or with a one-time password printed to the log.
func (m *Main) bootstrapAdmin(ctx context.Context) error {
	email, password := m.Config.AdminEmail, m.Config.AdminPassword
	generated := false
	if email == "" {
		email = "admin@volt.localhost"
	}
	if password == "" {
		password = volt.NewID("pw")[3:]
		generated = true
	}
	created, err := store.BootstrapSuperAdmin(ctx, m.DB, email, password)
	if err != nil {
		return fmt.Errorf("bootstrap super admin: %w", err)
	}
	if created && generated {
		if err := store.RequirePasswordChange(ctx, m.DB, email); err != nil {
			return fmt.Errorf("bootstrap super admin: %w", err)
		}
		m.firstAdmin = [2]string{email, password}
		m.Logger.Warn("created the first Super Admin with a one-time password: sign in and change it",
			"email", email, "password", password)
	} else if created {
		m.Logger.Info("created the first Super Admin", "email", email)
	}
	return nil
}
