package web

import (
	"net/http"

	volt "github.com/volt-ev/volt"
)

// Issue 19: the payment of a fleet's monthly invoice on the fleet page.
// Everyone who reads the fleet sees the month's invoice state (paid,
// outstanding, the payments); the owner's admins record a payment
// received (Config.FleetPayments, audited).

func (a *Admin) fleetPaymentRoutes() {
	a.mux.HandleFunc("POST "+AdminPrefix+"/fleets/{id}/payments", a.auth(a.fleetPaymentRecord))
}

func (a *Admin) fleetPaymentRecord(w http.ResponseWriter, r *http.Request, s *sess) {
	if !a.fleetsWired(w, r, s) {
		return
	}
	if a.cfg.FleetPayments == nil {
		a.notWired(w, r, s, "Fleet invoice payments")
		return
	}
	s = fleetActor(s)
	id, month := r.PathValue("id"), trimForm(r, "month")
	back := a.fleetBack(r) + "?month=" + month
	fw, err := a.cfg.FleetBilling.FindFleetWallet(s.ctx, id)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	amount, err := parseMinor(trimForm(r, "amount"), fw.Currency)
	if err != nil {
		a.refused(w, r, back, err)
		return
	}
	p := &volt.FleetInvoicePayment{FleetID: id, Month: month, Amount: amount, PaidOn: trimForm(r, "paidOn"),
		Reference: trimForm(r, "reference"), Method: trimForm(r, "method")}
	created, err := a.cfg.FleetPayments.RecordFleetPayment(s.ctx, p)
	if err != nil {
		a.refused(w, r, back, err)
		return
	}
	msg := "Payment " + p.Reference + " of " + fmtMinor(p.Amount, p.Currency) + " recorded against the invoice of " + p.Month + "."
	if !created {
		msg = "Payment " + p.Reference + " was already recorded: nothing changed."
	}
	a.done(w, r, back, msg)
}

// fleetInvoiceOf adds the month's invoice state to the fleet page.
func (a *Admin) fleetInvoiceOf(s *sess, v *fleetView) error {
	inv, err := a.cfg.FleetBilling.FleetInvoice(s.ctx, v.Fleet.FleetID, v.Month)
	if err != nil {
		return err
	}
	v.Invoice = inv
	v.CanRecordPayment = v.CanSwitch && a.cfg.FleetPayments != nil
	v.Today = a.now().UTC().Format("2006-01-02")
	return nil
}

// InvoiceState says an invoice's state in words.
func (fleetView) InvoiceState(state string) string {
	switch state {
	case volt.FleetInvoicePaid:
		return "Paid"
	case volt.FleetInvoicePartPaid:
		return "Part paid"
	case volt.FleetInvoiceUnpaid:
		return "Unpaid"
	}
	return "Nothing due"
}

// Major2 shows minor units of the fleet's currency in major units for a
// form ("4.50").
func (v fleetView) Major2(amount int64) string {
	return volt.DecimalFromMinor(amount, volt.CurrencyExponent(v.Fleet.Currency)).StringFixed(volt.CurrencyExponent(v.Fleet.Currency))
}
