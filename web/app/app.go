// Package app is the Driver Web App: the drivers' side of Volt in the
// browser of their phone, served under /app/ by the same binary. Drivers
// find a charger (map and list, by QR sticker URL /app/c/{cpid} or by typing
// its CPID), see the full price that applies to them, start and stop a
// session, pay (credit, card, or as a guest), follow the session live over
// server-sent events, and manage their account.
//
// Pages are server-rendered (html/template, embedded) and work without
// JavaScript; a small vanilla script adds live updates, geolocation,
// notifications and the service worker. Every page is themed by the
// whitelabel the host name belongs to (HierarchyService.FindCPOByHostName).
//
// Public reads. A driver's actor has no read permission on the estate (roles
// give drivers none), and visitors have no actor at all, yet drivers must
// browse chargers and prices before signing in. The app therefore reads the
// public face of the estate (chargers, their connectors, sites, operators and
// the tariff that applies to the driver) with volt.SystemActor, and shows only
// what a sticker or a price board would show: never owner, user or payment
// data of anyone else. Everything that belongs to a driver (their sessions,
// cards, wallet) is read for that driver only: by their own actor where the
// services allow self-service, else with SystemActor filtered to their user
// id and checked again before rendering.
package app

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/httperr"
)

// Prefix is where the app is mounted.
const Prefix = "/app/"

// Config is what the Driver Web App needs. Payments and Wallets may be nil
// until the money layer is wired: card and guest payments and top-ups are
// then refused with a plain message, and registered drivers charge against
// their account.
type Config struct {
	Hierarchy volt.HierarchyService
	Chargers  volt.ChargerService
	Users     volt.UserService
	Auth      volt.AuthService
	Charging  volt.ChargingService
	Tariffs   volt.TariffService
	Payments  volt.PaymentService // nil: card and guest payments unavailable
	Wallets   volt.WalletService  // nil: credit unavailable
	// Limits keeps drivers' session limits; the guard (cmd/voltd) stops a
	// session at its limit. Nil: limits are kept in memory and the app
	// stops sessions at them itself (lost on restart).
	Limits volt.SessionLimits
	// LoadStatus is the site load management's live allocation: the
	// session page says when a session is limited or queued and why
	// (optional).
	LoadStatus volt.LoadStatus
	// SmartCharging takes a driver's "Charge now" on a session held by its
	// charger group's random delay or off-peak hours (optional).
	SmartCharging volt.SmartChargingService
	// Reliability gives the public reliability figure of a charger's site
	// (issue 17 item 3); nil shows none.
	Reliability volt.ReliabilityService
	// ReceiptsBySettlement is true when guests' receipts are e-mailed by
	// the settlement job once the payment is captured (cmd/voltd): the app
	// then sends none on cdr.created.
	ReceiptsBySettlement bool
	Commander            volt.ChargerCommander
	Bus                  volt.EventBus
	Logger               *slog.Logger

	// Reimbursements lists the driver's home reimbursement statements on
	// the account page (with their PDFs). Nil: the section is not shown.
	Reimbursements volt.ReimbursementService
	// ChargeTargets keeps the driver's charge target in % (issue 19): the
	// account links to its control. Nil: not shown.
	ChargeTargets volt.ChargeTargets
	// Fleets shows a fleet driver their company car, its readings and
	// their home reimbursement claims (issue 19). Nil: not shown.
	Fleets volt.FleetService

	// Roaming lists partner networks' chargers below the Volt ones (issue
	// 14; optional).
	Roaming volt.RoamingLocations
	// RoamingCharging starts, follows and stops a driver's charge on a
	// partner network (issue 14; optional: no start button).
	RoamingCharging volt.RoamingCharging
	// RoamingDebts shows what the driver owes for partner networks' CDRs
	// on the account page and a debt's receipt, with "Pay what you owe"
	// (issue 14; optional).
	RoamingDebts volt.RoamingDebts

	// Tickets receives "Report a problem" as support tickets. Nil: reports
	// are logged, e-mailed to the operator and kept in memory (Reports).
	Tickets volt.TicketService

	// SecretKey signs CSRF tokens, guest cookies and password-reset
	// tokens: at least 32 random bytes, stable across restarts and nodes.
	SecretKey []byte

	// PublicURL is where e-mailed links point for host names that are no
	// whitelabel's ("https://volt.example"); empty: the request's host.
	PublicURL string

	// TileURL is the map tile template ("https://tile.example/{z}/{x}/{y}.png").
	// Empty: no map, the list only.
	TileURL string

	// LeafletJS and LeafletCSS are the URLs of the vendored Leaflet files:
	// pass web.AssetPath("vendor/leaflet/leaflet.js") and ".css" (served by
	// web.Static at /static/; the app does not import web so it builds
	// while the portal is mid-change). Empty: no map. They are loaded only
	// on the find page with TileURL set, never on the page a QR code opens.
	LeafletJS, LeafletCSS string
	// ChartJS, UPlotJS and UPlotCSS are the URLs of the portal's session
	// chart script and its vendored uPlot (web.AssetPath), so the app draws
	// a session's chart with the same files; empty: no chart.
	ChartJS, UPlotJS, UPlotCSS string

	// SendMail sends an e-mail (password reset, problem reports). Nil: the
	// message is logged instead.
	SendMail func(to, subject, body string) error

	// StartTimeout bounds the wait for the charger's answer to
	// RemoteStartTransaction (default 40 s). PlugTimeout is how long a
	// start intent waits for the car to be plugged in and the session to
	// begin (default 3 min).
	StartTimeout, PlugTimeout time.Duration

	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// ClientAddr returns a request's client address (realip: the peer, or
	// what a trusted proxy forwarded); nil: the peer's.
	ClientAddr func(*http.Request) string
}

