// Package web serves Volt's browser faces: the Admin Portal (this package) and
// the Driver Web App (web/app). Pages are rendered on the server with
// html/template; templates and assets are embedded, so the binary needs no CDN
// and the first page stays light on slow connections.
//
// The portal depends only on the domain interfaces (volt.*): cmd/voltd wires
// the store, the gateway and the bus into AdminConfig.
package web

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/httperr"
)

// AdminPrefix is the path the Admin Portal is mounted at.
const AdminPrefix = "/admin"

// SMTPConfig is how the portal sends e-mail (password resets) with net/smtp.
type SMTPConfig struct {
	Host     string
	Port     int
	From     string
	Username string // empty: no SMTP AUTH
	Password string
}

// AdminConfig is what the Admin Portal needs. Hierarchy, Chargers, Users and
// Auth are required; the others may be nil and the pages that need them say
// so.
type AdminConfig struct {
	Hierarchy volt.HierarchyService
	Chargers  volt.ChargerService
	Users     volt.UserService
	Auth      volt.AuthService
	Charging  volt.ChargingService // sessions, CDRs, message log, configuration
	Tariffs   volt.TariffService   // tariffs and their assignment; nil hides the pages
	Reports   volt.ReportService   // income reports; nil hides the page

	// Audit reads the audit log (search and CSV export); nil hides the page.
	Audit volt.AuditService
	// Tickets and Helpline back the support pages (ticket list and thread,
	// the helpline console); nil hides them.
	Tickets  volt.TicketService
	Helpline volt.HelplineService
	// Payments refunds from the helpline console; nil hides the refund form.
	Payments volt.PaymentService

	// MoneySettings reads and edits each CPO's fees, minimum wallet
	// balance and pre-authorisation hold; Wallets shows drivers' balances
	// and ledger lines; Terminals registers contactless terminals;
	// Reimbursements keeps home reimbursement agreements and statements.
	// Nil hides (explains) the page.
	MoneySettings volt.MoneySettingsService
	// HostNames keeps whitelabel host name claims and verifies them by DNS
	// (on the CPO page); nil leaves host names to super admins.
	HostNames      volt.HostNameService
	Wallets        volt.WalletService
	Terminals      volt.TerminalService
	Reimbursements volt.ReimbursementService
	// LoadManagement and LoadStatus serve a site's energy page (its load
	// management model, meter and live allocation); optional.
	LoadManagement volt.LoadManagementService
	// SmartCharging serves a charger group's smart charging page (peak
	// windows, randomised delay; issue 15 item 6); optional.
	SmartCharging volt.SmartChargingService
	// SocketFees, Reliability and TicketSLA back the pages of issue 17
	// (socket fee statements, reliability with its exclusions, ticket
	// service levels); nil explains the page. The platform income page
	// uses Reports when it is a volt.PlatformReportService.
	SocketFees  volt.SocketFeeService
	Reliability volt.ReliabilityService
	TicketSLA   volt.TicketSLAService
	// Webhooks and Alerts serve the webhooks pages (delivery log, replay)
	// and the alerts page and dashboard panel (issue #17); nil hides them.
	Webhooks volt.WebhookService
	Alerts   volt.AlertService
	// OCPIPartners serves the OCPI roaming partners pages (issue 14); nil
	// hides them.
	OCPIPartners volt.OCPIPartnerService
	// OCPIRegistrar starts the credentials handshake with a partner and
	// rotates tokens from the partner page (issue 14); nil hides the form.
	OCPIRegistrar volt.OCPIRegistrar
	// OCPIReconciler serves a partner CPO's monthly reconciliation (PDF,
	// CSV) from its page (issue 14); nil hides the form.
	OCPIReconciler volt.RoamingReconciler
	// RoamingWhitelists sets drivers' roaming whitelists from the user's
	// page (issue 14); nil: not offered.
	RoamingWhitelists volt.RoamingWhitelistService
	// RoamingBills lists what drivers were billed for partner networks'
	// CDRs, debts first to follow up (issue 14); nil: not offered.
	RoamingBills volt.RoamingBills
	// RoamingProfiles shows, on a partner CPO's page, the charging profiles
	// of our drivers' sessions on its chargers (issue 14); nil hides them.
	RoamingProfiles volt.RoamingProfileReader
	// Security serves a charger's security page (issue 18); optional.
	Security volt.ChargerSecurityService
	// CPOAuthorities serves a CPO's certificate authority page (issue 18);
	// optional.
	CPOAuthorities volt.CPOAuthorityService
	// Certification is the charger model catalogue (issue 16 item 4),
	// wrapped by certify so certifying wakes pending chargers. Optional.
	Certification volt.CertificationService
	// Invitations and Installs serve magic links, the holding area,
	// installers and install jobs (issue 16; nil: those pages say so).
	Invitations volt.InvitationService
	Installs    volt.InstallJobService
	LoadStatus  volt.LoadStatus
	// Fleets and FleetBilling serve the fleet pages (issue 19: vehicles,
	// telematics, claims, the fleet wallet and invoice); nil explains them.
	Fleets       volt.FleetService
	FleetBilling volt.FleetBillingService
	// FleetPayments records the payment of fleet invoices (issue 19).
	FleetPayments volt.FleetPaymentService

	// Commander sends remote commands to chargers; Commands maps a command's
	// kebab-case name ("reset") to its OCPP action ("Reset"), false when the
	// gateway does not support it (gateway.CommandAction).
	Commander volt.ChargerCommander
	Commands  func(string) (string, bool)
	// Credentials sets chosen charger passwords and imports chargers;
	// Rotator rotates a password through the charger. Nil hides nothing but
	// the actions answer "not available".
	Credentials volt.ChargerCredentialService
	Rotator     volt.ChargerPasswordRotator
	// RemoteStarter makes "Start charging" wait for the session or the
	// reason none started; nil: the charger's answer only.
	RemoteStarter volt.RemoteStarter

	// Bus feeds the live charger views (server-sent events).
	Bus volt.EventBus

	Logger *slog.Logger

	// SecretKey signs CSRF tokens, flash messages and password-reset
	// tokens. At least 32 random bytes; keep it stable across restarts and
	// nodes.
	SecretKey []byte

	// SMTP sends password-reset e-mails; nil logs them instead.
	SMTP *SMTPConfig

	// BaseURL is the portal's public origin ("https://volt.example.com"),
	// used in e-mailed links. Empty: the request's host when it is a known
	// whitelabel host name, else the request's host as is.
	BaseURL string

	// OCPPURL returns the base websocket URL chargers connect to
	// ("ws://host/ocpp"); the charger's identity is appended. Nil: derived
	// from the request (ws or wss, its host, /ocpp).
	OCPPURL func(r *http.Request) string

	// TileURL is the map tile template ("https://tile.example/{z}/{x}/{y}.png").
	// Empty: the network map shows sites without a background.
	TileURL string

	// Now returns the current time; nil means time.Now (tests fix it).
	Now func() time.Time

	// ClientAddr returns a request's client address (realip: the peer, or
	// what a trusted proxy forwarded); nil: the peer's.
	ClientAddr func(*http.Request) string
}

