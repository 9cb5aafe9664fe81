package app

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"time"

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
	a.render(w, q, http.StatusOK, "roaming_charge", view{Title: "Charging with " + v.PartnerName, Nav: "find", Data: roamingChargePageOf(v, a.now())})
}

// roamingChargePage is the charge page: the partner's answers in the
// driver's words, and whether the page keeps following it (app.js polls
// #roam-live while Poll).
type roamingChargePage struct {
	*volt.RoamingChargeView
	StartLabel, StopLabel, Message string
	Poll                           bool
}

// commandResultLabels are OCPI 2.2.1 CommandResultType values in words.
var commandResultLabels = map[string]string{
	"ACCEPTED":             "accepted",
	"CANCELED_RESERVATION": "your reservation was cancelled",
	"EVSE_OCCUPIED":        "the charge point is in use",
	"EVSE_INOPERATIVE":     "the charge point is out of order",
	"FAILED":               "it failed",
	"NOT_SUPPORTED":        "the charge point cannot do this",
	"REJECTED":             "refused",
	"TIMEOUT":              "the charge point did not answer in time",
	"UNKNOWN_RESERVATION":  "the reservation is unknown",
}

func resultLabel(r string) string {
	if l, ok := commandResultLabels[r]; ok {
		return l
	}
	return strings.ToLower(r)
}

// noAnswerAfter is how long the page waits for the partner's result of a
// start before saying it has none yet.
const noAnswerAfter = 2 * time.Minute

func roamingChargePageOf(v *volt.RoamingChargeView, now time.Time) roamingChargePage {
	p := roamingChargePage{RoamingChargeView: v, StartLabel: resultLabel(v.StartResult), StopLabel: resultLabel(v.StopResult), Poll: v.CDRID == ""}
	failed := v.StartResult != "" && v.StartResult != "ACCEPTED" && v.StartResult != "TIMEOUT"
	switch {
	case v.SessionID == "" && failed:
		// Nothing started: the page is done following it.
		p.Message, p.Poll = v.PartnerName+" could not start charging: "+p.StartLabel+". Nothing was charged; choose another charge point.", false
	case v.SessionID == "" && v.StartResult == "TIMEOUT":
		p.Message = v.PartnerName + "'s charger did not answer in time. If it starts anyway, the session shows here and is billed as usual."
	case v.SessionID == "" && v.StartResult == "ACCEPTED":
		p.Message = "Plug in your car: charging begins as soon as it is connected."
	case v.SessionID == "" && now.Sub(v.Start.CreatedAt) > noAnswerAfter:
		p.Message = v.PartnerName + " has not answered yet. If charging starts, it shows here."
	case v.Status == "ACTIVE" && v.StopResult != "" && v.StopResult != "ACCEPTED":
		p.Message = v.PartnerName + " could not stop the session: " + p.StopLabel + ". Try again, or stop it at the charger."
	case v.Status == "ACTIVE" && v.StopResult == "ACCEPTED":
		p.Message = "Stopping: " + v.PartnerName + " is ending the session."
	case v.SessionID != "" && v.Status != "ACTIVE" && v.CDRID == "":
		p.Message = "Charging has ended. The bill follows when " + v.PartnerName + " sends the session's record."
	}
	return p
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
	// PayDebts shows "Pay what you owe" on a debt's receipt (issue 14).
	PayDebts bool
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
	return &roamingReceiptView{Charge: v, R: rc, Issuer: a.issuerOf(rc.Bill.CPOID), PaidBy: volt.RoamingPaidBy(&rc.Bill, rc.Card),
		PDF: "/app/roam/charge/" + url.PathEscape(v.Start.ID) + "/receipt.pdf", Percent: rc.MarginPercent.String(),
		PayDebts: a.cfg.RoamingDebts != nil}, true
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

// roamingDebts is what the driver owes for partner networks' CDRs (none
// when not wired or unreadable: the account page still shows).
func (a *App) roamingDebts(q *req) []volt.RoamingDebt {
	if a.cfg.RoamingDebts == nil {
		return nil
	}
	debts, err := a.cfg.RoamingDebts.RoamingDebtsOf(q.ctx, q.User.ID)
	if err != nil {
		return nil
	}
	return debts
}

// payRoamingDebts is "Pay what you owe": the card on file is charged what
// the driver owes on partner networks, once per form (its key).
func (a *App) payRoamingDebts(w http.ResponseWriter, r *http.Request, q *req) {
	if a.cfg.RoamingDebts == nil {
		a.fail(w, r, q, http.StatusNotFound, "Partner networks are not offered here.")
		return
	}
	key := strings.TrimSpace(r.PostFormValue("key")) // one key per form: a double submit charges once
	if len(key) < 16 {
		key = randomHex(16)
	}
	if _, err := a.cfg.RoamingDebts.PayRoamingDebts(q.ctx, q.User.ID, "app-"+key); err != nil {
		msg, status := "Payment declined: "+volt.ErrorMessage(err)+" Add another card, or top up your credit to cover it.", http.StatusPaymentRequired
		if volt.IsCode(err, volt.EUNAVAILABLE) {
			msg, status = "Card payments are not working right now. Nothing was charged: try again in a few minutes.", http.StatusServiceUnavailable
		}
		a.renderAccount(w, r, q, status, "", msg)
		return
	}
	http.Redirect(w, r, "/app/account?done=debts", http.StatusSeeOther)
}
