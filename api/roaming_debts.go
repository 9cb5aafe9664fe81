package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/volt-ev/volt"
)

// RoamingDebtsView is what a driver owes for partner networks' CDRs
// (issue 14): the open roaming debts, oldest first. While there is one the
// driver's cards and app are not valid on partner networks.
type RoamingDebtsView struct {
	UserID string             `json:"userId"`
	Items  []volt.RoamingDebt `json:"items"`
}

// RoamingDebtPayment is the answer of paying what is owed: the card
// payment, null when nothing was owed.
type RoamingDebtPayment struct {
	Payment *volt.Payment `json:"payment"`
}

type payRoamingDebtsInput struct {
	IDInput
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"Required: a retried request with the same key charges once."`
}

// listRoamingDebts returns what the driver (the caller, or any for a
// super admin) owes partner networks.
func (s *server) listRoamingDebts(ctx context.Context, in *IDInput) (*Out[RoamingDebtsView], error) {
	if s.RoamingDebts == nil {
		return nil, notWired("roaming debts")
	}
	debts, err := s.RoamingDebts.RoamingDebtsOf(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(RoamingDebtsView{UserID: in.ID, Items: debts}), nil
}

// payRoamingDebts charges the card on file what the driver owes partner
// networks, once per Idempotency-Key; a refused card (or none) is 422 and
// the debt stays.
func (s *server) payRoamingDebts(ctx context.Context, in *payRoamingDebtsInput) (*Out[RoamingDebtPayment], error) {
	if s.RoamingDebts == nil {
		return nil, notWired("roaming debts")
	}
	if in.IdempotencyKey == "" {
		return nil, newError(volt.EINVALID, "The Idempotency-Key header is required.", "Idempotency-Key")
	}
	p, err := s.RoamingDebts.PayRoamingDebts(ctx, in.ID, "api-"+in.IdempotencyKey)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(RoamingDebtPayment{Payment: p}), nil
}

func (s *server) roamingDebtsRoutes() {
	huma.Register(s.api, op("listRoamingDebts", http.MethodGet, "/wallets/{id}/roaming-debts",
		"What the driver owes partner networks (roaming debts: their cards and app are not valid there until paid)", "wallets", 200),
		s.listRoamingDebts)
	huma.Register(s.api, withErrors(op("payRoamingDebts", http.MethodPost, "/wallets/{id}/roaming-debts/payments",
		"Pay what the driver owes partner networks with the card on file (Idempotency-Key required)", "wallets", 200), http.StatusServiceUnavailable),
		s.payRoamingDebts)
}
