package audit

import (
	"context"

	"github.com/volt-ev/volt"
)

// hierarchy audits every change of a volt.HierarchyService; reads pass
// through the embedded service.
type hierarchy struct {
	volt.HierarchyService
	r *Recorder
}

// WrapHierarchy returns next with every create, update and delete recorded
// (actions "cpo.create", "owner.update", "site.delete", ...).
func WrapHierarchy(next volt.HierarchyService, r *Recorder) volt.HierarchyService {
	return &hierarchy{HierarchyService: next, r: r}
}

func (h *hierarchy) cpos() tracked[*volt.CPO] {
	return tracked[*volt.CPO]{typ: volt.ResourceCPO, find: h.FindCPOByID,
		place: func(c *volt.CPO) volt.Ref { return volt.Ref{CPOID: c.ID} }}
}

func (h *hierarchy) owners() tracked[*volt.Owner] {
	return tracked[*volt.Owner]{typ: volt.ResourceOwner, find: h.FindOwnerByID,
		place: func(o *volt.Owner) volt.Ref { return volt.Ref{CPOID: o.CPOID, OwnerID: o.ID} }}
}

func (h *hierarchy) hosts() tracked[*volt.Host] {
	return tracked[*volt.Host]{typ: volt.ResourceHost, find: h.FindHostByID,
		place: func(o *volt.Host) volt.Ref { return volt.Ref{CPOID: o.CPOID, OwnerID: o.OwnerID} }}
}

func (h *hierarchy) sites() tracked[*volt.Site] {
	return tracked[*volt.Site]{typ: volt.ResourceSite, find: h.FindSiteByID,
		place: func(s *volt.Site) volt.Ref { return volt.Ref{CPOID: s.CPOID, OwnerID: s.OwnerID} }}
}

func (h *hierarchy) groups() tracked[*volt.ChargerGroup] {
	return tracked[*volt.ChargerGroup]{typ: volt.ResourceChargerGroup, find: h.FindChargerGroupByID,
		place: (*volt.ChargerGroup).Ref}
}

// CreateCPO creates and records "cpo.create".
func (h *hierarchy) CreateCPO(ctx context.Context, c *volt.CPO) error {
	return run(ctx, h.r, h.cpos(), mutation{action: "cpo.create", call: func() (string, error) {
		return idIf(c.ID, h.HierarchyService.CreateCPO(ctx, c))
	}})
}

// UpdateCPO updates and records "cpo.update".
func (h *hierarchy) UpdateCPO(ctx context.Context, c *volt.CPO) error {
	return run(ctx, h.r, h.cpos(), mutation{action: "cpo.update", id: c.ID, call: func() (string, error) {
		return idIf(c.ID, h.HierarchyService.UpdateCPO(ctx, c))
	}})
}

// DeleteCPO deletes and records "cpo.delete".
func (h *hierarchy) DeleteCPO(ctx context.Context, id string) error {
	return run(ctx, h.r, h.cpos(), mutation{action: "cpo.delete", id: id, deletes: true, call: func() (string, error) {
		return idIf(id, h.HierarchyService.DeleteCPO(ctx, id))
	}})
}

// CreateOwner creates and records "owner.create".
func (h *hierarchy) CreateOwner(ctx context.Context, o *volt.Owner) error {
	return run(ctx, h.r, h.owners(), mutation{action: "owner.create", call: func() (string, error) {
		return idIf(o.ID, h.HierarchyService.CreateOwner(ctx, o))
	}})
}

// UpdateOwner updates and records "owner.update".
func (h *hierarchy) UpdateOwner(ctx context.Context, o *volt.Owner) error {
	return run(ctx, h.r, h.owners(), mutation{action: "owner.update", id: o.ID, call: func() (string, error) {
		return idIf(o.ID, h.HierarchyService.UpdateOwner(ctx, o))
	}})
}

// DeleteOwner deletes and records "owner.delete".
func (h *hierarchy) DeleteOwner(ctx context.Context, id string) error {
	return run(ctx, h.r, h.owners(), mutation{action: "owner.delete", id: id, deletes: true, call: func() (string, error) {
		return idIf(id, h.HierarchyService.DeleteOwner(ctx, id))
	}})
}

// CreateHost creates and records "host.create".
func (h *hierarchy) CreateHost(ctx context.Context, o *volt.Host) error {
	return run(ctx, h.r, h.hosts(), mutation{action: "host.create", call: func() (string, error) {
		return idIf(o.ID, h.HierarchyService.CreateHost(ctx, o))
	}})
}

// UpdateHost updates and records "host.update".
func (h *hierarchy) UpdateHost(ctx context.Context, o *volt.Host) error {
	return run(ctx, h.r, h.hosts(), mutation{action: "host.update", id: o.ID, call: func() (string, error) {
		return idIf(o.ID, h.HierarchyService.UpdateHost(ctx, o))
	}})
}

// DeleteHost deletes and records "host.delete".
func (h *hierarchy) DeleteHost(ctx context.Context, id string) error {
	return run(ctx, h.r, h.hosts(), mutation{action: "host.delete", id: id, deletes: true, call: func() (string, error) {
		return idIf(id, h.HierarchyService.DeleteHost(ctx, id))
	}})
}

// CreateSite creates and records "site.create".
func (h *hierarchy) CreateSite(ctx context.Context, s *volt.Site) error {
	return run(ctx, h.r, h.sites(), mutation{action: "site.create", call: func() (string, error) {
		return idIf(s.ID, h.HierarchyService.CreateSite(ctx, s))
	}})
}

// UpdateSite updates and records "site.update".
func (h *hierarchy) UpdateSite(ctx context.Context, s *volt.Site) error {
	return run(ctx, h.r, h.sites(), mutation{action: "site.update", id: s.ID, call: func() (string, error) {
		return idIf(s.ID, h.HierarchyService.UpdateSite(ctx, s))
	}})
}

// DeleteSite deletes and records "site.delete".
func (h *hierarchy) DeleteSite(ctx context.Context, id string) error {
	return run(ctx, h.r, h.sites(), mutation{action: "site.delete", id: id, deletes: true, call: func() (string, error) {
		return idIf(id, h.HierarchyService.DeleteSite(ctx, id))
	}})
}

// CreateChargerGroup creates and records "charger-group.create".
func (h *hierarchy) CreateChargerGroup(ctx context.Context, g *volt.ChargerGroup) error {
	return run(ctx, h.r, h.groups(), mutation{action: "charger-group.create", call: func() (string, error) {
		return idIf(g.ID, h.HierarchyService.CreateChargerGroup(ctx, g))
	}})
}

// UpdateChargerGroup updates and records "charger-group.update".
func (h *hierarchy) UpdateChargerGroup(ctx context.Context, g *volt.ChargerGroup) error {
	return run(ctx, h.r, h.groups(), mutation{action: "charger-group.update", id: g.ID, call: func() (string, error) {
		return idIf(g.ID, h.HierarchyService.UpdateChargerGroup(ctx, g))
	}})
}

// DeleteChargerGroup deletes and records "charger-group.delete".
func (h *hierarchy) DeleteChargerGroup(ctx context.Context, id string) error {
	return run(ctx, h.r, h.groups(), mutation{action: "charger-group.delete", id: id, deletes: true, call: func() (string, error) {
		return idIf(id, h.HierarchyService.DeleteChargerGroup(ctx, id))
	}})
}
