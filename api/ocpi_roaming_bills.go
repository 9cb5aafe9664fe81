package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/volt-ev/volt"
)

type roamingBillListInput struct {
	CPOID  string `query:"cpoId" maxLength:"64"`
	UserID string `query:"userId" maxLength:"64"`
	State  string `query:"state" enum:"paid,pending,debt" doc:"paid, pending (the card being charged) or debt (the card refused, or none)."`
	PageParams
}

// listRoamingBills lists what the CPO's drivers were billed for partner
// networks' CDRs (issue 14), newest first: state=debt is what a refused
// card, or none, left unpaid. Support staff of the CPO; another CPO's
// bills are not there.
func (s *server) listRoamingBills(ctx context.Context, in *roamingBillListInput) (*ListOutput[volt.RoamingBill], error) {
	if s.RoamingBills == nil {
		return nil, notWired("roaming bills")
	}
	f := volt.RoamingBillFilter{CPOID: in.CPOID, UserID: in.UserID, State: in.State, Page: in.page()}
	items, total, err := s.RoamingBills.FindRoamingBills(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) roamingBillsRoute() {
	huma.Register(s.api, op("listRoamingBills", http.MethodGet, "/roaming-bills",
		"What drivers were billed for partner networks' CDRs: paid from the wallet or the card on file, or a debt (state=debt)", "ocpi-partners", 200),
		s.listRoamingBills)
}
