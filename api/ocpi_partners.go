package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
)

// OCPIPartnerCreate is the body of POST /api/v1/ocpi-partners.
type OCPIPartnerCreate struct {
	CPOID                string        `json:"cpoId" minLength:"1" maxLength:"64"`
	Name                 string        `json:"name" minLength:"1" maxLength:"100"`
	CountryCode          string        `json:"countryCode" minLength:"2" maxLength:"2" doc:"The partner's ISO 3166-1 alpha-2 country code."`
	PartyID              string        `json:"partyId" minLength:"3" maxLength:"3" doc:"The partner's OCPI party id."`
	Role                 volt.OCPIRole `json:"role" enum:"CPO,EMSP" doc:"The partner's role: CPO (Volt is its eMSP) or EMSP (Volt is its CPO)."`
	RoamingMarginPercent *volt.Decimal `json:"roamingMarginPercent,omitempty" doc:"Added to a partner CPO's CDR cost when Volt bills its own driver (percent)."`
	ChargerGroupIDs      []string      `json:"chargerGroupIds,omitempty" maxItems:"1000" doc:"Only these of the CPO's published charger groups are published to the partner (empty: all)."`
	TariffID             string        `json:"tariffId,omitempty" maxLength:"64" doc:"The partner's roaming tariff, shown to it and charged to its drivers instead of the Public tariffs."`
}

// OCPIPartnerCreated is the answer of POST /api/v1/ocpi-partners.
type OCPIPartnerCreated struct {
	*volt.OCPIPartner
	TokenA      string `json:"tokenA" doc:"The registration token for the partner, shown once: it registers with it at versionsUrl."`
	VersionsURL string `json:"versionsUrl" doc:"Volt's OCPI versions endpoint, where the partner registers."`
}

// OCPIPartnerPatch is the body of PATCH /api/v1/ocpi-partners/{id}.
type OCPIPartnerPatch struct {
	Name                 *string       `json:"name,omitempty" maxLength:"100"`
	Suspended            *bool         `json:"suspended,omitempty" doc:"Suspend (every token refused, nothing pushed) or resume."`
	RoamingMarginPercent *volt.Decimal `json:"roamingMarginPercent,omitempty"`
	ChargerGroupIDs      *[]string     `json:"chargerGroupIds,omitempty" maxItems:"1000" doc:"Replaces the partner's charger groups ([]: every published group)."`
	TariffID             *string       `json:"tariffId,omitempty" maxLength:"64" doc:"The roaming tariff (\"\": none, the Public tariffs)."`
}

// OCPIRegisterBody is the body of POST /api/v1/ocpi-partners/{id}/register.
type OCPIRegisterBody struct {
	VersionsURL string `json:"versionsUrl" minLength:"1" maxLength:"2000" doc:"The partner's OCPI versions endpoint."`
	Token       string `json:"token" minLength:"1" maxLength:"64" doc:"The registration token (Token A) the partner gave."`
}

// OCPIPartyBody is a CPO's own OCPI party.
type OCPIPartyBody struct {
	CountryCode string `json:"countryCode" minLength:"2" maxLength:"2" doc:"ISO 3166-1 alpha-2."`
	PartyID     string `json:"partyId" minLength:"3" maxLength:"3"`
}

type ocpiPartnerListInput struct {
	CPOID string `query:"cpoId"`
	PageParams
}

type ocpiPartnerCreateInput struct{ Body OCPIPartnerCreate }

type ocpiPartnerPatchInput struct {
	IDInput
	Body OCPIPartnerPatch
}

type ocpiRegisterInput struct {
	IDInput
	Body OCPIRegisterBody
}

type ocpiPartyInput struct {
	IDInput
	Body OCPIPartyBody
}

