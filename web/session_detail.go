package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

// sessionDetailRoutes adds a session's own page and its refund form.
func (a *Admin) sessionDetailRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/sessions/{id}", a.auth(a.sessionDetail))
	m.HandleFunc("POST "+p+"/sessions/{id}/refund", a.auth(a.sessionRefund))
}

// sessionDetailView is everything about one session: the chart of its meter
// values, the tariff it was priced by, the cost line by line, its payments
// (with a refund form), its CDR, the OCPP frames of its transaction and the
// audit trail.
type sessionDetailView struct {
	S         *volt.Session
	Charger   *volt.Charger
	Curve     string // volt.SessionCurve as JSON, for the chart
	HasSoC    bool
	Points    int
	Snapshot  *volt.TariffSnapshot
	Cost      *volt.Cost
	CDR       *volt.CDR
	Payments  []*volt.Payment
	CanRefund bool
	Frames    []*volt.FrameLog
	Audit     []*volt.AuditEntry
	Form      refundForm
	Error     string
}

// refundForm is the refund form, echoed back after an error.
type refundForm struct{ PaymentID, Amount, Reason, Key string }

// Refundable is what is left to refund of a payment, in minor units.
func (v *sessionDetailView) Refundable(p *volt.Payment) int64 {
	taken := p.Captured
	if p.Kind == volt.PaymentTopUp || p.State == volt.PaymentSucceeded {
		taken = p.Amount
	}
	return max(0, taken-p.Refunded)
}

// Major writes minor units as a plain number in major units ("5.20").
func (v *sessionDetailView) Major(amount int64, currency string) string {
	s := fmtMinor(amount, currency)
	return strings.TrimSuffix(s, " "+currency)
}

func (a *Admin) sessionDetail(w http.ResponseWriter, r *http.Request, s *sess) {
	v, err := a.loadSessionDetail(s, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v.Form = refundForm{Key: newIdemKey(), Reason: ""}
	if len(v.Payments) > 0 {
		v.Form.PaymentID = v.Payments[0].ID
	}
	a.render(w, r, s, "session", "Session #"+strconv.FormatInt(v.S.TransactionID, 10), v)
}

// loadSessionDetail reads the session as the actor and then each part the
// page shows; a part the server does not offer is left empty.
func (a *Admin) loadSessionDetail(s *sess, id string) (*sessionDetailView, error) {
	if a.cfg.Charging == nil {
		return nil, volt.Errorf(volt.ENOTIMPLEMENTED, "Sessions are not available on this server.")
	}
	se, err := a.cfg.Charging.FindSessionByID(s.ctx, id)
	if err != nil {
		return nil, err
	}
	v := &sessionDetailView{S: se, Cost: se.LiveCost}
	v.Charger, _ = a.cfg.Chargers.FindChargerByCPID(s.ctx, se.CPID)
	samples, err := a.cfg.Charging.FindMeterValues(s.ctx, se.ID)
	if err != nil {
		return nil, err
	}
	curve := volt.NewSessionCurve(se, samples)
	b, _ := json.Marshal(curve)
	v.Curve, v.HasSoC, v.Points = string(b), curve.HasSoC, len(curve.At)
	if len(se.TariffSnapshot) > 0 {
		v.Snapshot, _ = volt.ParseTariffSnapshot(se.TariffSnapshot)
	}
	if v.CDR, err = a.cdrOfSession(s.ctx, se); err != nil {
		return nil, err
	}
	if v.CDR != nil && v.CDR.TotalCost != nil {
		v.Cost = v.CDR.TotalCost
	}
	if pf, ok := a.cfg.Payments.(volt.PaymentFinder); ok && a.cfg.Payments != nil {
		v.Payments, _, err = pf.FindPayments(s.ctx, volt.PaymentFilter{SessionID: se.ID, Page: volt.Page{Limit: 20}})
		if err != nil {
			return nil, err
		}
		v.CanRefund = s.actor.Can(volt.PermSupport, volt.Ref{CPOID: se.CPOID})
	}
	if v.Frames, err = a.sessionFrames(s.ctx, se); err != nil {
		return nil, err
	}
	v.Audit = a.sessionAudit(s.ctx, se, v.Payments)
	return v, nil
}

// cdrOfSession finds the CDR written when the session ended: CDRs are
// listed by charger and start time, so the window is the session's start.
func (a *Admin) cdrOfSession(ctx context.Context, se *volt.Session) (*volt.CDR, error) {
	if se.Status == volt.SessionActive {
		return nil, nil
	}
	from, to := se.StartedAt, se.StartedAt.Add(time.Millisecond)
	list, _, err := a.cfg.Charging.FindCDRs(ctx, volt.SessionFilter{CPID: se.CPID, From: &from, To: &to, Page: volt.Page{Limit: 50}})
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		if c.SessionID == se.ID && c.CreditsCDRID == "" {
			return c, nil
		}
	}
	return nil, nil
}

// sessionFramePages bounds how far back the message log is read for one
// session's frames (pages of 500, newest first).
const sessionFramePages = 10

