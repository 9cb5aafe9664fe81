package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
)

// Issue 19: recording the payment of a fleet's monthly invoice
// (Config.FleetPayments, audited). What was paid and what is outstanding
// are on the invoice (GET /fleets/{id}/invoices/{month}).

type fleetPaymentInput struct {
	FleetIDInput
	Month string `path:"month" maxLength:"7" doc:"The invoice's month, YYYY-MM."`
	Body  struct {
		Amount    int64  `json:"amount" doc:"Minor units of the fleet's currency received; at most what the invoice has outstanding."`
		PaidOn    string `json:"paidOn" maxLength:"10" doc:"The day the money was received, YYYY-MM-DD (not in the future)."`
		Reference string `json:"reference" maxLength:"64" doc:"The bank transfer's or card payment's reference, unique per fleet: the same payment sent again is recorded once."`
		Method    string `json:"method" enum:"bank_transfer,card" doc:"bank_transfer or card."`
	}
}

// FleetPaymentOutput is a payment recorded (201) or recorded before
// under its reference (200).
type FleetPaymentOutput struct {
	Status int
	Body   *volt.FleetInvoicePayment
}

func (s *server) fleetPaymentRoutes() {
	huma.Register(s.api, op("recordFleetInvoicePayment", http.MethodPost, "/fleets/{id}/invoices/{month}/payments",
		"Record a payment received for the fleet's monthly invoice (owner admins)", "fleets", http.StatusCreated), s.recordFleetPayment)
}

func (s *server) recordFleetPayment(ctx context.Context, in *fleetPaymentInput) (*FleetPaymentOutput, error) {
	if s.FleetPayments == nil {
		return nil, notWired("fleet invoice payments")
	}
	ctx = fleetCtx(ctx)
	b := in.Body
	p := &volt.FleetInvoicePayment{FleetID: in.ID, Month: in.Month, Amount: b.Amount, PaidOn: b.PaidOn, Reference: b.Reference, Method: b.Method}
	created, err := s.FleetPayments.RecordFleetPayment(ctx, p)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return &FleetPaymentOutput{Status: status, Body: p}, nil
}
