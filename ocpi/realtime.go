package ocpi

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/volt-ev/volt"
)

// Real-time authorisation (OCPI 2.2.1 §12.2.1, issue 14): as CPO, Volt
// asks an eMSP partner about its NEVER and ALLOWED tokens before an OCPP
// answer, within a short deadline; as eMSP, Volt answers for its drivers'
// cards and app tokens.

// AuthorizationInfo is the eMSP's real-time answer (§12.3.1).
type AuthorizationInfo struct {
	Allowed  string              `json:"allowed"` // ALLOWED, BLOCKED, EXPIRED, NO_CREDIT, NOT_ALLOWED
	Token    Token               `json:"token"`
	Location *LocationReferences `json:"location,omitempty"`
}

// LocationReferences names where a token is to charge (§12.4.3).
type LocationReferences struct {
	LocationID string   `json:"location_id"`
	EVSEUIDs   []string `json:"evse_uids,omitempty"`
}

// RealTimeAuth asks eMSP partners in real time (CPO side); it is the
// store's volt.RoamingAuthorizer. Answers are kept for CacheTTL per
// partner, token and location, so the StartTransaction that follows an
// Authorize asks no second time; no answer is never kept.
type RealTimeAuth struct {
	Server *Server
	// Timeout bounds one ask, so an OCPP answer never waits longer
	// (default 2 s). CacheTTL is how long an answer is reused (default
	// 2 min).
	Timeout, CacheTTL time.Duration

	mu    sync.Mutex
	cache map[string]cachedAnswer
}

type cachedAnswer struct {
	allowed string
	at      time.Time
}

var _ volt.RoamingAuthorizer = (*RealTimeAuth)(nil)

// AuthorizeRealTime asks the partner whether its token uid may charge at
// locationID: its AllowedType, or an error when it did not answer in time
// (or does not offer real-time authorisation).
func (a *RealTimeAuth) AuthorizeRealTime(ctx context.Context, partnerID, uid, tokenType, locationID string) (string, error) {
	ttl, timeout := a.CacheTTL, a.Timeout
	if ttl <= 0 {
		ttl = 2 * time.Minute
	}
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	key := partnerID + "\x00" + strings.ToUpper(uid) + "\x00" + tokenType + "\x00" + locationID
	now := a.Server.now()
	a.mu.Lock()
	if c, ok := a.cache[key]; ok && now.Sub(c.at) < ttl {
		a.mu.Unlock()
		return c.allowed, nil
	}
	a.mu.Unlock()

	p, err := a.Server.Store.FindOCPIPartnerSystem(ctx, partnerID)
	if err != nil {
		return "", err
	}
	base := p.Endpoint("tokens", "SENDER")
	if p.Status != volt.OCPIConnected || base == "" {
		return "", volt.Errorf(volt.EUNAVAILABLE, "Partner %s offers no real-time authorisation.", p.Name)
	}
	if tokenType == "" {
		tokenType = "RFID"
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var info AuthorizationInfo
	u := strings.TrimRight(base, "/") + "/" + url.PathEscape(uid) + "/authorize?type=" + url.QueryEscape(tokenType)
	if _, err := a.Server.do(ctx, p, http.MethodPost, u, p.TheirToken, LocationReferences{LocationID: locationID}, &info); err != nil {
		a.Server.logger().Warn("ocpi real-time authorisation: no answer", "partner", partnerID, "err", err)
		return "", err
	}
	if info.Allowed == "" {
		return "", volt.Errorf(volt.EUNAVAILABLE, "Partner %s answered no authorisation.", p.Name)
	}
	a.mu.Lock()
	if a.cache == nil {
		a.cache = map[string]cachedAnswer{}
	}
	for k, c := range a.cache { // keep the cache to live answers
		if now.Sub(c.at) >= ttl {
			delete(a.cache, k)
		}
	}
	a.cache[key] = cachedAnswer{allowed: info.Allowed, at: now}
	a.mu.Unlock()
	return info.Allowed, nil
}

// authorizeToken answers a partner CPO's real-time authorisation of one
// of Volt's drivers' tokens (eMSP side, §12.2.1): ALLOWED, BLOCKED (a
// blocked card or a disabled account) or EXPIRED; a token Volt does not
// know is 404 (2004); no location is 2002.
func (s *Server) authorizeToken(w http.ResponseWriter, r *http.Request) error {
	c := callOf(r)
	apps, isApps := s.Store.(volt.RoamingAppStore)
	if !isApps {
		return notFoundErr(StatusUnknownToken, "Unknown token.")
	}
	var loc LocationReferences
	if r.ContentLength != 0 {
		if err := decode(r, &loc); err != nil {
			return err
		}
	}
	if loc.LocationID == "" {
		return badRequest(StatusNotEnoughInfo, "Real-time authorisation needs the LocationReferences.")
	}
	typ := r.URL.Query().Get("type")
	if typ == "" {
		typ = "RFID"
	}
	d, err := apps.FindDriverToken(r.Context(), c.partner.CPOID, r.PathValue("token_uid"), typ)
	if volt.IsCode(err, volt.ENOTFOUND) {
		return notFoundErr(StatusUnknownToken, "Unknown token "+r.PathValue("token_uid")+".")
	} else if err != nil {
		return err
	}
	cpo, err := s.Hierarchy.FindCPOByID(system(r.Context()), c.partner.CPOID)
	if err != nil {
		return err
	}
	allowed := "ALLOWED"
	switch {
	case d.Blocked:
		allowed = "BLOCKED"
	case d.ExpiresAt != nil && !d.ExpiresAt.After(s.now()):
		allowed = "EXPIRED"
	}
	valid := allowed == "ALLOWED"
	tok := Token{CountryCode: c.party.CountryCode, PartyID: c.party.PartyID, UID: truncate(d.UID, 36), Type: "RFID",
		ContractID: truncate(c.party.CountryCode+"-"+c.party.PartyID+"-C"+d.UID, 36), Issuer: truncate(cpo.Name, 64),
		Valid: valid, Whitelist: "ALLOWED", LastUpdated: DateTime(s.now())}
	if d.Type == "APP_USER" {
		tok = appToken(c.party, cpo.Name, d.UID, valid, s.now())
	}
	info := AuthorizationInfo{Allowed: allowed, Token: tok}
	if valid {
		info.Location = &loc
	}
	ok(w, info)
	return nil
}
