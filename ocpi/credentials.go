package ocpi

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/volt-ev/volt"
)

// VersionInfo is one entry of the versions list (§6.1.2).
type VersionInfo struct {
	Version string `json:"version"`
	URL     string `json:"url"`
}

// VersionDetails is the answer of a version's details (§6.2.2).
type VersionDetails struct {
	Version   string              `json:"version"`
	Endpoints []volt.OCPIEndpoint `json:"endpoints"`
}

// BusinessDetails names a party (§8.4.2 BusinessDetails).
type BusinessDetails struct {
	Name    string `json:"name"`
	Website string `json:"website,omitempty"`
}

// CredentialsRole is one role of a party in a credentials object.
type CredentialsRole struct {
	Role            volt.OCPIRole   `json:"role"`
	BusinessDetails BusinessDetails `json:"business_details"`
	PartyID         string          `json:"party_id"`
	CountryCode     string          `json:"country_code"`
}

// Credentials is the credentials object (§7.3.1).
type Credentials struct {
	Token string            `json:"token"`
	URL   string            `json:"url"`
	Roles []CredentialsRole `json:"roles"`
}

func (s *Server) versions(w http.ResponseWriter, r *http.Request) error {
	ok(w, []VersionInfo{{Version: Version, URL: s.url("/ocpi/2.2.1")}})
	return nil
}

// endpointsFor lists the modules Volt serves a partner: CPO modules to an
// eMSP, eMSP modules to a CPO.
func (s *Server) endpointsFor(p *volt.OCPIPartner) []volt.OCPIEndpoint {
	e := func(id, role, path string) volt.OCPIEndpoint {
		return volt.OCPIEndpoint{Identifier: id, Role: role, URL: s.url(path)}
	}
	out := []volt.OCPIEndpoint{e("credentials", "SENDER", "/ocpi/2.2.1/credentials"), e("credentials", "RECEIVER", "/ocpi/2.2.1/credentials")}
	if p.Role == volt.OCPIRoleEMSP {
		return append(out, e("chargingprofiles", "RECEIVER", "/ocpi/cpo/2.2.1/chargingprofiles"), e("locations", "SENDER", "/ocpi/cpo/2.2.1/locations"), e("tariffs", "SENDER", "/ocpi/cpo/2.2.1/tariffs"),
			e("tokens", "RECEIVER", "/ocpi/cpo/2.2.1/tokens"), e("commands", "RECEIVER", "/ocpi/cpo/2.2.1/commands"),
			e("cdrs", "SENDER", "/ocpi/cpo/2.2.1/cdrs"), e("sessions", "SENDER", "/ocpi/cpo/2.2.1/sessions"),
			e("hubclientinfo", "RECEIVER", "/ocpi/cpo/2.2.1/hubclientinfo"), e("hubclientinfo", "SENDER", "/ocpi/cpo/2.2.1/hubclientinfo"))
	}
	return append(out, e("locations", "RECEIVER", "/ocpi/emsp/2.2.1/locations"), e("sessions", "RECEIVER", "/ocpi/emsp/2.2.1/sessions"),
		e("cdrs", "RECEIVER", "/ocpi/emsp/2.2.1/cdrs"), e("commands", "SENDER", "/ocpi/emsp/2.2.1/commands"),
		e("tokens", "SENDER", "/ocpi/emsp/2.2.1/tokens"), e("chargingprofiles", "SENDER", "/ocpi/emsp/2.2.1/chargingprofiles"))
}

func (s *Server) versionDetails(w http.ResponseWriter, r *http.Request) error {
	ok(w, VersionDetails{Version: Version, Endpoints: s.endpointsFor(callOf(r).partner)})
	return nil
}

// ourCredentials is Volt's credentials object for the partner, carrying
// token (the one the partner must use to call Volt).
func (s *Server) ourCredentials(ctx context.Context, p *volt.OCPIPartner, party *volt.OCPIParty, token string) (*Credentials, error) {
	cpo, err := s.Hierarchy.FindCPOByID(system(ctx), p.CPOID)
	if err != nil {
		return nil, fmt.Errorf("credentials of CPO %s: %w", p.CPOID, err)
	}
	role := volt.OCPIRoleCPO
	if p.Role == volt.OCPIRoleCPO {
		role = volt.OCPIRoleEMSP
	}
	name := cpo.Name
	if len(name) > 100 {
		name = name[:100]
	}
	return &Credentials{Token: token, URL: s.VersionsURL(), Roles: []CredentialsRole{{
		Role: role, BusinessDetails: BusinessDetails{Name: name}, PartyID: party.PartyID, CountryCode: party.CountryCode}}}, nil
}

func (s *Server) getCredentials(w http.ResponseWriter, r *http.Request) error {
	c := callOf(r)
	creds, err := s.ourCredentials(r.Context(), c.partner, c.party, c.token)
	if err != nil {
		return err
	}
	ok(w, creds)
	return nil
}

