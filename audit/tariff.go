package audit

import (
	"context"

	"github.com/volt-ev/volt"
)

// tariffs audits every change of a volt.TariffService.
type tariffs struct {
	volt.TariffService
	r *Recorder
}

// WrapTariffs returns next with tariff and assignment changes recorded
// ("tariff.create", "tariff-assignment.delete", ...).
func WrapTariffs(next volt.TariffService, r *Recorder) volt.TariffService {
	return &tariffs{TariffService: next, r: r}
}

func (t *tariffs) tariffs() tracked[*volt.Tariff] {
	return tracked[*volt.Tariff]{typ: volt.ResourceTariff, find: t.FindTariffByID,
		place: func(x *volt.Tariff) volt.Ref { return volt.Ref{CPOID: x.CPOID} }}
}

// assignments has no find by id in volt.TariffService: the snapshot of a
// created assignment is the assignment as returned.
// TODO(audit): before-snapshot of a deleted assignment needs a
// FindTariffAssignmentByID.
func assignments(a *volt.TariffAssignment) tracked[*volt.TariffAssignment] {
	return tracked[*volt.TariffAssignment]{typ: volt.ResourceTariffAssignment,
		find: func(context.Context, string) (*volt.TariffAssignment, error) {
			if a == nil {
				return nil, volt.Errorf(volt.ENOTFOUND, "No snapshot.")
			}
			return a, nil
		},
		place: func(x *volt.TariffAssignment) volt.Ref { return volt.Ref{ChargerGroupID: x.ChargerGroupID} }}
}

// CreateTariff creates and records "tariff.create".
func (t *tariffs) CreateTariff(ctx context.Context, x *volt.Tariff) error {
	return run(ctx, t.r, t.tariffs(), mutation{action: "tariff.create", call: func() (string, error) {
		return idIf(x.ID, t.TariffService.CreateTariff(ctx, x))
	}})
}

// UpdateTariff updates and records "tariff.update".
func (t *tariffs) UpdateTariff(ctx context.Context, x *volt.Tariff) error {
	return run(ctx, t.r, t.tariffs(), mutation{action: "tariff.update", id: x.ID, call: func() (string, error) {
		return idIf(x.ID, t.TariffService.UpdateTariff(ctx, x))
	}})
}

// DeleteTariff deletes and records "tariff.delete".
func (t *tariffs) DeleteTariff(ctx context.Context, id string) error {
	return run(ctx, t.r, t.tariffs(), mutation{action: "tariff.delete", id: id, deletes: true, call: func() (string, error) {
		return idIf(id, t.TariffService.DeleteTariff(ctx, id))
	}})
}

// CreateTariffAssignment creates and records "tariff-assignment.create".
func (t *tariffs) CreateTariffAssignment(ctx context.Context, a *volt.TariffAssignment) error {
	return run(ctx, t.r, assignments(a), mutation{action: "tariff-assignment.create", call: func() (string, error) {
		return idIf(a.ID, t.TariffService.CreateTariffAssignment(ctx, a))
	}})
}

// DeleteTariffAssignment deletes and records "tariff-assignment.delete".
func (t *tariffs) DeleteTariffAssignment(ctx context.Context, id string) error {
	return run(ctx, t.r, assignments(nil), mutation{action: "tariff-assignment.delete", id: id, deletes: true, call: func() (string, error) {
		return idIf(id, t.TariffService.DeleteTariffAssignment(ctx, id))
	}})
}
