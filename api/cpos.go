package api

import (
	"context"

	"github.com/volt-ev/volt"
)

// CPOCreate is the body of POST /api/v1/cpos.
type CPOCreate struct {
	Name       string      `json:"name" minLength:"1" maxLength:"200" doc:"Display name of the operator."`
	Whitelabel bool        `json:"whitelabel,omitempty" doc:"Whether the CPO has its own theming."`
	Theme      *ThemeInput `json:"theme,omitempty" doc:"Whitelabel theming."`
	Currency   string      `json:"currency,omitempty" doc:"ISO 4217 currency of its tariffs (default GBP)."`
}

// CPOPatch is the body of PATCH /api/v1/cpos/{id}; absent fields are kept.
type CPOPatch struct {
	Name       *string     `json:"name,omitempty" minLength:"1" maxLength:"200"`
	Whitelabel *bool       `json:"whitelabel,omitempty"`
	Theme      *ThemeInput `json:"theme,omitempty"`
	Currency   *string     `json:"currency,omitempty"`
	// MaxConcurrentSessionsPerCard: open sessions one card may have at once.
	MaxConcurrentSessionsPerCard *int `json:"maxConcurrentSessionsPerCard,omitempty" minimum:"1" maximum:"100" doc:"How many sessions one card may have open at once on the CPO's chargers (default 1)."`
	// Receipt details (issue #11): who the drivers' receipts are from.
	LegalName    *string `json:"legalName,omitempty" maxLength:"200" doc:"Legal name on receipts."`
	LegalAddress *string `json:"legalAddress,omitempty" maxLength:"500" doc:"Registered address on receipts (lines separated by newlines)."`
	VATNumber    *string `json:"vatNumber,omitempty" maxLength:"20" doc:"VAT registration number on receipts, e.g. GB123456789."`
	// Certification policy (issue 16 item 4).
	RequireCertifiedChargers *bool `json:"requireCertifiedChargers,omitempty" doc:"Hold chargers of uncertified models at BootNotification Pending (default false: they charge, flagged)."`
}

// HierarchyListParams filter lists of the estate.
type HierarchyListParams struct {
	CPOID   string `query:"cpoId" doc:"Only items of this CPO."`
	OwnerID string `query:"ownerId" doc:"Only items of this owner."`
	Query   string `query:"q" maxLength:"200" doc:"Free text on names."`
	PageParams
}

func (p HierarchyListParams) filter() volt.Filter {
	return volt.Filter{CPOID: p.CPOID, OwnerID: p.OwnerID, Query: p.Query, Page: p.page()}
}

type cpoListInput struct{ HierarchyListParams }

type cpoCreateInput struct{ Body CPOCreate }

type cpoPatchInput struct {
	IDInput
	Body CPOPatch
}

func (s *server) listCPOs(ctx context.Context, in *cpoListInput) (*ListOutput[*volt.CPO], error) {
	f := in.filter()
	f.ID = in.CPOID
	f.CPOID = ""
	items, total, err := s.Hierarchy.FindCPOs(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) getCPO(ctx context.Context, in *IDInput) (*Out[*volt.CPO], error) {
	c, err := s.Hierarchy.FindCPOByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(c), nil
}

func (s *server) createCPO(ctx context.Context, in *cpoCreateInput) (*Out[*volt.CPO], error) {
	c := &volt.CPO{Name: in.Body.Name, Whitelabel: in.Body.Whitelabel, Currency: in.Body.Currency}
	if t := in.Body.Theme.theme(); t != nil {
		c.Theme = *t
	}
	if err := s.Hierarchy.CreateCPO(ctx, c); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(c), nil
}

func (s *server) patchCPO(ctx context.Context, in *cpoPatchInput) (*Out[*volt.CPO], error) {
	c, err := s.Hierarchy.FindCPOByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	b := in.Body
	set(&c.Name, b.Name)
	set(&c.Whitelabel, b.Whitelabel)
	set(&c.Theme, b.Theme.theme())
	set(&c.Currency, b.Currency)
	set(&c.MaxConcurrentSessionsPerCard, b.MaxConcurrentSessionsPerCard)
	set(&c.LegalName, b.LegalName)
	set(&c.LegalAddress, b.LegalAddress)
	set(&c.VATNumber, b.VATNumber)
	set(&c.RequireCertifiedChargers, b.RequireCertifiedChargers)
	if err := s.Hierarchy.UpdateCPO(ctx, c); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(c), nil
}

func (s *server) deleteCPO(ctx context.Context, in *IDInput) (*struct{}, error) {
	if err := s.Hierarchy.DeleteCPO(ctx, in.ID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}
