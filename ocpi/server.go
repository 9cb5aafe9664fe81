package ocpi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/volt-ev/volt"
)

// RelaxRawToken is the named relaxation that accepts a credentials token
// sent as is in the Authorization header ("Token abc"), as OCPI 2.1.1
// peers do, besides the Base64 form 2.2.1 requires (§4.1.1).
const RelaxRawToken = "ocpi-raw-token"

// Server serves Volt's OCPI endpoints under /ocpi/ and calls partners.
type Server struct {
	Store     volt.OCPIStore
	Partners  volt.OCPIPartnerService // operator-scoped: who may register with whom
	Hierarchy volt.HierarchyService   // read as the system
	Chargers  volt.ChargerService     // read as the system
	Tariffs   volt.TariffService      // read as the system (optional)
	// Charging reads sessions (STOP_SESSION) and Commander sends the
	// commands partners ask for to chargers (optional: NOT_SUPPORTED).
	Charging  volt.ChargingService
	Commander volt.ChargerCommander
	// Reservations keeps the reservations chargers accepted from
	// RESERVE_NOW (as the gateway does for operators'; optional).
	Reservations volt.ReservationService
	// Sites says which sites run load management: an eMSP's charging
	// profile is then a cap the loop applies (chargingprofiles.go);
	// optional: without it every profile goes to the charger.
	Sites LoadManagedSites
	// CommandTimeout is how long a charger has to answer a command before
	// the partner is told TIMEOUT (default 30 s).
	CommandTimeout time.Duration
	// BaseURL is Volt's public URL (VOLT_PUBLIC_URL); the versions URL is
	// BaseURL + "/ocpi/versions".
	BaseURL string
	// Client calls partners (default: 10 s timeout).
	Client *http.Client
	Logger *slog.Logger
	// Relaxations names what is accepted beyond the specification
	// (RelaxRawToken).
	Relaxations []string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Audit records a partner's own credentials changes (optional).
	Audit AuditRecorder

	deliverMu sync.Mutex // one delivery round at a time in this process

	statusMu    sync.Mutex                                                                                       // one status round at a time (DeliverStatuses)
	statusFeeds map[string]*statusFeed                                                                           // by partner: the feeds this process holds
	statusSend  func(ctx context.Context, party *volt.OCPIParty, p *volt.OCPIPartner, push *volt.OCPIPush) error // tests: instead of deliver

	locMu    sync.Mutex
	locCache map[string]cachedLocations // by CPO and partner: a pull walks its pages on one computation
}

// cachedLocations is one computation of a CPO's Locations.
type cachedLocations struct {
	at   time.Time
	locs []*Location
}

// LocationsTTL is how long one computation of a CPO's Locations serves
// its partners' list pages: a full pull of 10,000 chargers is ten pages.
const LocationsTTL = 5 * time.Second

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) client() *http.Client {
	if s.Client != nil {
		return s.Client
	}
	return defaultClient
}

// defaultClient calls partners when Server.Client is unset: one client
// for every call (no allocation per push), keeping connections alive per
// partner host for the status pushes' rounds (issue 14).
var defaultClient = func() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 4 // a partner's sends are sequential; other modules' calls beside them
	return &http.Client{Timeout: 10 * time.Second, Transport: t}
}()

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Server) relaxed(name string) bool {
	for _, r := range s.Relaxations {
		if r == name {
			return true
		}
	}
	return false
}

// system is the context of the OCPI side's reads of the estate.
func system(ctx context.Context) context.Context {
	return volt.NewContextWithActor(ctx, volt.SystemActor)
}

// VersionsURL is Volt's versions endpoint.
func (s *Server) VersionsURL() string { return strings.TrimRight(s.BaseURL, "/") + "/ocpi/versions" }

func (s *Server) url(path string) string { return strings.TrimRight(s.BaseURL, "/") + path }