func (s *server) listOCPIPartners(ctx context.Context, in *ocpiPartnerListInput) (*ListOutput[*volt.OCPIPartner], error) {
	if s.OCPIPartners == nil {
		return nil, notWired("OCPI")
	}
	f := volt.OCPIPartnerFilter{CPOID: in.CPOID, Page: in.page()}
	items, total, err := s.OCPIPartners.FindOCPIPartners(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) createOCPIPartner(ctx context.Context, in *ocpiPartnerCreateInput) (*Out[*OCPIPartnerCreated], error) {
	if s.OCPIPartners == nil {
		return nil, notWired("OCPI")
	}
	b := in.Body
	p := &volt.OCPIPartner{CPOID: b.CPOID, Name: b.Name, CountryCode: b.CountryCode, PartyID: b.PartyID, Role: b.Role,
		ChargerGroupIDs: b.ChargerGroupIDs, TariffID: b.TariffID}
	if b.RoamingMarginPercent != nil {
		p.RoamingMarginPercent = *b.RoamingMarginPercent
	}
	token, err := s.OCPIPartners.CreateOCPIPartner(ctx, p)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(&OCPIPartnerCreated{OCPIPartner: p, TokenA: token, VersionsURL: s.ocpiVersionsURL()}), nil
}

// ocpiVersionsURL is Volt's versions endpoint under its public URL.
func (s *server) ocpiVersionsURL() string {
	base := s.PublicURL
	for len(base) > 0 && base[len(base)-1] == '/' {
		base = base[:len(base)-1]
	}
	return base + "/ocpi/versions"
}

func (s *server) getOCPIPartner(ctx context.Context, in *IDInput) (*Out[*volt.OCPIPartner], error) {
	if s.OCPIPartners == nil {
		return nil, notWired("OCPI")
	}
	p, err := s.OCPIPartners.FindOCPIPartnerByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(p), nil
}

func (s *server) patchOCPIPartner(ctx context.Context, in *ocpiPartnerPatchInput) (*Out[*volt.OCPIPartner], error) {
	if s.OCPIPartners == nil {
		return nil, notWired("OCPI")
	}
	b := in.Body
	p, err := s.OCPIPartners.UpdateOCPIPartner(ctx, in.ID, volt.OCPIPartnerUpdate{Name: b.Name, Suspended: b.Suspended, RoamingMarginPercent: b.RoamingMarginPercent,
		ChargerGroupIDs: b.ChargerGroupIDs, TariffID: b.TariffID})
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(p), nil
}

func (s *server) deleteOCPIPartner(ctx context.Context, in *IDInput) (*struct{}, error) {
	if s.OCPIPartners == nil {
		return nil, notWired("OCPI")
	}
	if err := s.OCPIPartners.DeleteOCPIPartner(ctx, in.ID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}

func (s *server) registerOCPIPartner(ctx context.Context, in *ocpiRegisterInput) (*Out[*volt.OCPIPartner], error) {
	if s.OCPIRegistrar == nil {
		return nil, notWired("OCPI registration")
	}
	p, err := s.OCPIRegistrar.RegisterWithPartner(ctx, in.ID, in.Body.VersionsURL, in.Body.Token)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(p), nil
}

func (s *server) rotateOCPIPartner(ctx context.Context, in *IDInput) (*Out[*volt.OCPIPartner], error) {
	if s.OCPIRegistrar == nil {
		return nil, notWired("OCPI registration")
	}
	p, err := s.OCPIRegistrar.RotateCredentials(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(p), nil
}

func (s *server) getOCPIParty(ctx context.Context, in *IDInput) (*Out[*volt.OCPIParty], error) {
	if s.OCPIPartners == nil {
		return nil, notWired("OCPI")
	}
	p, err := s.OCPIPartners.FindOCPIParty(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(p), nil
}

func (s *server) putOCPIParty(ctx context.Context, in *ocpiPartyInput) (*Out[*volt.OCPIParty], error) {
	if s.OCPIPartners == nil {
		return nil, notWired("OCPI")
	}
	p := &volt.OCPIParty{CPOID: in.ID, CountryCode: in.Body.CountryCode, PartyID: in.Body.PartyID}
	if err := s.OCPIPartners.SetOCPIParty(ctx, p); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(p), nil
}

func (s *server) ocpiRoutes() {
	a := s.api
	const get, post, put, patch, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete
	huma.Register(a, op("listOcpiPartners", get, "/ocpi-partners", "List OCPI roaming partners", "ocpi-partners", 200), s.listOCPIPartners)
	huma.Register(a, op("createOcpiPartner", post, "/ocpi-partners", "Add an OCPI roaming partner: answers its Token A (shown once) and Volt's versions URL", "ocpi-partners", 201), s.createOCPIPartner)
	huma.Register(a, op("getOcpiPartner", get, "/ocpi-partners/{id}", "Get an OCPI partner: handshake state, its endpoints, last error", "ocpi-partners", 200), s.getOCPIPartner)
	huma.Register(a, op("updateOcpiPartner", patch, "/ocpi-partners/{id}", "Rename, suspend or resume an OCPI partner, or change its roaming margin", "ocpi-partners", 200), s.patchOCPIPartner)
	huma.Register(a, op("deleteOcpiPartner", del, "/ocpi-partners/{id}", "Remove an OCPI partner", "ocpi-partners", 204), s.deleteOCPIPartner)
	huma.Register(a, op("registerOcpiPartner", post, "/ocpi-partners/{id}/register", "Register Volt with the partner: its versions URL and the Token A it gave (OCPI credentials handshake)", "ocpi-partners", 200), s.registerOCPIPartner)
	huma.Register(a, op("rotateOcpiPartnerCredentials", post, "/ocpi-partners/{id}/rotate-credentials", "Rotate the tokens with a connected partner: a new token for each side (OCPI credentials PUT)", "ocpi-partners", 200), s.rotateOCPIPartner)
	s.ocpiReconciliationRoute()
	s.roamingBillsRoute() // a roaming CDR's card refused: the operator sees the debt
	s.roamingDebtsRoutes()
	s.roamingWhitelistRoutes()
	s.roamingProfileRoutes() // issue 14: charging profiles of roaming sessions
	huma.Register(a, op("getCpoOcpiParty", get, "/cpos/{id}/ocpi-party", "A CPO's own OCPI country code and party id", "cpos", 200), s.getOCPIParty)
	huma.Register(a, op("setCpoOcpiParty", put, "/cpos/{id}/ocpi-party", "Set a CPO's own OCPI country code and party id", "cpos", 200), s.putOCPIParty)
}
