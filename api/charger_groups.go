package api

import (
	"context"

	"github.com/volt-ev/volt"
)

// ChargerGroupCreate is the body of POST /api/v1/charger-groups.
type ChargerGroupCreate struct {
	SiteID  string `json:"siteId" minLength:"1" doc:"The site the group is at."`
	Name    string `json:"name" minLength:"1" maxLength:"200"`
	Private bool   `json:"private,omitempty" doc:"A private group admits only its usergroups."`
	// OCPIExcluded keeps the group out of OCPI roaming and open data.
	OCPIExcluded bool `json:"ocpiExcluded,omitempty" doc:"Not published over OCPI: no roaming partner sees it, nor the open data feed."`
}

// ChargerGroupPatch is the body of PATCH /api/v1/charger-groups/{id}.
type ChargerGroupPatch struct {
	Name    *string `json:"name,omitempty" minLength:"1" maxLength:"200"`
	Private *bool   `json:"private,omitempty"`
	// OCPIExcluded switches OCPI publishing of the group off (true) or on.
	OCPIExcluded *bool `json:"ocpiExcluded,omitempty" doc:"Not published over OCPI (roaming partners, open data feed)."`
}

type chargerGroupListInput struct {
	HierarchyListParams
	SiteID string `query:"siteId" doc:"Only groups at this site."`
	HostID string `query:"hostId" doc:"Only groups given to this host."`
}

type chargerGroupCreateInput struct{ Body ChargerGroupCreate }

type chargerGroupPatchInput struct {
	IDInput
	Body ChargerGroupPatch
}

func (s *server) listChargerGroups(ctx context.Context, in *chargerGroupListInput) (*ListOutput[*volt.ChargerGroup], error) {
	f := in.filter()
	f.SiteID, f.HostID = in.SiteID, in.HostID
	items, total, err := s.Hierarchy.FindChargerGroups(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) getChargerGroup(ctx context.Context, in *IDInput) (*Out[*volt.ChargerGroup], error) {
	g, err := s.Hierarchy.FindChargerGroupByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(g), nil
}

func (s *server) createChargerGroup(ctx context.Context, in *chargerGroupCreateInput) (*Out[*volt.ChargerGroup], error) {
	g := &volt.ChargerGroup{SiteID: in.Body.SiteID, Name: in.Body.Name, Private: in.Body.Private, OCPIExcluded: in.Body.OCPIExcluded}
	if err := s.Hierarchy.CreateChargerGroup(ctx, g); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(g), nil
}

func (s *server) patchChargerGroup(ctx context.Context, in *chargerGroupPatchInput) (*Out[*volt.ChargerGroup], error) {
	g, err := s.Hierarchy.FindChargerGroupByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	set(&g.Name, in.Body.Name)
	set(&g.Private, in.Body.Private)
	set(&g.OCPIExcluded, in.Body.OCPIExcluded)
	if err := s.Hierarchy.UpdateChargerGroup(ctx, g); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(g), nil
}

func (s *server) deleteChargerGroup(ctx context.Context, in *IDInput) (*struct{}, error) {
	if err := s.Hierarchy.DeleteChargerGroup(ctx, in.ID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}