// call is what the handlers see of a request: the partner whose token it
// carries and the CPO's own party it addresses.
type call struct {
	partner *volt.OCPIPartner
	kind    volt.OCPITokenKind
	token   string
	party   *volt.OCPIParty
}

type callKey struct{}

func callOf(r *http.Request) *call { c, _ := r.Context().Value(callKey{}).(*call); return c }

// Handler returns the http.Handler of every OCPI route.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	anyToken := func(h func(http.ResponseWriter, *http.Request) error) http.Handler { return s.auth(true, "", h) }
	asCPO := func(h func(http.ResponseWriter, *http.Request) error) http.Handler {
		return s.auth(false, volt.OCPIRoleEMSP, h) // Volt serves CPO modules to eMSP partners
	}
	asEMSP := func(h func(http.ResponseWriter, *http.Request) error) http.Handler {
		return s.auth(false, volt.OCPIRoleCPO, h)
	}
	mux.Handle("GET /ocpi/versions", anyToken(s.versions))
	mux.Handle("GET /ocpi/2.2.1", anyToken(s.versionDetails))
	mux.Handle("GET /ocpi/2.2.1/credentials", anyToken(s.getCredentials))
	mux.Handle("POST /ocpi/2.2.1/credentials", anyToken(s.postCredentials))
	mux.Handle("PUT /ocpi/2.2.1/credentials", anyToken(s.putCredentials))
	mux.Handle("DELETE /ocpi/2.2.1/credentials", anyToken(s.deleteCredentials))

	mux.Handle("GET /ocpi/cpo/2.2.1/locations", asCPO(s.listLocations))
	mux.Handle("GET /ocpi/cpo/2.2.1/locations/{location_id}", asCPO(s.getLocation))
	mux.Handle("GET /ocpi/cpo/2.2.1/locations/{location_id}/{evse_uid}", asCPO(s.getLocation))
	mux.Handle("GET /ocpi/cpo/2.2.1/locations/{location_id}/{evse_uid}/{connector_id}", asCPO(s.getLocation))
	mux.Handle("GET /ocpi/cpo/2.2.1/tariffs", asCPO(s.listTariffs))
	mux.Handle("GET /ocpi/cpo/2.2.1/cdrs", asCPO(s.listCDRs))
	mux.Handle("GET /ocpi/cpo/2.2.1/sessions", asCPO(s.listSessions))
	mux.Handle("GET /ocpi/cpo/2.2.1/hubclientinfo", asCPO(s.listClientInfo))
	mux.Handle("GET /ocpi/cpo/2.2.1/hubclientinfo/{country_code}/{party_id}", asCPO(s.getClientInfo))
	mux.Handle("PUT /ocpi/cpo/2.2.1/hubclientinfo/{country_code}/{party_id}", asCPO(s.putClientInfo))
	mux.Handle("GET /ocpi/cpo/2.2.1/tokens/{country_code}/{party_id}/{token_uid}", asCPO(s.getToken))
	mux.Handle("PUT /ocpi/cpo/2.2.1/tokens/{country_code}/{party_id}/{token_uid}", asCPO(s.putToken))
	mux.Handle("PATCH /ocpi/cpo/2.2.1/tokens/{country_code}/{party_id}/{token_uid}", asCPO(s.patchToken))

	mux.Handle("POST /ocpi/cpo/2.2.1/commands/{command}", asCPO(s.receiveCommand))
	s.chargingProfileRoutes(mux, asCPO, asEMSP)
	mux.Handle("POST /ocpi/emsp/2.2.1/commands/{command}/{uid}", asEMSP(s.receiveCommandResult))
	mux.Handle("PUT /ocpi/emsp/2.2.1/locations/{country_code}/{party_id}/{location_id}", asEMSP(s.receiveLocation))
	mux.Handle("PATCH /ocpi/emsp/2.2.1/locations/{country_code}/{party_id}/{location_id}/{evse_uid}", asEMSP(s.patchEVSE))
	mux.Handle("PATCH /ocpi/emsp/2.2.1/locations/{country_code}/{party_id}/{location_id}", asEMSP(s.patchLocation)) // emsp_locations.go
	mux.Handle("PUT /ocpi/emsp/2.2.1/locations/{country_code}/{party_id}/{location_id}/{evse_uid}", asEMSP(s.putEVSE))
	mux.Handle("PUT /ocpi/emsp/2.2.1/locations/{country_code}/{party_id}/{location_id}/{evse_uid}/{connector_id}", asEMSP(s.putConnector))
	mux.Handle("PATCH /ocpi/emsp/2.2.1/locations/{country_code}/{party_id}/{location_id}/{evse_uid}/{connector_id}", asEMSP(s.patchConnector))
	mux.Handle("PUT /ocpi/emsp/2.2.1/sessions/{country_code}/{party_id}/{session_id}", asEMSP(s.receiveSession))
	// realtime.go: the tokens sender (pull, real-time authorisation).
	mux.Handle("GET /ocpi/emsp/2.2.1/tokens", asEMSP(s.listTokens))
	mux.Handle("POST /ocpi/emsp/2.2.1/tokens/{token_uid}/authorize", asEMSP(s.authorizeToken))
	mux.Handle("POST /ocpi/emsp/2.2.1/cdrs", asEMSP(s.receiveCDR))
	mux.Handle("GET /ocpi/emsp/2.2.1/cdrs/{cdr_id}", asEMSP(s.getReceivedCDR))
	mux.Handle("/ocpi/", anyToken(func(w http.ResponseWriter, r *http.Request) error {
		return notFoundErr(StatusClientError, "No OCPI endpoint "+r.Method+" "+r.URL.Path)
	}))
	return mux
}

