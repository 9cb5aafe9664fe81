package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
)

// InvitationCreate is the body of POST /api/v1/invitations.
type InvitationCreate struct {
	Kind           volt.InvitationKind `json:"kind" enum:"cpo,owner,host,installer,staff,driver" doc:"What the link registers: a CPO (super admins), an owner or installer with its first admin, or a host, staff member or driver joining usergroupId."`
	CPOID          string              `json:"cpoId,omitempty" maxLength:"64" doc:"The CPO invited into (all kinds but cpo)."`
	UsergroupID    string              `json:"usergroupId,omitempty" maxLength:"64" doc:"The usergroup a host, staff member or driver joins; its role must match the kind."`
	Email          string              `json:"email" minLength:"3" maxLength:"254"`
	Prefill        map[string]string   `json:"prefill,omitempty" doc:"Pre-filled registration fields (organisationName, name, phone, companyNumber, vatNumber, ozevNumber)."`
	ExpiresInHours int                 `json:"expiresInHours,omitempty" minimum:"0" maximum:"2160" doc:"How long the link works (default 168 h, at most 90 days)."`
}

type invitationListInput struct {
	PageParams
	CPOID string `query:"cpoId" maxLength:"64"`
	State string `query:"state" enum:"pending,used,expired,revoked,"`
}

type invitationCreateInput struct {
	requestBase
	Body InvitationCreate
}

// RegistrationBody is the body of POST /api/v1/registrations: the person
// who holds a magic link registers with it.
type RegistrationBody struct {
	Token            string `json:"token" minLength:"1" maxLength:"100" doc:"The token of the link (the last path element of its URL)."`
	Name             string `json:"name" maxLength:"200"`
	Password         string `json:"password" maxLength:"256"`
	Phone            string `json:"phone,omitempty" maxLength:"50"`
	OrganisationName string `json:"organisationName,omitempty" maxLength:"200" doc:"The organisation registered (CPO, owner, installer)."`
}

type registrationInput struct{ Body RegistrationBody }

// OnboardingBody is the body of PUT /api/v1/onboarding: the holding area's
// form, saved as it is, or submitted for approval when submit is true.
type OnboardingBody struct {
	CompanyName   string        `json:"companyName" maxLength:"200"`
	CompanyNumber string        `json:"companyNumber" maxLength:"50"`
	VATNumber     string        `json:"vatNumber" maxLength:"50"`
	Address       AddressBody   `json:"address,omitempty"`
	Bank          BankBody      `json:"bank,omitempty" doc:"Where payouts go."`
	FirstSite     FirstSiteBody `json:"firstSite,omitempty" doc:"Created when the form is submitted."`
	TermsAccepted bool          `json:"termsAccepted,omitempty"`
	Submit        bool          `json:"submit,omitempty" doc:"Submit the complete form to the inviter for approval."`
}

// AddressBody is a postal address in a request.
type AddressBody struct {
	Line1    string `json:"line1,omitempty" maxLength:"200"`
	Line2    string `json:"line2,omitempty" maxLength:"200"`
	City     string `json:"city,omitempty" maxLength:"100"`
	Postcode string `json:"postcode,omitempty" maxLength:"20"`
	Country  string `json:"country,omitempty" maxLength:"2" doc:"ISO 3166-1 alpha-2."`
}

// BankBody is a UK bank account for payouts.
type BankBody struct {
	AccountName   string `json:"accountName,omitempty" maxLength:"100"`
	SortCode      string `json:"sortCode,omitempty" maxLength:"10"`
	AccountNumber string `json:"accountNumber,omitempty" maxLength:"12"`
}

// FirstSiteBody is the organisation's first site.
type FirstSiteBody struct {
	Name      string      `json:"name,omitempty" maxLength:"200"`
	Address   AddressBody `json:"address,omitempty" doc:"Default the company's address."`
	Latitude  float64     `json:"latitude,omitempty" minimum:"-90" maximum:"90"`
	Longitude float64     `json:"longitude,omitempty" minimum:"-180" maximum:"180"`
}

