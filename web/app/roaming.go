package app

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/report"
)

// Charging on partner networks (issue 14, eMSP side): a partner's
// location with its EVSEs and a start button per EVSE, then the charge
// page that follows the partner's answer and session (refreshing itself)
// and stops it. Cfg.RoamingCharging nil: the pages are not found.

type roamingLocationView struct {
	Location *volt.RoamingLocation
	EVSEs    []volt.RoamingEVSE
}

func (a *App) roamingLocation(w http.ResponseWriter, r *http.Request, q *req) {
	if a.cfg.RoamingCharging == nil {
		a.fail(w, r, q, http.StatusNotFound, "Partner networks are not offered here.")
		return
	}
	loc, evses, err := a.cfg.RoamingCharging.FindRoamingLocation(q.ctx, r.PathValue("partner"), r.PathValue("location"))
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	title := loc.Name
	if title == "" {
		title = loc.Address
	}
	a.render(w, q, http.StatusOK, "roaming", view{Title: title, Nav: "find", Data: roamingLocationView{Location: loc, EVSEs: evses}})
}

func (a *App) roamingStart(w http.ResponseWriter, r *http.Request, q *req) {
	if a.cfg.RoamingCharging == nil {
		a.fail(w, r, q, http.StatusNotFound, "Partner networks are not offered here.")
		return
	}
	evse := r.PostFormValue("evse")
	if evse == "" {
		a.fail(w, r, q, http.StatusBadRequest, "Choose a charge point (the field evse) and try again.")
		return
	}
	st, err := a.cfg.RoamingCharging.StartRoaming(q.ctx, r.PathValue("partner"), r.PathValue("location"), evse)
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	http.Redirect(w, r, "/app/roam/charge/"+url.PathEscape(st.ID), http.StatusSeeOther)
}

func (a *App) roamingCharge(w http.ResponseWriter, r *http.Request, q *req) {
	if a.cfg.RoamingCharging == nil {
		a.fail(w, r, q, http.StatusNotFound, "Partner networks are not offered here.")
		return
	}
	v, err := a.cfg.RoamingCharging.FindRoamingCharge(q.ctx, r.PathValue("id"))
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	a.render(w, q, http.StatusOK, "roaming_charge", view{Title: "Charging with " + v.PartnerName, Nav: "find", Data: v})
}

func (a *App) roamingStop(w http.ResponseWriter, r *http.Request, q *req) {
	if a.cfg.RoamingCharging == nil {
		a.fail(w, r, q, http.StatusNotFound, "Partner networks are not offered here.")
		return
	}
	if err := a.cfg.RoamingCharging.StopRoaming(q.ctx, r.PathValue("id")); err != nil {
		a.failErr(w, r, q, err)
		return
	}
	http.Redirect(w, r, "/app/roam/charge/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
}

type roamingReceiptView struct {
	Charge  *volt.RoamingChargeView
	R       *volt.RoamingReceipt
	Issuer  issuer
	PaidBy  string
	PDF     string
	Percent string
}

// roamingReceiptOf returns the driver's charge with its receipt, or a
// not-found page when the CDR is not billed yet.
func (a *App) roamingReceiptOf(w http.ResponseWriter, r *http.Request, q *req) (*roamingReceiptView, bool) {
	if a.cfg.RoamingCharging == nil {
		a.fail(w, r, q, http.StatusNotFound, "Partner networks are not offered here.")
		return nil, false
	}
	v, err := a.cfg.RoamingCharging.FindRoamingCharge(q.ctx, r.PathValue("id"))
	if err != nil {
		a.failErr(w, r, q, err)
		return nil, false
	}
	if v.Receipt == nil {
		a.fail(w, r, q, http.StatusNotFound, "The receipt is not ready yet: it is written when "+v.PartnerName+" sends the session's record. Try again later.")
		return nil, false
	}
	rc := v.Receipt
	if rc.Card == "" && rc.Bill.PaymentID != "" && a.cfg.Payments != nil {
		if p, err := a.cfg.Payments.FindPaymentByID(a.sys, rc.Bill.PaymentID); err == nil && p.CardLast4 != "" {
			rc.Card = strings.TrimSpace(volt.CardBrandLabel(p.CardBrand) + " ending " + p.CardLast4)
		}
	}
	return &roamingReceiptView{Charge: v, R: rc, Issuer: a.issuerOf(rc.Bill.CPOID), PaidBy: report.RoamingPaidBy(&rc.Bill, rc.Card),
		PDF: "/app/roam/charge/" + url.PathEscape(v.Start.ID) + "/receipt.pdf", Percent: rc.MarginPercent.String()}, true
}

// roamingReceipt shows the receipt of a session on a partner's network:
// partner, location, energy, the partner's cost with VAT, the margin and
// how it was paid.
func (a *App) roamingReceipt(w http.ResponseWriter, r *http.Request, q *req) {
	v, ok := a.roamingReceiptOf(w, r, q)
	if !ok {
		return
	}
	a.render(w, q, http.StatusOK, "roaming_receipt", view{Title: "Receipt " + v.R.Bill.CDRID, Nav: "history", Data: v})
}

// roamingReceiptPDF serves that receipt as a PDF.
func (a *App) roamingReceiptPDF(w http.ResponseWriter, r *http.Request, q *req) {
	v, ok := a.roamingReceiptOf(w, r, q)
	if !ok {
		return
	}
	var lines []string
	if v.Issuer.LegalName != "" {
		lines = append(lines, v.Issuer.LegalName)
	}
	lines = append(lines, v.Issuer.Address...)
	if v.Issuer.VATNumber != "" {
		lines = append(lines, "VAT no. "+v.Issuer.VATNumber)
	}
	var b bytes.Buffer
	if err := report.WriteRoamingReceiptPDF(&b, v.Issuer.Name, lines, v.R); err != nil {
		a.failErr(w, r, q, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="receipt-`+v.R.Bill.CDRID+`.pdf"`)
	_, _ = w.Write(b.Bytes())
}