// tokenOf reads the credentials token of the Authorization header: Base64
// as 2.2.1 says, or as is under RelaxRawToken. It returns the candidates
// to look up in order.
func (s *Server) tokenOf(r *http.Request) []string {
	h := r.Header.Get("Authorization")
	scheme, value, found := strings.Cut(strings.TrimSpace(h), " ")
	if !found || !strings.EqualFold(scheme, "Token") || strings.TrimSpace(value) == "" {
		return nil
	}
	value = strings.TrimSpace(value)
	var out []string
	if b, err := base64.StdEncoding.DecodeString(value); err == nil && printable(string(b)) {
		out = append(out, string(b))
	}
	if s.relaxed(RelaxRawToken) {
		out = append(out, value)
	}
	return out
}

func printable(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// auth authenticates the request and runs h. tokenA says whether the
// registration token may be used (versions and credentials only, §7);
// role, when set, is the partner's role the module is served to.
func (s *Server) auth(tokenA bool, role volt.OCPIRole, h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		echoIDs(w, r)
		c, err := s.authenticate(r, tokenA, role)
		if err == nil {
			err = h(w, r.WithContext(context.WithValue(r.Context(), callKey{}, c)))
		}
		if err != nil {
			s.fail(w, r, err)
		}
	})
}

func (s *Server) authenticate(r *http.Request, tokenA bool, role volt.OCPIRole) (*call, error) {
	unauthorized := &ocpiError{http.StatusUnauthorized, StatusClientError, "Missing or unknown credentials token."}
	var c *call
	for _, tok := range s.tokenOf(r) {
		p, kind, err := s.Store.OCPIPartnerByToken(r.Context(), tok)
		if volt.IsCode(err, volt.EUNAUTHORIZED) {
			continue
		} else if err != nil {
			return nil, err
		}
		c = &call{partner: p, kind: kind, token: tok}
		break
	}
	if c == nil {
		return nil, unauthorized
	}
	if c.kind == volt.OCPITokenA && !tokenA {
		return nil, &ocpiError{http.StatusUnauthorized, StatusClientError, "Token A is valid only for versions and credentials."}
	}
	if role != "" && c.partner.Role != role {
		return nil, notFoundErr(StatusClientError, "This module is not offered to a partner in role "+string(c.partner.Role)+".")
	}
	party, err := s.Store.OCPIPartyOf(r.Context(), c.partner.CPOID)
	if volt.IsCode(err, volt.ENOTFOUND) {
		return nil, &ocpiError{http.StatusServiceUnavailable, StatusServerError, "This party's OCPI country code and party id are not set up yet."}
	} else if err != nil {
		return nil, err
	}
	c.party = party
	// Routing headers (§4.1.3): when sent, the to-party must be the CPO
	// the partner roams with (Volt is no hub), and the from-party the
	// partner itself or, on a module, a party behind it that the partner
	// (a hub) announced in hubclientinfo: the request is then that party's
	// (hubclientinfo.go). HubClientInfo itself takes no routing.
	for i, h := range []struct{ cc, pid, wantCC, wantPID string }{
		{r.Header.Get("OCPI-to-country-code"), r.Header.Get("OCPI-to-party-id"), party.CountryCode, party.PartyID},
		{r.Header.Get("OCPI-from-country-code"), r.Header.Get("OCPI-from-party-id"), c.partner.CountryCode, c.partner.PartyID},
	} {
		if (h.cc == "" && h.pid == "") || c.kind != volt.OCPITokenC || (strings.EqualFold(h.cc, h.wantCC) && strings.EqualFold(h.pid, h.wantPID)) {
			continue
		}
		if i == 0 || role == "" || strings.Contains(r.URL.Path, "/"+hubModule) {
			return nil, badRequest(StatusInvalidParameters, "Routing headers name "+h.cc+"*"+h.pid+", not a party of these credentials.")
		}
		routed, err := s.routedParty(r.Context(), c.partner, h.cc, h.pid)
		if err != nil {
			return nil, err
		}
		c.partner = routed
	}
	return c, nil
}

