package audit

import (
	"context"

	"github.com/volt-ev/volt"
)

// Issue 19: the payment of a fleet's invoice is money: every recording
// (and every refused attempt) is in the audit log.

type fleetPayments struct {
	volt.FleetPaymentService
	r *Recorder
}

// WrapFleetPayments records every payment of a fleet invoice recorded
// ("fleet-payment.record"), with the payment after it.
func WrapFleetPayments(next volt.FleetPaymentService, r *Recorder) volt.FleetPaymentService {
	return &fleetPayments{FleetPaymentService: next, r: r}
}

// RecordFleetPayment records the payment and audits it; a replay of the
// same payment is recorded with replayed set.
func (s *fleetPayments) RecordFleetPayment(ctx context.Context, p *volt.FleetInvoicePayment) (bool, error) {
	var created bool
	t := tracked[*volt.FleetInvoicePayment]{typ: volt.ResourceFleetPayment, find: s.FindFleetPaymentByID,
		place: func(p *volt.FleetInvoicePayment) volt.Ref { return p.Ref() }}
	details := map[string]any{"fleetId": p.FleetID, "month": p.Month, "reference": p.Reference, "amount": p.Amount, "method": p.Method}
	err := run(ctx, s.r, t, mutation{action: "fleet-payment.record", details: details, call: func() (string, error) {
		var err error
		created, err = s.FleetPaymentService.RecordFleetPayment(ctx, p)
		details["replayed"] = err == nil && !created
		return idIf(p.ID, err)
	}})
	return created, err
}
