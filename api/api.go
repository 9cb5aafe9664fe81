// Package api serves Volt's REST API under /api/v1: JSON with camelCase
// fields, bearer tokens, errors as {"error": {"code", "message", "field"?}},
// and an OpenAPI 3.1 document at /api/openapi.json generated from the code by
// huma. Handlers decode, call one service method and encode; the services
// authorise every call with the actor this package puts in the context, and
// each service call is one transaction. No handler makes two writes.
//
// PATCH reads the resource, applies the fields that are set and writes it
// back: two service calls, one write, so a concurrent PATCH of another field
// can be lost.
// TODO(api): ETag / If-Match on PATCH, or Update methods that take the
// changed fields, to close that window.
//
// Errors: every answer that is not 2xx is an *Error. Domain codes map to
// statuses in one table (httperr, shared with the portal and the app, plus
// codeStatus for the API's transport codes); huma's own errors (schema validation,
// malformed JSON, oversize bodies) come through humaError, installed in
// huma.NewError at init — api is the only package serving through huma.
package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/volt-ev/volt"
)

// MaxBodyBytes is the largest request body the API reads.
const MaxBodyBytes = 1 << 20

// Auditor records who did what. It is optional (nil: nothing recorded beyond
// the log).
// TODO(audit): the portal's audit log implements this; until then commands
// are only logged.
type Auditor interface {
	RecordCommand(ctx context.Context, e CommandAudit)
}

// CommandAudit is one charger command sent through the API.
type CommandAudit struct {
	UserID  string
	Email   string
	CPID    string
	Action  string
	Request json.RawMessage
	Outcome string // "ok" or an error code
	At      time.Time
}

// Config holds the services the API serves. Commands and ValidateCommand
// come from the gateway (injected by cmd/voltd so api does not import it).
type Config struct {
	Hierarchy volt.HierarchyService
	Chargers  volt.ChargerService
	Users     volt.UserService
	Auth      volt.AuthService
	Charging  volt.ChargingService
	Commander volt.ChargerCommander
	// Commands maps a kebab-case command name ("remote-start") to its OCPP
	// action ("RemoteStartTransaction").
	Commands func(name string) (action string, ok bool)
	// ValidateCommand checks an OCPP request payload for the action; an
	// invalid one is a *volt.Error with code EINVALID and Field set.
	ValidateCommand func(action string, body json.RawMessage) error
	Auditor         Auditor
	// Credentials sets chosen charger passwords and imports chargers;
	// Rotator rotates a charger's password through the charger (also used
	// by change-configuration of AuthorizationKey). Nil: 501.
	Credentials volt.ChargerCredentialService
	Rotator     volt.ChargerPasswordRotator
	// RemoteStarter serves remote-start?wait=session (nil: 501).
	RemoteStarter volt.RemoteStarter

	// Money, support and audit. Each may be nil: its routes then answer 501
	// not_implemented. Tariffs, Tickets and Helpline should come wrapped by
	// package audit so their changes are recorded.
	Tariffs  volt.TariffService
	Payments volt.PaymentService
	Wallets  volt.WalletService
	Reports  volt.ReportService
	Tickets  volt.TicketService
	Helpline volt.HelplineService
	// Audit reads the audit log (GET /api/v1/audit-log) and records the
	// refunds made through the API with their reason.
	Audit volt.AuditService
	// Terminals registers contactless terminals and serves their calls
	// (authenticated by the terminal's API key as the bearer token).
	Terminals volt.TerminalService
	// Reimbursements keeps home reimbursement agreements and statements.
	Reimbursements volt.ReimbursementService
	// Fleets keeps vehicles, telematics and reimbursement claims (issue 19);
	// TelematicsSecrets maps a provider's name to its webhook secret.
	Fleets            volt.FleetService
	TelematicsSecrets map[string]string
	// FleetPayments records the payment of fleet invoices (issue 19).
	FleetPayments volt.FleetPaymentService
	// TelematicsOAuth are the vehicle-data APIs drivers authorise per
	// vehicle, by provider name (issue 19).
	TelematicsOAuth map[string]TelematicsAuthorizer
	// MoneySettings reads and changes a CPO's money settings
	// (GET|PUT /api/v1/cpos/{id}/money-settings).
	MoneySettings volt.MoneySettingsService
	// HostNames guards whitelabel host names: claims verified by DNS
	// (/api/v1/cpos/{id}/host-names).
	HostNames volt.HostNameService
	// LoadManagement keeps sites' load management models and meter
	// readings (wrapped by lms so the loop hears of changes).
	LoadManagement volt.LoadManagementService
	// SmartCharging keeps charger groups' off-peak and randomised-delay
	// settings and drivers' charge-now overrides (optional: 501 without).
	SmartCharging volt.SmartChargingService
	// OCPIPartners keeps CPOs' OCPI parties and roaming partners, and
	// OCPIRegistrar registers Volt with a partner (issue 14; optional: 501).
	OCPIPartners  volt.OCPIPartnerService
	OCPIRegistrar volt.OCPIRegistrar
	// OCPIReconciler answers partners' monthly roaming reconciliation
	// (issue 14; optional: 501).
	OCPIReconciler volt.RoamingReconciler
	// RoamingBills lists what drivers were billed for partner networks'
	// CDRs (issue 14). It is the store itself, not the audited partner
	// service, which is a wrapper that does not carry it.
	RoamingBills volt.RoamingBills
	// RoamingDebts shows and pays what a driver owes partner networks
	// (issue 14; optional: 501).
	RoamingDebts volt.RoamingDebts
	// RoamingWhitelists sets drivers' roaming whitelists (issue 14;
	// optional: 501).
	RoamingWhitelists volt.RoamingWhitelistService
	// RoamingProfiles reads, as eMSP, the charging profiles of drivers'
	// sessions on partner CPOs (issue 14; optional: 501).
	RoamingProfiles volt.RoamingProfileReader
	// Certification is the charger model catalogue (issue 16 item 4),
	// wrapped by certify so certifying wakes pending chargers; Hubs onboards
	// hubs (item 5). Optional: 501 without.
	Certification volt.CertificationService
	Hubs          volt.HubService
	// LoadStatus is the load management loop's live allocation (optional).
	LoadStatus volt.LoadStatus
	// SocketFees bills and lists socket fee statements, Reliability the
	// availability reports and their exclusions, TicketSLA the ticket
	// service levels (issue 17; each optional: 501 without).
	SocketFees  volt.SocketFeeService
	Reliability volt.ReliabilityService
	TicketSLA   volt.TicketSLAService
	// Webhooks and Alerts serve webhook endpoints with their delivery log,
	// and alerts with their rules (issue #17; optional: 501 without).
	Webhooks volt.WebhookService
	Alerts   volt.AlertService
	// Security keeps chargers' security profiles, certificates and security
	// events (issue 18; optional: 501 without).
	Security volt.ChargerSecurityService
	// CPOAuthorities keeps CPOs' own issuing CAs (issue 18; optional: 501
	// without).
	CPOAuthorities volt.CPOAuthorityService
	// Invitations and Installs serve magic links and the holding area,
	// installers and install jobs (issue 16; optional: 501 without).
	Invitations volt.InvitationService
	Installs    volt.InstallJobService
	// WebhookProviders names the payment providers whose webhooks
	// POST /api/v1/webhooks/{provider} accepts ("stripe", "sandbox"); nil
	// passes every name to Payments.HandleWebhook.
	WebhookProviders []string
	// Operator names the platform on receipts when the CPO's name cannot be
	// read (default "Volt").
	Operator string
	// PublicURL (VOLT_PUBLIC_URL) is the base of the links printed on
	// stickers and posters; "" takes the request's scheme and host.
	PublicURL string

	Logger  *slog.Logger
	Version string
	// Now returns the current time (tests); default time.Now.
	Now func() time.Time
	// ClientAddr returns a request's client address (realip: the peer, or
	// what a trusted proxy forwarded); nil: the peer's.
	ClientAddr func(*http.Request) string
}