// echoIDs sets X-Request-ID and X-Correlation-ID of the answer from the
// request's (new ones when it had none), §4.1.4.
func echoIDs(w http.ResponseWriter, r *http.Request) {
	req, corr := r.Header.Get("X-Request-ID"), r.Header.Get("X-Correlation-ID")
	if req == "" {
		req = newRequestID()
	}
	if corr == "" {
		corr = req
	}
	w.Header().Set("X-Request-ID", req)
	w.Header().Set("X-Correlation-ID", corr)
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// fail answers an error in the envelope with its HTTP status and code.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var oe *ocpiError
	switch {
	case errors.As(err, &oe):
	case volt.IsCode(err, volt.ENOTFOUND):
		oe = &ocpiError{http.StatusNotFound, StatusClientError, volt.ErrorMessage(err)}
	case volt.IsCode(err, volt.EINVALID):
		oe = &ocpiError{http.StatusBadRequest, StatusInvalidParameters, volt.ErrorMessage(err)}
	default:
		s.logger().Error("ocpi", "method", r.Method, "path", r.URL.Path, "err", err)
		oe = &ocpiError{http.StatusInternalServerError, StatusServerError, "Internal error."}
	}
	if oe.httpStatus == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Token`)
	}
	write(w, oe.httpStatus, oe.code, oe.msg, nil)
}

// maxBody bounds what Volt reads of a partner's request body.
const maxBody = 1 << 20

// decode reads a JSON body into v: malformed is 2001.
func decode(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return badRequest(StatusInvalidParameters, "Unreadable body.")
	}
	if len(b) > maxBody {
		return &ocpiError{http.StatusRequestEntityTooLarge, StatusInvalidParameters, "Body over 1 MiB."}
	}
	if err := json.Unmarshal(b, v); err != nil {
		return badRequest(StatusInvalidParameters, "Malformed JSON: "+err.Error())
	}
	return nil
}
