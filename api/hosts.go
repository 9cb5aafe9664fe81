package api

import (
	"context"

	"github.com/volt-ev/volt"
)

// HostCreate is the body of POST /api/v1/hosts.
type HostCreate struct {
	OwnerID         string   `json:"ownerId" minLength:"1" doc:"The owner the host is under."`
	Name            string   `json:"name" minLength:"1" maxLength:"200"`
	ChargerGroupIDs []string `json:"chargerGroupIds,omitempty" maxItems:"1000" doc:"Charger groups the host is given access to."`
}

// HostPatch is the body of PATCH /api/v1/hosts/{id}.
type HostPatch struct {
	Name            *string   `json:"name,omitempty" minLength:"1" maxLength:"200"`
	ChargerGroupIDs *[]string `json:"chargerGroupIds,omitempty" maxItems:"1000"`
}

type hostListInput struct{ HierarchyListParams }

type hostCreateInput struct{ Body HostCreate }

type hostPatchInput struct {
	IDInput
	Body HostPatch
}

func (s *server) listHosts(ctx context.Context, in *hostListInput) (*ListOutput[*volt.Host], error) {
	f := in.filter()
	items, total, err := s.Hierarchy.FindHosts(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) getHost(ctx context.Context, in *IDInput) (*Out[*volt.Host], error) {
	h, err := s.Hierarchy.FindHostByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(h), nil
}

func (s *server) createHost(ctx context.Context, in *hostCreateInput) (*Out[*volt.Host], error) {
	b := in.Body
	h := &volt.Host{OwnerID: b.OwnerID, Name: b.Name, ChargerGroupIDs: b.ChargerGroupIDs}
	if h.ChargerGroupIDs == nil {
		h.ChargerGroupIDs = []string{}
	}
	if err := s.Hierarchy.CreateHost(ctx, h); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(h), nil
}

func (s *server) patchHost(ctx context.Context, in *hostPatchInput) (*Out[*volt.Host], error) {
	h, err := s.Hierarchy.FindHostByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	set(&h.Name, in.Body.Name)
	set(&h.ChargerGroupIDs, in.Body.ChargerGroupIDs)
	if err := s.Hierarchy.UpdateHost(ctx, h); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(h), nil
}

func (s *server) deleteHost(ctx context.Context, in *IDInput) (*struct{}, error) {
	if err := s.Hierarchy.DeleteHost(ctx, in.ID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}