type onboardingInput struct{ Body OnboardingBody }

type onboardingListInput struct {
	PageParams
	CPOID  string `query:"cpoId" maxLength:"64"`
	Status string `query:"status" enum:"open,submitted,approved,rejected,"`
}

// RejectBody is the body of POST /api/v1/onboardings/{id}/reject.
type RejectBody struct {
	Reason string `json:"reason" maxLength:"2000" doc:"Why, for the applicant."`
}

type rejectInput struct {
	IDInput
	Body RejectBody
}

func (s *server) invitationRoutes() {
	a := s.api
	const get, post, put = http.MethodGet, http.MethodPost, http.MethodPut
	huma.Register(a, op("listInvitations", get, "/invitations", "List magic links with their state", "invitations", 200), s.listInvitations)
	huma.Register(a, op("createInvitation", post, "/invitations", "Invite by magic link (e-mailed; the url is shown once)", "invitations", 201), s.createInvitation)
	huma.Register(a, op("getInvitation", get, "/invitations/{id}", "Get an invitation", "invitations", 200), s.getInvitation)
	huma.Register(a, op("revokeInvitation", post, "/invitations/{id}/revoke", "Withdraw a pending invitation", "invitations", 200), s.revokeInvitation)
	huma.Register(a, s.publicOp(op("register", post, "/registrations", "Register with a magic link's token: an expired, used or revoked link is 422 and creates nothing", "invitations", 201)), s.register)
	huma.Register(a, op("getMyOnboarding", get, "/onboarding", "The caller's own onboarding (the holding area)", "onboarding", 200), s.getMyOnboarding)
	huma.Register(a, op("saveMyOnboarding", put, "/onboarding", "Save, or submit for approval, the caller's onboarding", "onboarding", 200), s.saveMyOnboarding)
	huma.Register(a, op("listOnboardings", get, "/onboardings", "List onboardings (to approve)", "onboarding", 200), s.listOnboardings)
	huma.Register(a, op("getOnboarding", get, "/onboardings/{id}", "Get an onboarding", "onboarding", 200), s.getOnboarding)
	huma.Register(a, op("approveOnboarding", post, "/onboardings/{id}/approve", "Approve a submitted onboarding: the account leaves the holding area", "onboarding", 200), s.approveOnboarding)
	huma.Register(a, op("rejectOnboarding", post, "/onboardings/{id}/reject", "Reject a submitted onboarding with a reason", "onboarding", 200), s.rejectOnboarding)
}

// holdingRoutes are what an account in the holding area may call.
var holdingRoutes = map[string]bool{
	"GET " + Prefix + "/onboarding": true, "PUT " + Prefix + "/onboarding": true, "POST " + Prefix + "/auth/revoke": true,
}

// holding refuses everything but the holding area to a held account.
func holding(actor *volt.Actor, pattern string) error {
	if actor == nil || actor.OnboardingID == "" || holdingRoutes[pattern] {
		return nil
	}
	return volt.Errorf(volt.EONBOARDING, "Your organisation's onboarding is not complete or not yet approved: only the holding area (GET/PUT /api/v1/onboarding) is open.")
}

func (s *server) listInvitations(ctx context.Context, in *invitationListInput) (*ListOutput[*volt.Invitation], error) {
	if s.Invitations == nil {
		return nil, notWired("invitation")
	}
	p := in.page()
	items, total, err := s.Invitations.FindInvitations(ctx, volt.InvitationFilter{CPOID: in.CPOID, State: volt.InvitationState(in.State), Page: p})
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, p), nil
}

