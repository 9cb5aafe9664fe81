package api

import (
	"context"

	"github.com/volt-ev/volt"
)

// TariffAssignmentCreate is the body of POST /api/v1/tariff-assignments.
type TariffAssignmentCreate struct {
	TariffID       string `json:"tariffId" minLength:"1" maxLength:"64"`
	UsergroupID    string `json:"usergroupId" minLength:"1" maxLength:"64" doc:"A usergroup of the CPO, or \"public\" for everyone."`
	ChargerGroupID string `json:"chargerGroupId" minLength:"1" maxLength:"64"`
}

type tariffAssignmentListInput struct {
	TariffID       string `query:"tariffId"`
	UsergroupID    string `query:"usergroupId"`
	ChargerGroupID string `query:"chargerGroupId"`
	PageParams
}

type tariffAssignmentCreateInput struct{ Body TariffAssignmentCreate }

func (s *server) listTariffAssignments(ctx context.Context, in *tariffAssignmentListInput) (*ListOutput[*volt.TariffAssignment], error) {
	if s.Tariffs == nil {
		return nil, notWired("tariff")
	}
	f := volt.TariffAssignmentFilter{TariffID: in.TariffID, UsergroupID: in.UsergroupID, ChargerGroupID: in.ChargerGroupID, Page: in.page()}
	items, total, err := s.Tariffs.FindTariffAssignments(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) createTariffAssignment(ctx context.Context, in *tariffAssignmentCreateInput) (*Out[*volt.TariffAssignment], error) {
	if s.Tariffs == nil {
		return nil, notWired("tariff")
	}
	b := in.Body
	a := &volt.TariffAssignment{TariffID: b.TariffID, UsergroupID: b.UsergroupID, ChargerGroupID: b.ChargerGroupID}
	if err := s.Tariffs.CreateTariffAssignment(ctx, a); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(a), nil
}

func (s *server) deleteTariffAssignment(ctx context.Context, in *IDInput) (*struct{}, error) {
	if s.Tariffs == nil {
		return nil, notWired("tariff")
	}
	if err := s.Tariffs.DeleteTariffAssignment(ctx, in.ID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}

type priceInput struct {
	CPIDInput
	UserID string `query:"userId" maxLength:"64" doc:"The user to price for; empty prices for a guest. A driver passes their own id."`
}

// chargerPrice answers which tariff applies to a user (or a guest) on the
// charger now and why. Operators ask for any user of their scope; a driver
// asks for themself on any charger (a charger and its price are public, as
// on its sticker: anyone may charge on a public group). A private charger
// group the user has no access to answers 403 with the reason.
func (s *server) chargerPrice(ctx context.Context, in *priceInput) (*Out[*volt.PriceQuote], error) {
	if s.Tariffs == nil {
		return nil, notWired("tariff")
	}
	q, err := s.Tariffs.PriceFor(ctx, in.CPID, in.UserID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(q), nil
}