// postCredentials is a partner registering with the Token A it was given
// (§7.2.2): Volt reads its versions with its token, then answers with
// Token C.
func (s *Server) postCredentials(w http.ResponseWriter, r *http.Request) error {
	c := callOf(r)
	if c.kind != volt.OCPITokenA {
		return &ocpiError{http.StatusMethodNotAllowed, StatusClientError, "Already registered: use PUT to update the credentials."}
	}
	return s.exchange(w, r, false)
}

// putCredentials is a registered partner updating its credentials
// (§7.2.3): new versions read, a new Token C answered; the old one stays
// valid until the partner uses the new one.
func (s *Server) putCredentials(w http.ResponseWriter, r *http.Request) error {
	c := callOf(r)
	if c.kind != volt.OCPITokenC || c.partner.Status != volt.OCPIConnected {
		return &ocpiError{http.StatusMethodNotAllowed, StatusClientError, "Not registered: use POST with Token A."}
	}
	return s.exchange(w, r, true)
}

// exchange serves the partner's POST or PUT and records it in the audit
// log ("ocpi-partner.register" or ".rotate-token", failed ones too).
func (s *Server) exchange(w http.ResponseWriter, r *http.Request, update bool) error {
	action := "ocpi-partner.register"
	if update {
		action = "ocpi-partner.rotate-token"
	}
	p, err := s.exchangeCredentials(w, r, update)
	s.auditPartner(r, action, callOf(r).partner, p, err)
	return err
}

func (s *Server) exchangeCredentials(w http.ResponseWriter, r *http.Request, update bool) (*volt.OCPIPartner, error) {
	c := callOf(r)
	var in Credentials
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if !printable(in.Token) || in.URL == "" {
		return nil, badRequest(StatusInvalidParameters, "Credentials need a token (printable ASCII, at most 64) and a url.")
	}
	role, err := matchRole(c.partner, in.Roles)
	if err != nil {
		return nil, err
	}
	versionsURL, details, err := s.discover(r.Context(), c.partner, in.URL, in.Token)
	if err != nil {
		_ = s.Store.RecordOCPIError(r.Context(), c.partner.ID, err.Error())
		return nil, err
	}
	ourToken := newToken()
	p, err := s.Store.CompleteOCPIRegistration(r.Context(), volt.OCPIRegistration{PartnerID: c.partner.ID, TheirToken: in.Token,
		OurToken: ourToken, VersionsURL: versionsURL, Version: details.Version, Endpoints: details.Endpoints,
		CountryCode: role.CountryCode, PartyID: role.PartyID, KeepPrevious: update})
	if err != nil {
		return nil, err
	}
	creds, err := s.ourCredentials(r.Context(), p, c.party, ourToken)
	if err != nil {
		return nil, err
	}
	s.logger().Info("ocpi credentials exchanged", "partner", p.ID, "update", update)
	ok(w, creds)
	return p, nil
}

// matchRole finds the partner's role among the credentials' roles: the
// party must be the one the operator added (no silent re-homing).
func matchRole(p *volt.OCPIPartner, roles []CredentialsRole) (CredentialsRole, error) {
	for _, r := range roles {
		if r.Role == p.Role && strings.EqualFold(r.CountryCode, p.CountryCode) && strings.EqualFold(r.PartyID, p.PartyID) {
			return r, nil
		}
	}
	return CredentialsRole{}, badRequest(StatusInvalidParameters,
		fmt.Sprintf("The credentials do not name party %s*%s in role %s, the partner this token was issued to.", p.CountryCode, p.PartyID, p.Role))
}

func (s *Server) deleteCredentials(w http.ResponseWriter, r *http.Request) error {
	c := callOf(r)
	if c.kind != volt.OCPITokenC {
		return &ocpiError{http.StatusMethodNotAllowed, StatusClientError, "Not registered."}
	}
	err := s.Store.UnregisterOCPIPartner(r.Context(), c.partner.ID)
	var after *volt.OCPIPartner
	if err == nil {
		after, _ = s.Store.FindOCPIPartnerSystem(r.Context(), c.partner.ID)
	}
	s.auditPartner(r, "ocpi-partner.unregister", c.partner, after, err)
	if err != nil {
		return err
	}
	ok(w, nil)
	return nil
}