func (s *server) createInvitation(ctx context.Context, in *invitationCreateInput) (*Out[*volt.Invitation], error) {
	if s.Invitations == nil {
		return nil, notWired("invitation")
	}
	b := in.Body
	inv := &volt.Invitation{Kind: b.Kind, CPOID: b.CPOID, UsergroupID: b.UsergroupID, Email: b.Email, Prefill: b.Prefill}
	if err := s.Invitations.CreateInvitation(ctx, inv, time.Duration(b.ExpiresInHours)*time.Hour); err != nil {
		return nil, s.err(ctx, err)
	}
	if strings.HasPrefix(inv.URL, "/") {
		base := strings.TrimRight(s.PublicURL, "/")
		if base == "" {
			base = in.base
		}
		inv.URL = base + inv.URL
	}
	return out(inv), nil
}

func (s *server) getInvitation(ctx context.Context, in *IDInput) (*Out[*volt.Invitation], error) {
	if s.Invitations == nil {
		return nil, notWired("invitation")
	}
	inv, err := s.Invitations.FindInvitationByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(inv), nil
}

func (s *server) revokeInvitation(ctx context.Context, in *IDInput) (*Out[*volt.Invitation], error) {
	if s.Invitations == nil {
		return nil, notWired("invitation")
	}
	inv, err := s.Invitations.RevokeInvitation(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(inv), nil
}

func (s *server) register(ctx context.Context, in *registrationInput) (*Out[*volt.User], error) {
	if s.Invitations == nil {
		return nil, notWired("invitation")
	}
	b := in.Body
	u, err := s.Invitations.Register(ctx, volt.Registration{Token: b.Token, Name: b.Name, Password: b.Password, Phone: b.Phone, OrganisationName: b.OrganisationName})
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(u), nil
}

func (s *server) getMyOnboarding(ctx context.Context, _ *struct{}) (*Out[*volt.Onboarding], error) {
	if s.Invitations == nil {
		return nil, notWired("invitation")
	}
	o, err := s.Invitations.MyOnboarding(ctx)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(o), nil
}

func (s *server) saveMyOnboarding(ctx context.Context, in *onboardingInput) (*Out[*volt.Onboarding], error) {
	if s.Invitations == nil {
		return nil, notWired("invitation")
	}
	b := in.Body
	o := &volt.Onboarding{CompanyName: b.CompanyName, CompanyNumber: b.CompanyNumber, VATNumber: b.VATNumber, Address: volt.Address(b.Address),
		Bank: volt.BankDetails(b.Bank), TermsAccepted: b.TermsAccepted,
		FirstSite: volt.OnboardingSite{Name: b.FirstSite.Name, Address: volt.Address(b.FirstSite.Address), Latitude: b.FirstSite.Latitude, Longitude: b.FirstSite.Longitude}}
	if o.FirstSite.Address == (volt.Address{}) {
		o.FirstSite.Address = o.Address
	}
	if err := s.Invitations.SaveOnboarding(ctx, o, b.Submit); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(o), nil
}

func (s *server) listOnboardings(ctx context.Context, in *onboardingListInput) (*ListOutput[*volt.Onboarding], error) {
	if s.Invitations == nil {
		return nil, notWired("invitation")
	}
	p := in.page()
	items, total, err := s.Invitations.FindOnboardings(ctx, volt.InvitationFilter{CPOID: in.CPOID, Status: volt.OnboardingStatus(in.Status), Page: p})
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, p), nil
}

func (s *server) getOnboarding(ctx context.Context, in *IDInput) (*Out[*volt.Onboarding], error) {
	if s.Invitations == nil {
		return nil, notWired("invitation")
	}
	o, err := s.Invitations.FindOnboardingByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(o), nil
}

func (s *server) approveOnboarding(ctx context.Context, in *IDInput) (*Out[*volt.Onboarding], error) {
	if s.Invitations == nil {
		return nil, notWired("invitation")
	}
	o, err := s.Invitations.DecideOnboarding(ctx, in.ID, true, "")
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(o), nil
}

func (s *server) rejectOnboarding(ctx context.Context, in *rejectInput) (*Out[*volt.Onboarding], error) {
	if s.Invitations == nil {
		return nil, notWired("invitation")
	}
	o, err := s.Invitations.DecideOnboarding(ctx, in.ID, false, in.Body.Reason)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(o), nil
}