// server holds the configuration for the handlers.
type server struct {
	Config
	mux     *http.ServeMux
	api     huma.API
	public  map[string]bool // route patterns served without a token
	docHTML []byte
}

// New returns the API handler. Mount it so that it sees the full path
// (/api/...), e.g. mux.Handle("/api/", api.New(cfg)).
func New(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Operator == "" {
		cfg.Operator = "Volt"
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	s := &server{Config: cfg, mux: http.NewServeMux(), public: map[string]bool{}}
	s.api = humago.New(s.mux, humaConfig(cfg.Version))
	// A Decimal is a JSON string ("0.45") on the wire.
	s.api.OpenAPI().Components.Schemas.RegisterTypeAlias(reflect.TypeFor[volt.Decimal](), reflect.TypeFor[string]())
	s.routes()
	s.public["GET /api/openapi.json"] = true
	s.public["GET /api/openapi.yaml"] = true
	s.public["GET /api/openapi-3.0.json"] = true
	s.public["GET /api/openapi-3.0.yaml"] = true
	s.mux.HandleFunc("GET /api/docs", s.serveDocs)
	s.public["GET /api/docs"] = true
	html, err := renderDocs(s.api.OpenAPI(), s.public)
	if err != nil {
		// The template is fixed and the document comes from code: a failure
		// here is a programming error caught by the tests.
		panic(err)
	}
	s.docHTML = html
	return s
}

func humaConfig(version string) huma.Config {
	c := huma.DefaultConfig("Volt API", version)
	c.Info.Description = "REST API of Volt, the open EV-charging back office. " +
		"Authenticate with POST /api/v1/auth/token and send `Authorization: Bearer <token>`."
	c.OpenAPIPath = "/api/openapi"
	c.DocsPath = ""    // served by Volt itself at /api/docs, no CDN
	c.SchemasPath = "" // schemas live in the OpenAPI document
	c.CreateHooks = nil
	c.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer"},
	}
	c.Security = []map[string][]string{{"bearer": {}}}
	return c
}

type ctxKey int

const (
	keyClientAddr ctxKey = iota
	keyToken
)

