package api

import (
	"context"

	"github.com/volt-ev/volt"
)

// OwnerCreate is the body of POST /api/v1/owners.
type OwnerCreate struct {
	CPOID     string        `json:"cpoId" minLength:"1" doc:"The CPO the owner is under."`
	Name      string        `json:"name" minLength:"1" maxLength:"200"`
	Email     string        `json:"email,omitempty" maxLength:"320"`
	Phone     string        `json:"phone,omitempty" maxLength:"40"`
	Address   *AddressInput `json:"address,omitempty"`
	VATNumber string        `json:"vatNumber,omitempty" maxLength:"40"`
}

// OwnerPatch is the body of PATCH /api/v1/owners/{id}.
type OwnerPatch struct {
	Name      *string       `json:"name,omitempty" minLength:"1" maxLength:"200"`
	Email     *string       `json:"email,omitempty" maxLength:"320"`
	Phone     *string       `json:"phone,omitempty" maxLength:"40"`
	Address   *AddressInput `json:"address,omitempty"`
	VATNumber *string       `json:"vatNumber,omitempty" maxLength:"40"`
}

type ownerListInput struct{ HierarchyListParams }

type ownerCreateInput struct{ Body OwnerCreate }

type ownerPatchInput struct {
	IDInput
	Body OwnerPatch
}

func (s *server) listOwners(ctx context.Context, in *ownerListInput) (*ListOutput[*volt.Owner], error) {
	f := in.filter()
	items, total, err := s.Hierarchy.FindOwners(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) getOwner(ctx context.Context, in *IDInput) (*Out[*volt.Owner], error) {
	o, err := s.Hierarchy.FindOwnerByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(o), nil
}

func (s *server) createOwner(ctx context.Context, in *ownerCreateInput) (*Out[*volt.Owner], error) {
	b := in.Body
	o := &volt.Owner{CPOID: b.CPOID, Name: b.Name, Email: b.Email, Phone: b.Phone, VATNumber: b.VATNumber}
	if a := b.Address.address(); a != nil {
		o.Address = *a
	}
	if err := s.Hierarchy.CreateOwner(ctx, o); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(o), nil
}

func (s *server) patchOwner(ctx context.Context, in *ownerPatchInput) (*Out[*volt.Owner], error) {
	o, err := s.Hierarchy.FindOwnerByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	b := in.Body
	set(&o.Name, b.Name)
	set(&o.Email, b.Email)
	set(&o.Phone, b.Phone)
	set(&o.Address, b.Address.address())
	set(&o.VATNumber, b.VATNumber)
	if err := s.Hierarchy.UpdateOwner(ctx, o); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(o), nil
}

func (s *server) deleteOwner(ctx context.Context, in *IDInput) (*struct{}, error) {
	if err := s.Hierarchy.DeleteOwner(ctx, in.ID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}
