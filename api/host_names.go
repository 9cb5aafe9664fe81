package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
)

// HostNameClaimCreate is the body of POST /api/v1/cpos/{id}/host-names.
type HostNameClaimCreate struct {
	HostName string `json:"hostName" minLength:"1" maxLength:"253" doc:"The whitelabel host name to claim, e.g. charge.example.com."`
}

type hostNameClaimCreateInput struct {
	IDInput
	Body HostNameClaimCreate
}

type hostNameInput struct {
	IDInput
	HostName string `path:"hostName" maxLength:"253" doc:"The claimed host name."`
}

// HostNameClaimsBody lists a CPO's host name claims.
type HostNameClaimsBody struct {
	Items []*volt.HostNameClaim `json:"items"`
}

// hostNameRoutes are a whitelabel's host name claims and their DNS
// verification (issue #10 item 2).
func (s *server) hostNameRoutes() {
	a := s.api
	const get, post, del = http.MethodGet, http.MethodPost, http.MethodDelete
	huma.Register(a, withErrors(op("listHostNameClaims", get, "/cpos/{id}/host-names", "A CPO's host name claims", "cpos", 200), http.StatusNotImplemented), s.listHostNameClaims)
	huma.Register(a, withErrors(op("createHostNameClaim", post, "/cpos/{id}/host-names",
		"Claim a host name for the CPO's theme: answers the DNS TXT record to publish (a super admin's claim is verified at once)", "cpos", 201), http.StatusNotImplemented), s.createHostNameClaim)
	huma.Register(a, withErrors(op("verifyHostNameClaim", post, "/cpos/{id}/host-names/{hostName}/verify",
		"Verify a claim by its DNS TXT record; a verified name may then be put in the CPO's theme", "cpos", 200), http.StatusNotImplemented, http.StatusServiceUnavailable), s.verifyHostNameClaim)
	huma.Register(a, withErrors(op("deleteHostNameClaim", del, "/cpos/{id}/host-names/{hostName}", "Withdraw a host name claim", "cpos", 204), http.StatusNotImplemented), s.deleteHostNameClaim)
}

func (s *server) listHostNameClaims(ctx context.Context, in *IDInput) (*Out[HostNameClaimsBody], error) {
	if s.HostNames == nil {
		return nil, s.err(ctx, notWired("host name"))
	}
	items, err := s.HostNames.FindHostNameClaims(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(HostNameClaimsBody{Items: items}), nil
}

func (s *server) createHostNameClaim(ctx context.Context, in *hostNameClaimCreateInput) (*Out[*volt.HostNameClaim], error) {
	if s.HostNames == nil {
		return nil, s.err(ctx, notWired("host name"))
	}
	c, err := s.HostNames.ClaimHostName(ctx, in.ID, in.Body.HostName)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(c), nil
}

func (s *server) verifyHostNameClaim(ctx context.Context, in *hostNameInput) (*Out[*volt.HostNameClaim], error) {
	if s.HostNames == nil {
		return nil, s.err(ctx, notWired("host name"))
	}
	c, err := s.HostNames.VerifyHostName(ctx, in.ID, in.HostName)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(c), nil
}

func (s *server) deleteHostNameClaim(ctx context.Context, in *hostNameInput) (*struct{}, error) {
	if s.HostNames == nil {
		return nil, s.err(ctx, notWired("host name"))
	}
	if err := s.HostNames.DeleteHostNameClaim(ctx, in.ID, in.HostName); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}