// App is the Driver Web App handler. Close stops its bus watcher.
type App struct {
	cfg    Config
	mux    *http.ServeMux
	log    *slog.Logger
	sys    context.Context // carries volt.SystemActor for public reads
	cancel context.CancelFunc
	quit   <-chan struct{} // closed by Close: ends event streams
	done   chan struct{}   // closed when the bus watcher returned

	themes themeCache
	finds  throttle // receipt look-ups per client address

	relMu    sync.Mutex
	relCache map[string]cachedFigure // site id → public reliability figure (issue 17)

	mu      sync.Mutex
	intents map[string]*intent    // by intent id
	limits  map[string]*limitRule // by session id
	stopped map[string]bool       // sessions whose limit stop was sent
	bases   map[string]string     // by session id: scheme and host it was started from
	reports []Report              // TODO(tickets): replace with the ticket service
}

// New returns the app; mount it at Prefix ("/app/"). It starts a bus
// watcher (start intents, limits) that Close stops.
func New(cfg Config) *App {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 40 * time.Second
	}
	if cfg.PlugTimeout <= 0 {
		cfg.PlugTimeout = 3 * time.Minute
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &App{
		cfg: cfg, log: cfg.Logger, cancel: cancel, done: make(chan struct{}),
		sys: volt.NewContextWithActor(ctx, volt.SystemActor), quit: ctx.Done(),
		intents: map[string]*intent{}, limits: map[string]*limitRule{}, stopped: map[string]bool{},
	}
	a.routes()
	if cfg.Bus != nil {
		go a.watch(ctx)
	} else {
		close(a.done)
	}
	return a
}

// Close stops the bus watcher and waits for it, and ends the open event
// streams (browsers reconnect to another node or after a restart).
func (a *App) Close() error {
	a.cancel()
	<-a.done
	return nil
}

// ServeHTTP serves the app under Prefix with security headers on every
// answer.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	// Scripts only from the app's own files (no inline script); inline
	// style only for the theme's colours; map tiles may come from the tile
	// server over https.
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "+
		"img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
	if !strings.HasPrefix(r.URL.Path, "/app/static/") && r.URL.Path != FaviconPath {
		h.Set("Cache-Control", "no-store")
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10) // as a.form does: FormText reads the form first
	}
	if field, why := httperr.FormText(r); why != "" {
		a.fail(w, r, a.load(w, r), http.StatusBadRequest, "The field "+field+" "+why+". Go back, remove it and try again.")
		return
	}
	a.mux.ServeHTTP(w, r)
}