// ServeHTTP routes a request: unknown routes and methods answer in the error
// shape; every route but the public ones requires a bearer token, resolved
// to the actor the services authorise.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, pattern := s.mux.Handler(r)
	if pattern == "" {
		s.noRoute(w, r)
		return
	}
	limit := int64(2 * MaxBodyBytes)
	if pattern == photoUpload {
		limit = volt.MaxPhotoBytes + MaxBodyBytes // refused by the size check, not cut short
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	defaultJSON(r)
	readJSONWithin(w, r) // issue 12: a stalled body does not hold the request
	if e := checkText(r); e != nil {
		s.writeError(w, r, e)
		return
	}
	r.Body = endReadDeadline(w, r.Body) // issue 12: huma's body deadline ends with the body
	ctx := context.WithValue(r.Context(), keyClientAddr, s.clientAddr(r))
	if ac := volt.AuditContextFrom(ctx); ac.Source == "" {
		// Not mounted behind audit.Middleware: the audit log still names
		// the surface and the peer.
		ac.Source, ac.ClientAddr = volt.AuditSourceAPI, s.clientAddr(r)
		ctx = volt.NewContextWithAudit(ctx, ac)
	}
	if !s.public[pattern] {
		token, ok := bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="volt"`)
			s.writeError(w, r, newError(volt.EUNAUTHORIZED, "A bearer token is required.", ""))
			return
		}
		actor, err := s.authenticate(ctx, token)
		if err != nil {
			if volt.IsCode(err, volt.EUNAUTHORIZED) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="volt", error="invalid_token"`)
			}
			s.writeError(w, r, toError(ctx, s.Logger, err))
			return
		}
		if err := holding(actor, pattern); err != nil { // issue 16: the holding area
			s.writeError(w, r, toError(ctx, s.Logger, err))
			return
		}
		if actor, err = inArea(actor, r.Method, pattern); err != nil {
			s.writeError(w, r, toError(ctx, s.Logger, err))
			return
		}
		ctx = volt.NewContextWithActor(ctx, actor)
		ctx = context.WithValue(ctx, keyToken, token)
	}
	s.mux.ServeHTTP(w, r.WithContext(ctx))
}

// defaultJSON treats a request body sent without a content type, or with the
// form type that `curl -d` sets by default, as the JSON the API speaks: the
// body is still parsed strictly as JSON, so a real form gets a 400 naming the
// problem rather than a 415 that hides it.
func defaultJSON(r *http.Request) {
	ct := r.Header.Get("Content-Type")
	if ct == "" || strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		r.Header.Set("Content-Type", "application/json")
	}
}

// noRoute answers a request no route matches: 405 when the path exists with
// other methods, else 404.
func (s *server) noRoute(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{header: http.Header{}}
	h, _ := s.mux.Handler(r)
	h.ServeHTTP(rec, r)
	if rec.status == http.StatusMethodNotAllowed {
		if allow := rec.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		s.writeError(w, r, newError(codeMethodNotAllowed, "Method "+r.Method+" is not allowed on "+r.URL.Path+".", ""))
		return
	}
	s.writeError(w, r, newError(volt.ENOTFOUND, "No such route: "+r.URL.Path+".", ""))
}

// statusRecorder captures the status and headers of the mux's own 404/405
// handler, whose text body we replace.
type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header         { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *statusRecorder) WriteHeader(status int)      { r.status = status }

// writeError writes e outside huma (middleware, unknown routes).
func (s *server) writeError(w http.ResponseWriter, r *http.Request, e *Error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.status)
	if err := json.NewEncoder(w).Encode(e); err != nil {
		s.Logger.DebugContext(r.Context(), "api: write error answer", "err", err)
	}
}

// authenticate resolves a bearer token: a terminal's API key through the
// terminal service, anything else as a user's session token.
func (s *server) authenticate(ctx context.Context, token string) (*volt.Actor, error) {
	if volt.IsTerminalKey(token) {
		if s.Terminals == nil {
			return nil, volt.Errorf(volt.EUNAUTHORIZED, "Terminals are not served on this node.")
		}
		return s.Terminals.AuthenticateTerminal(ctx, token)
	}
	return s.Auth.Authenticate(ctx, token)
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const p = "bearer "
	if len(h) <= len(p) || !equalFoldASCII(h[:len(p)], p) {
		return "", false
	}
	return h[len(p):], true
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// clientAddr is the address sign-ins are throttled by: Config.ClientAddr's
// answer, or the peer's.
func (s *server) clientAddr(r *http.Request) string {
	if s.ClientAddr != nil {
		return s.ClientAddr(r)
	}
	return peerAddr(r)
}

// peerAddr is the peer's IP address.
func peerAddr(r *http.Request) string {
	host := r.RemoteAddr
	for i := len(host) - 1; i >= 0; i-- {
		if host[i] == ':' {
			return host[:i]
		}
	}
	return host
}

// err converts a service error for a handler's return.
func (s *server) err(ctx context.Context, err error) error {
	return toError(ctx, s.Logger, err)
}

// notWired answers for a service cmd/voltd did not configure.
func notWired(what string) error {
	return newError(volt.ENOTIMPLEMENTED, "The "+what+" service is not configured on this node.", "")
}