// sessionFrames returns the charger's OCPP frames of the session's
// transaction, oldest first: the calls that carry its transaction id (or
// its start, which carries the idTag), and the charger's or Volt's answers
// to them.
func (a *Admin) sessionFrames(ctx context.Context, se *volt.Session) ([]*volt.FrameLog, error) {
	from := se.StartedAt.Add(-2 * time.Minute)
	to := time.Now().Add(time.Minute)
	if se.StoppedAt != nil {
		to = se.StoppedAt.Add(2 * time.Minute)
	}
	tx := `"transactionId":` + strconv.FormatInt(se.TransactionID, 10)
	ids := map[string]bool{}
	var picked []*volt.FrameLog
	var before int64
	for page := 0; page < sessionFramePages; page++ {
		list, err := a.cfg.Charging.FindFrames(ctx, se.CPID, before, 500)
		if err != nil {
			return nil, err
		}
		done := len(list) < 500
		for _, f := range list {
			before = f.ID
			if f.At.Before(from) {
				done = true
				break
			}
			if f.At.After(to) {
				continue
			}
			frame := strings.ReplaceAll(f.Frame, " ", "")
			start := f.Action == "StartTransaction" && strings.Contains(frame, `"connectorId":`+strconv.Itoa(se.ConnectorID)) &&
				strings.Contains(strings.ToLower(frame), strings.ToLower(`"idTag":"`+se.IDTag+`"`))
			if strings.Contains(frame, tx) || start {
				picked = append(picked, f)
				if f.UniqueID != "" {
					ids[f.Direction+f.UniqueID] = true
				}
			}
		}
		if done {
			break
		}
	}
	// The answers come in the other direction with the same unique id;
	// the start's answer carries the transaction id and was picked already.
	var out []*volt.FrameLog
	seen := map[int64]bool{}
	for _, f := range picked {
		seen[f.ID] = true
	}
	before = 0
	for page := 0; page < sessionFramePages && len(ids) > 0; page++ {
		list, err := a.cfg.Charging.FindFrames(ctx, se.CPID, before, 500)
		if err != nil {
			return nil, err
		}
		for _, f := range list {
			before = f.ID
			other := "in"
			if f.Direction == "in" {
				other = "out"
			}
			if !seen[f.ID] && f.UniqueID != "" && ids[other+f.UniqueID] && !f.At.Before(from) {
				picked = append(picked, f)
				seen[f.ID] = true
			}
		}
		if len(list) < 500 || (len(list) > 0 && list[len(list)-1].At.Before(from)) {
			break
		}
	}
	out = append(out, picked...)
	sortFrames(out)
	return out, nil
}

func sortFrames(fs []*volt.FrameLog) {
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && fs[j].ID < fs[j-1].ID; j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

// sessionAudit lists the audit entries about the session and its payments,
// newest first, when the audit log is served and the actor may read it.
func (a *Admin) sessionAudit(ctx context.Context, se *volt.Session, pays []*volt.Payment) []*volt.AuditEntry {
	if a.cfg.Audit == nil {
		return nil
	}
	ids := []string{se.ID}
	for _, p := range pays {
		ids = append(ids, p.ID)
	}
	var out []*volt.AuditEntry
	for _, id := range ids {
		list, _, err := a.cfg.Audit.FindAuditEntries(ctx, volt.AuditFilter{ResourceID: id, Page: volt.Page{Limit: 50}})
		if err != nil {
			continue // not in the actor's reach: the page shows the rest
		}
		out = append(out, list...)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].At.After(out[j-1].At); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// sessionRefund refunds one payment of the session, in full or in part,
// with the reason recorded in the audit log; then back to the session page
// (post/redirect/get). A form error shows the page again with what was
// typed.
func (a *Admin) sessionRefund(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	back := AdminPrefix + "/sessions/" + id
	fm := refundForm{PaymentID: strings.TrimSpace(r.PostFormValue("paymentId")), Amount: strings.TrimSpace(r.PostFormValue("amount")),
		Reason: strings.TrimSpace(r.PostFormValue("reason")), Key: r.PostFormValue("key")}
	v, err := a.loadSessionDetail(s, id)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	var pay *volt.Payment
	for _, p := range v.Payments {
		if p.ID == fm.PaymentID {
			pay = p
		}
	}
	redo := func(err error) {
		v.Form, v.Error = fm, errText(err)
		a.renderStatus(w, r, s, httpStatus(err), "session", "Session #"+strconv.FormatInt(v.S.TransactionID, 10), v)
	}
	switch {
	case !v.CanRefund:
		redo(volt.Errorf(volt.EFORBIDDEN, "Refunds need the Admin or Support role for this CPO."))
		return
	case pay == nil:
		redo(volt.FieldError("paymentId", "Choose one of this session's payments."))
		return
	case fm.Reason == "":
		redo(volt.FieldError("reason", "A refund needs a reason."))
		return
	}
	if fm.Amount == "" {
		fm.Amount = v.Major(v.Refundable(pay), pay.Currency)
	}
	outcome, err := a.helplineRefund(s.ctx, helplineForm{PaymentID: pay.ID, Amount: fm.Amount, Reason: fm.Reason, Key: fm.Key})
	if err != nil {
		if volt.IsCode(err, volt.EINVALID) {
			redo(err)
			return
		}
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, capitalize(outcome)+".")
}