// discover reads a partner's versions with token and the details of 2.2.1.
func (s *Server) discover(ctx context.Context, p *volt.OCPIPartner, versionsURL, token string) (string, *VersionDetails, error) {
	var vs []VersionInfo
	if _, err := s.do(ctx, p, http.MethodGet, versionsURL, token, nil, &vs); err != nil {
		return "", nil, &ocpiError{http.StatusBadRequest, StatusUnableToUseClient, "Reading the versions at " + versionsURL + ": " + err.Error()}
	}
	detailsURL := ""
	for _, v := range vs {
		if v.Version == Version {
			detailsURL = v.URL
		}
	}
	if detailsURL == "" {
		return "", nil, &ocpiError{http.StatusBadRequest, StatusUnsupportedVersion, "No version 2.2.1 at " + versionsURL + "."}
	}
	var d VersionDetails
	if _, err := s.do(ctx, p, http.MethodGet, detailsURL, token, nil, &d); err != nil {
		return "", nil, &ocpiError{http.StatusBadRequest, StatusUnableToUseClient, "Reading version 2.2.1 at " + detailsURL + ": " + err.Error()}
	}
	if len(d.Endpoints) == 0 {
		return "", nil, &ocpiError{http.StatusBadRequest, StatusNoMatchingEndpoints, "Version 2.2.1 lists no endpoints."}
	}
	return versionsURL, &d, nil
}

// RegisterWithPartner registers Volt at a partner's versions URL with the
// Token A it gave (§7.1.1): Volt's Token B is made valid first (the
// partner calls back with it before answering), then the partner's Token
// C and endpoints are stored in one transaction. The actor must be allowed
// to change the partner.
func (s *Server) RegisterWithPartner(ctx context.Context, partnerID, versionsURL, tokenA string) (*volt.OCPIPartner, error) {
	p, err := s.Partners.FindOCPIPartnerByID(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	if !volt.ActorFromContext(ctx).Can(volt.PermWrite, p.Ref()) {
		return nil, volt.Errorf(volt.EFORBIDDEN, "You may not change this partner.")
	}
	if !printable(tokenA) {
		return nil, volt.FieldError("token", "The partner's token must be printable ASCII, at most 64 characters.")
	}
	if !strings.HasPrefix(versionsURL, "http://") && !strings.HasPrefix(versionsURL, "https://") {
		return nil, volt.FieldError("versionsUrl", "The partner's versions URL must be http(s).")
	}
	return s.register(ctx, p, versionsURL, tokenA, false)
}

// RotateCredentials gives a connected partner a new token for calling
// Volt and takes a new one from it (PUT credentials, §7.2.3). The old
// token stays valid until the partner uses the new one.
func (s *Server) RotateCredentials(ctx context.Context, partnerID string) (*volt.OCPIPartner, error) {
	p, err := s.Partners.FindOCPIPartnerByID(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	if !volt.ActorFromContext(ctx).Can(volt.PermWrite, p.Ref()) {
		return nil, volt.Errorf(volt.EFORBIDDEN, "You may not change this partner.")
	}
	if p.Status != volt.OCPIConnected {
		return nil, volt.Errorf(volt.EUNPROCESSABLE, "Partner %s is not connected.", p.Name)
	}
	return s.register(ctx, p, p.VersionsURL, p.TheirToken, true)
}

func (s *Server) register(ctx context.Context, p *volt.OCPIPartner, versionsURL, theirToken string, update bool) (*volt.OCPIPartner, error) {
	fail := func(err error) (*volt.OCPIPartner, error) {
		_ = s.Store.RecordOCPIError(ctx, p.ID, err.Error())
		return nil, volt.Errorf(volt.EUNPROCESSABLE, "Registering with %s: %s", p.Name, err.Error())
	}
	_, details, err := s.discover(ctx, p, versionsURL, theirToken)
	if err != nil {
		return fail(err)
	}
	credURL := ""
	for _, e := range details.Endpoints {
		if e.Identifier == "credentials" {
			credURL = e.URL
		}
	}
	if credURL == "" {
		return fail(fmt.Errorf("the partner lists no credentials endpoint"))
	}
	party, err := s.Store.OCPIPartyOf(ctx, p.CPOID)
	if err != nil {
		return nil, err
	}
	ourToken := newToken()
	if err := s.Store.StageOCPIToken(ctx, p.ID, ourToken, update); err != nil {
		return nil, err
	}
	mine, err := s.ourCredentials(ctx, p, party, ourToken)
	if err != nil {
		return nil, err
	}
	method := http.MethodPost
	if update {
		method = http.MethodPut
	}
	var theirs Credentials
	if _, err := s.do(ctx, p, method, credURL, theirToken, mine, &theirs); err != nil {
		return fail(err)
	}
	if !printable(theirs.Token) {
		return fail(fmt.Errorf("the partner answered no usable token"))
	}
	role, err := matchRole(p, theirs.Roles)
	if err != nil {
		return fail(err)
	}
	// The answer's versions URL is the one to use from now on.
	if theirs.URL != "" && theirs.URL != versionsURL {
		if _, d, err := s.discover(ctx, p, theirs.URL, theirs.Token); err == nil {
			versionsURL, details = theirs.URL, d
		}
	}
	return s.Store.CompleteOCPIRegistration(ctx, volt.OCPIRegistration{PartnerID: p.ID, TheirToken: theirs.Token, OurToken: ourToken,
		VersionsURL: versionsURL, Version: details.Version, Endpoints: details.Endpoints, CountryCode: role.CountryCode,
		PartyID: role.PartyID, KeepPrevious: update})
}
