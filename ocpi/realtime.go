package ocpi

import (
	"context"
	"net/http"
	"net/url"
	"sort"
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
	to := p // a token of a party behind a hub: asked of that party
	if tok, err := a.Server.Store.FindOCPIToken(ctx, p.ID, uid, tokenType); err == nil {
		to = addressedTo(p, tok.CountryCode, tok.PartyID)
	}
	if _, err := a.Server.do(ctx, to, http.MethodPost, u, p.TheirToken, LocationReferences{LocationID: locationID}, &info); err != nil {
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
// blocked card or a disabled account), EXPIRED or NO_CREDIT (the driver's
// fleet paid their monthly limit, or the driver owes a roaming debt); a token Volt does not
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
	case d.NoCredit != "": // the driver's fleet paid their monthly limit (issue 19)
		allowed = "NO_CREDIT"
	}
	valid := allowed == "ALLOWED"
	info := AuthorizationInfo{Allowed: allowed, Token: driverToken(c.party, cpo.Name, *d, valid, s.now())}
	if valid {
		info.Location = &loc
	}
	ok(w, info)
	return nil
}

// driverToken is a driver's card (RFID) or app token (APP_USER) as Volt,
// eMSP, sends it to partner CPOs.
func driverToken(party *volt.OCPIParty, issuer string, d volt.DriverToken, valid bool, at time.Time) Token {
	if d.Type == "APP_USER" {
		t := appToken(party, issuer, d.UID, valid, at)
		t.Whitelist = volt.EffectiveWhitelist(d.Whitelist, "")
		return t
	}
	return Token{CountryCode: party.CountryCode, PartyID: party.PartyID, UID: truncate(d.UID, 36), Type: "RFID",
		ContractID: truncate(party.CountryCode+"-"+party.PartyID+"-C"+d.UID, 36), Issuer: truncate(issuer, 64),
		Valid: valid, Whitelist: volt.EffectiveWhitelist(d.Whitelist, ""), LastUpdated: DateTime(at)}
}

// listTokens serves a partner CPO's pull of Volt's drivers' tokens (eMSP
// side, §12.2.1 GET): cards and app tokens, valid unless blocked,
// disabled, expired or their driver owes a roaming debt, by last change in [date_from, date_to), paged.
func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	c := callOf(r)
	p, err := parsePaging(r)
	if err != nil {
		return err
	}
	apps, isApps := s.Store.(volt.RoamingAppStore)
	if !isApps {
		ok(w, pageOf(w, r, s.url("/ocpi/emsp/2.2.1/tokens"), p, []Token{}))
		return nil
	}
	list, err := apps.FindDriverTokens(r.Context(), c.partner.CPOID)
	if err != nil {
		return err
	}
	cpo, err := s.Hierarchy.FindCPOByID(system(r.Context()), c.partner.CPOID)
	if err != nil {
		return err
	}
	sort.Slice(list, func(i, j int) bool {
		if !list[i].UpdatedAt.Equal(list[j].UpdatedAt) {
			return list[i].UpdatedAt.Before(list[j].UpdatedAt)
		}
		return list[i].UID < list[j].UID
	})
	out := make([]Token, 0, len(list))
	for _, d := range list {
		if !p.Contains(d.UpdatedAt) {
			continue
		}
		valid := !d.Blocked && !d.Debt && (d.ExpiresAt == nil || d.ExpiresAt.After(s.now()))
		out = append(out, driverToken(c.party, cpo.Name, d, valid, d.UpdatedAt))
	}
	ok(w, pageOf(w, r, s.url("/ocpi/emsp/2.2.1/tokens"), p, out))
	return nil
}