func (a *App) routes() {
	m := http.NewServeMux()
	a.mux = m
	m.HandleFunc("GET /app/{$}", a.page(a.find))
	m.HandleFunc("GET /app/find", a.page(a.findByCPID))
	m.HandleFunc("GET /app/live", a.liveStatuses)
	m.HandleFunc("GET /app/c/{cpid}", a.page(a.chargerPage))
	m.HandleFunc("POST /app/c/{cpid}/start", a.form(a.start))
	m.HandleFunc("GET /app/wait/{id}", a.page(a.waitPage))
	m.HandleFunc("GET /app/s/{id}", a.page(a.sessionPage))
	m.HandleFunc("GET /app/s/{id}/events", a.sessionEvents)
	m.HandleFunc("POST /app/s/{id}/stop", a.form(a.stop))
	m.HandleFunc("POST /app/s/{id}/charge-now", a.form(a.chargeNow))
	m.HandleFunc("GET /app/s/{id}/receipt", a.page(a.receipt))
	m.HandleFunc("GET /app/s/{id}/receipt.pdf", a.page(a.receiptPDF))
	m.HandleFunc("GET /app/roam/{partner}/{location}", a.page(a.roamingLocation)) // issue 14: partner networks
	m.HandleFunc("POST /app/roam/{partner}/{location}/start", a.form(a.signedIn(a.roamingStart)))
	m.HandleFunc("GET /app/roam/charge/{id}", a.page(a.signedIn(a.roamingCharge)))
	m.HandleFunc("POST /app/roam/charge/{id}/stop", a.form(a.signedIn(a.roamingStop)))
	m.HandleFunc("GET /app/roam/charge/{id}/receipt", a.page(a.signedIn(a.roamingReceipt)))
	m.HandleFunc("GET /app/roam/charge/{id}/receipt.pdf", a.page(a.signedIn(a.roamingReceiptPDF)))
	m.HandleFunc("GET /app/receipts", a.page(a.receiptsForm))
	m.HandleFunc("POST /app/receipts", a.form(a.receiptsFind))
	m.HandleFunc("GET /app/report", a.page(a.reportForm))
	m.HandleFunc("POST /app/report", a.form(a.reportSubmit))

	m.HandleFunc("GET /app/login", a.page(a.loginForm))
	m.HandleFunc("POST /app/login", a.form(a.loginSubmit))
	m.HandleFunc("POST /app/logout", a.form(a.logout))
	m.HandleFunc("GET /app/register", a.page(a.registerForm))
	m.HandleFunc("POST /app/register", a.form(a.registerSubmit))
	m.HandleFunc("GET /app/reset", a.page(a.resetRequestForm))
	m.HandleFunc("POST /app/reset", a.form(a.resetRequestSubmit))
	m.HandleFunc("GET /app/reset/{token}", a.page(a.resetForm))
	m.HandleFunc("POST /app/reset/{token}", a.form(a.resetSubmit))

	m.HandleFunc("GET /app/account", a.page(a.signedIn(a.account)))
	m.HandleFunc("POST /app/account/cards", a.form(a.signedIn(a.cardAdd)))
	m.HandleFunc("POST /app/account/contracts", a.form(a.signedIn(a.contractAdd))) // issue 18
	m.HandleFunc("POST /app/account/cards/{id}/block", a.form(a.signedIn(a.cardBlock)))
	m.HandleFunc("POST /app/account/affiliate", a.form(a.signedIn(a.affiliate)))
	m.HandleFunc("POST /app/account/topup", a.form(a.signedIn(a.topUp)))
	m.HandleFunc("POST /app/account/roaming-debts/pay", a.form(a.signedIn(a.payRoamingDebts))) // issue 14
	m.HandleFunc("POST /app/account/delete", a.form(a.signedIn(a.deleteAccount)))
	m.HandleFunc("GET /app/history", a.page(a.signedIn(a.history)))
	m.HandleFunc("GET /app/account/statements/{id}", a.page(a.signedIn(a.statementPDF)))
	m.HandleFunc("GET /app/account/charge-target", a.page(a.signedIn(a.chargeTargetPage))) // issue 19
	m.HandleFunc("POST /app/account/charge-target", a.form(a.signedIn(a.chargeTargetSet)))
	a.fleetRoutes(m) // issue 19: the company car and claims

	m.HandleFunc("GET /app/manifest.webmanifest", a.manifest)
	m.HandleFunc("GET "+FaviconPath, a.favicon)
	m.HandleFunc("GET /app/sw.js", a.serviceWorker)
	m.HandleFunc("GET /app/offline", a.page(a.offline))
	m.Handle("GET /app/static/", staticHandler())
}

func (a *App) now() time.Time { return a.cfg.Now() }
