package api

import (
	"context"
	"time"

	"github.com/volt-ev/volt"
)

// AffiliateCodeCreate is the body of POST /api/v1/affiliate-codes.
type AffiliateCodeCreate struct {
	Code        string     `json:"code" minLength:"4" maxLength:"32"`
	UsergroupID string     `json:"usergroupId" minLength:"1" doc:"The private usergroup the code puts a driver into."`
	MaxUses     int        `json:"maxUses,omitempty" minimum:"0" doc:"0: unlimited."`
	ExpiresAt   *time.Time `json:"expiresAt,omitempty"`
}

// AffiliateRedeem is the body of POST /api/v1/affiliate-codes/redeem.
type AffiliateRedeem struct {
	Code string `json:"code" minLength:"1" maxLength:"32"`
}

type affiliateListInput struct {
	CPOID string `query:"cpoId"`
	Query string `query:"q" maxLength:"200"`
	PageParams
}

type affiliateCreateInput struct{ Body AffiliateCodeCreate }

type affiliateRedeemInput struct{ Body AffiliateRedeem }

func (s *server) listAffiliateCodes(ctx context.Context, in *affiliateListInput) (*ListOutput[*volt.AffiliateCode], error) {
	f := volt.Filter{CPOID: in.CPOID, Query: in.Query, Page: in.page()}
	items, total, err := s.Users.FindAffiliateCodes(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) getAffiliateCode(ctx context.Context, in *IDInput) (*Out[*volt.AffiliateCode], error) {
	items, _, err := s.Users.FindAffiliateCodes(ctx, volt.Filter{ID: in.ID, Page: volt.Page{Limit: 1}})
	if err != nil {
		return nil, s.err(ctx, err)
	}
	if len(items) == 0 {
		return nil, newError(volt.ENOTFOUND, "Affiliate code not found.", "")
	}
	return out(items[0]), nil
}

func (s *server) createAffiliateCode(ctx context.Context, in *affiliateCreateInput) (*Out[*volt.AffiliateCode], error) {
	b := in.Body
	a := &volt.AffiliateCode{Code: b.Code, UsergroupID: b.UsergroupID, MaxUses: b.MaxUses, ExpiresAt: b.ExpiresAt}
	if err := s.Users.CreateAffiliateCode(ctx, a); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(a), nil
}

func (s *server) deleteAffiliateCode(ctx context.Context, in *IDInput) (*struct{}, error) {
	if err := s.Users.DeleteAffiliateCode(ctx, in.ID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}

func (s *server) redeemAffiliateCode(ctx context.Context, in *affiliateRedeemInput) (*Out[*volt.Usergroup], error) {
	g, err := s.Users.RedeemAffiliateCode(ctx, in.Body.Code)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(g), nil
}