// Admin is the Admin Portal handler.
type Admin struct {
	cfg    AdminConfig
	log    *slog.Logger
	mux    *http.ServeMux
	themes themeCache
	now    func() time.Time
	jobs   *jobRegistry
}

// NewAdmin returns the Admin Portal, mounted at /admin/. It panics when a
// required service or the secret key is missing: that is a wiring bug.
func NewAdmin(cfg AdminConfig) http.Handler {
	a, err := newAdmin(cfg)
	if err != nil {
		panic(err)
	}
	return a
}

func newAdmin(cfg AdminConfig) (*Admin, error) {
	if cfg.Hierarchy == nil || cfg.Chargers == nil || cfg.Users == nil || cfg.Auth == nil {
		return nil, errors.New("web: AdminConfig needs Hierarchy, Chargers, Users and Auth")
	}
	if len(cfg.SecretKey) < 16 {
		return nil, errors.New("web: AdminConfig.SecretKey must be at least 16 bytes")
	}
	a := &Admin{cfg: cfg, log: cfg.Logger, now: cfg.Now}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.now == nil {
		a.now = time.Now
	}
	a.themes = themeCache{ttl: 30 * time.Second, entries: map[string]themeEntry{}}
	a.jobs = newJobRegistry(a.now)
	a.mux = http.NewServeMux()
	a.routes()
	return a, nil
}

// ServeHTTP adds the security headers every page carries and dispatches.
func (a *Admin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: https: http:; "+
		"style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'")
	if field, why := httperr.FormText(r); why != "" {
		s := &sess{ctx: r.Context(), theme: a.theme(r)}
		a.renderStatus(w, r, s, http.StatusBadRequest, "error", "Not accepted", errorView{
			Message: "The field " + field + " " + why + ". Go back, remove it and try again."})
		return
	}
	a.mux.ServeHTTP(w, r)
}

// RootRedirect answers "/" with a redirect to the Admin Portal and 404 for
// any other path, for cmd/voltd to mount at "/".
func RootRedirect() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		http.Redirect(w, r, AdminPrefix+"/", http.StatusFound)
	})
}

// themeCache keeps host-name lookups for a short while: every page needs the
// theme, and it changes rarely.
type themeCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[string]themeEntry
}

type themeEntry struct {
	cpo     *volt.CPO // nil: no whitelabel on this host
	expires time.Time
}

func hostOnly(host string) string {
	host = strings.ToLower(host)
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		host = host[:i]
	}
	return host
}
