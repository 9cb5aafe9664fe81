package app

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/report"
)

// liveState is a session as the session page shows it, sent whole on every
// update so a page that slept or reloaded needs nothing else.
type liveState struct {
	ID          string `json:"id"`
	Active      bool   `json:"active"`
	Power       string `json:"power"`
	Energy      string `json:"energy"`
	Cost        string `json:"cost"`
	Duration    string `json:"duration"`
	StartedAt   int64  `json:"startedAt"` // Unix ms, for the ticking clock
	StoppedAt   int64  `json:"stoppedAt,omitempty"`
	Idle        bool   `json:"idle"`
	IdleFeeFrom int64  `json:"idleFeeFrom,omitempty"` // Unix ms when idle fees begin
	StopReason  string `json:"stopReason,omitempty"`
	Limit       string `json:"limit,omitempty"`
	CostLabel   string `json:"costLabel"`     // "Cost so far", then "Final cost"
	SoC         string `json:"soc,omitempty"` // "64%" where the charger reports it
	ETA         string `json:"eta,omitempty"` // "About 25 min to 20.00 kWh"
	// Load says why the site's load management limits or queues the
	// session ("" when it does not).
	Load string `json:"load,omitempty"`
	// Held: smart charging holds the session; "Charge now" is offered.
	Held bool `json:"held,omitempty"`
	// GiveBack says what a V2X session gives back and earned ("" when
	// nothing).
	GiveBack string `json:"giveBack,omitempty"`
}

// idleTracker remembers when the session's connector stopped charging.
type idleTracker struct {
	since time.Time
	grace time.Duration
	fee   bool
}

func (a *App) state(s *volt.Session, idle *idleTracker) liveState {
	cur := "GBP"
	if snap, err := volt.ParseTariffSnapshot(s.TariffSnapshot); err == nil {
		cur = snap.Tariff.Currency
	}
	limit := a.limitOf(s.ID)
	st := liveState{ID: s.ID, Active: s.Status == volt.SessionActive, Power: formatKW(s.PowerW), Energy: formatKWh(s.EnergyWh),
		Cost: formatMoney(0, cur), StartedAt: s.StartedAt.UnixMilli(), StopReason: s.StopReason, Limit: limit.String(),
		Load: a.loadNote(s), Held: a.held(s)}
	cost := a.costNow(s)
	if cost != nil {
		st.Cost = formatMoney(cost.InclVAT, cost.Currency)
	}
	a.honest(&st, s, cost, limit)
	st.GiveBack = a.giveBackNote(s, cost)
	end := a.now()
	if s.StoppedAt != nil {
		end = *s.StoppedAt
		st.StoppedAt = end.UnixMilli()
		st.Power = formatKW(0)
	}
	st.Duration = formatDuration(int64(end.Sub(s.StartedAt) / time.Second))
	if st.Active && idle != nil && !idle.since.IsZero() {
		st.Idle = true
		if idle.fee {
			st.IdleFeeFrom = idle.since.Add(idle.grace).UnixMilli()
		}
	}
	return st
}

// idleOf builds the idle tracker from the connector's status now.
func (a *App) idleOf(s *volt.Session) *idleTracker {
	t := &idleTracker{}
	if snap, err := volt.ParseTariffSnapshot(s.TariffSnapshot); err == nil {
		t.grace = time.Duration(snap.Tariff.IdleGraceMinutes) * time.Minute
		t.fee = !snap.Tariff.IdleFeePerMinute.IsZero() && !snap.Tariff.FreeVend
	}
	if ch, err := a.cfg.Chargers.FindChargerByCPID(a.sys, s.CPID); err == nil {
		for _, c := range ch.Connectors {
			if c.ConnectorID == s.ConnectorID && idleStatus(c.Status) {
				t.since = c.StatusAt
			}
		}
	}
	return t
}

func idleStatus(st volt.ConnectorStatus) bool {
	return st == volt.StatusSuspendedEV || st == volt.StatusFinishing
}

// ownSession loads a session this browser may see; anything else is "not
// found", so session ids cannot be probed.
func (a *App) ownSession(ctx context.Context, q *req, id string) (*volt.Session, error) {
	s, err := a.cfg.Charging.FindSessionByID(a.sys, id)
	if err != nil || !q.owns(s) {
		return nil, volt.Errorf(volt.ENOTFOUND, "No session of yours has this link. Sign in with the account you charged with.")
	}
	return s, nil
}

type sessionView struct {
	Session *volt.Session
	State   liveState
	Charger string
	CDR     *volt.CDR
	Stop    bool       // the stop was just sent
	Chart   *chartView // nil: too few readings, or no chart assets
}

// chartView is a session's chart: the curve and the portal's files that
// draw it.
type chartView struct {
	Curve                 string // volt.SessionCurve as JSON
	JS, UPlotJS, UPlotCSS string
}

// sessionPage shows a session live (see app.js): power, energy, duration,
// cost so far; a stop button; the receipt once it is over.
func (a *App) sessionPage(w http.ResponseWriter, r *http.Request, q *req) {
	if a.followLink(w, r, q) {
		return
	}
	s, err := a.ownSession(r.Context(), q, r.PathValue("id"))
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	v := sessionView{Session: s, State: a.state(s, a.idleOf(s)), Charger: s.CPID, Stop: r.URL.Query().Get("stopping") == "1"}
	if s.Status != volt.SessionActive {
		v.CDR = a.cdrOf(s)
		if v.CDR != nil && v.CDR.TotalCost != nil {
			v.State.Cost = formatMoney(v.CDR.TotalCost.InclVAT, v.CDR.TotalCost.Currency)
		}
	}
	if curve := a.curveOf(s); curve != "" && a.cfg.ChartJS != "" {
		v.Chart = &chartView{Curve: curve, JS: a.cfg.ChartJS, UPlotJS: a.cfg.UPlotJS, UPlotCSS: a.cfg.UPlotCSS}
	}
	a.render(w, q, http.StatusOK, "session", view{Title: "Session at " + s.CPID, Nav: "history", Data: v})
}

// sessionEvents streams the session's state (server-sent events): the
// current state first, then on every change. The browser's EventSource
// reconnects after a drop or sleep and gets the current state again.
func (a *App) sessionEvents(w http.ResponseWriter, r *http.Request) {
	q := a.load(w, r)
	s, err := a.ownSession(r.Context(), q, r.PathValue("id"))
	if err != nil {
		http.Error(w, volt.ErrorMessage(err), http.StatusNotFound)
		return
	}
	idle := a.idleOf(s)
	cur := *s
	a.stream(w, r, func(e volt.Event) (string, any, bool) {
		if e.CPID != s.CPID {
			return "", nil, false
		}
		switch e.Type {
		case volt.EventSessionUpdated, volt.EventSessionStopped:
			var n volt.Session
			if !decode(e.Data, &n) || n.ID != s.ID {
				return "", nil, false
			}
			cur = n
		case volt.EventConnectorStatus:
			var c volt.Connector
			if !decode(e.Data, &c) || c.ConnectorID != s.ConnectorID {
				return "", nil, false
			}
			if idleStatus(c.Status) {
				if idle.since.IsZero() {
					idle.since = c.StatusAt
				}
			} else {
				idle.since = time.Time{}
			}
		default:
			return "", nil, false
		}
		return "state", a.state(&cur, idle), true
	}, func() (string, any) { return "state", a.state(s, idle) })
}

// stop asks the charger to end the driver's session.
func (a *App) stop(w http.ResponseWriter, r *http.Request, q *req) {
	s, err := a.ownSession(r.Context(), q, r.PathValue("id"))
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	if s.Status != volt.SessionActive {
		http.Redirect(w, r, "/app/s/"+s.ID, http.StatusSeeOther)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.cfg.StartTimeout)
	defer cancel()
	raw, err := a.cfg.Commander.Call(ctx, s.CPID, "RemoteStopTransaction", map[string]any{"transactionId": s.TransactionID})
	if msg := startRefusal(raw, err); msg != "" {
		v := sessionView{Session: s, State: a.state(s, a.idleOf(s)), Charger: s.CPID}
		a.render(w, q, http.StatusConflict, "session", view{Title: "Session at " + s.CPID, Nav: "history",
			Error: "We could not stop the session from here: " + stopWords(msg) + " You can also stop it at the charger (present your card or unplug, as the charger says).", Data: v})
		return
	}
	http.Redirect(w, r, "/app/s/"+s.ID+"?stopping=1", http.StatusSeeOther)
}

func stopWords(msg string) string {
	if msg == "The charger refused to start: it may be in use, reserved or out of order. Try another connector." {
		return "the charger refused."
	}
	return msg
}

// cdrOf returns the CDR of a completed session, or nil while it is being
// written.
func (a *App) cdrOf(s *volt.Session) *volt.CDR {
	cdrs, _, err := a.cfg.Charging.FindCDRs(a.sys, volt.SessionFilter{CPID: s.CPID, UserID: s.UserID, From: &s.StartedAt, Page: volt.Page{Limit: 50}})
	if err != nil {
		a.log.Error("app: CDR of session", "session", s.ID, "err", err)
		return nil
	}
	for _, c := range cdrs {
		if c.SessionID == s.ID && c.CreditsCDRID == "" {
			return c
		}
	}
	return nil
}

type receiptView struct {
	Session *volt.Session
	CDR     *volt.CDR
	PDF     string
	Charger chargerCard
	Op      operator
	Issuer  issuer
	Lines   []priceRow // each line once, energy with the quantity it was priced on
	Card    string     // "Visa ending 4242"
}

// receipt shows the CDR of a finished session as a receipt, every
// component with VAT, ready to print; the PDF when report/ provides it.
func (a *App) receipt(w http.ResponseWriter, r *http.Request, q *req) {
	if a.followLink(w, r, q) {
		return
	}
	s, err := a.ownSession(r.Context(), q, r.PathValue("id"))
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	c := a.cdrOf(s)
	if c == nil {
		a.fail(w, r, q, http.StatusNotFound, "The receipt is not ready yet: it is written when the session ends. Try again in a moment.")
		return
	}
	v := receiptView{Session: s, CDR: c, Issuer: a.issuerOf(c.CPOID), Lines: receiptLines(c), Card: a.paidWith(s.ID)}
	if c.TotalCost != nil {
		v.PDF = "/app/s/" + s.ID + "/receipt.pdf"
	}
	if ch, err := a.cfg.Chargers.FindChargerByCPID(a.sys, s.CPID); err == nil {
		v.Charger = a.cardOf(ch, q, map[string]*volt.Site{})
		if cpo, err := a.cfg.Hierarchy.FindCPOByID(a.sys, ch.CPOID); err == nil {
			t := themeOf(cpo)
			v.Op = operator{Name: t.Name, Phone: t.SupportPhone, Email: t.SupportEmail, Tel: t.TelURL()}
		}
	}
	a.render(w, q, http.StatusOK, "receipt", view{Title: fmt.Sprintf("Receipt %s", c.ID), Nav: "history", Data: v})
}

// receiptPDF serves the receipt as a PDF (report.WriteReceiptPDF).
func (a *App) receiptPDF(w http.ResponseWriter, r *http.Request, q *req) {
	s, err := a.ownSession(r.Context(), q, r.PathValue("id"))
	if err != nil {
		a.failErr(w, r, q, err)
		return
	}
	c := a.cdrOf(s)
	if c == nil || c.TotalCost == nil {
		a.fail(w, r, q, http.StatusNotFound, "The receipt is not ready yet: it is written when the session ends. Try again in a moment.")
		return
	}
	is := a.issuerOf(c.CPOID)
	rc := report.Receipt{Operator: is.Name, CDR: c, Card: a.paidWith(s.ID)}
	if is.LegalName != "" {
		rc.Issuer = append(rc.Issuer, is.LegalName)
	}
	rc.Issuer = append(rc.Issuer, is.Address...)
	if is.VATNumber != "" {
		rc.Issuer = append(rc.Issuer, "VAT no. "+is.VATNumber)
	}
	var b bytes.Buffer
	if err := report.WriteReceiptPDF(&b, rc); err != nil {
		a.failErr(w, r, q, fmt.Errorf("receipt PDF of %s: %w", c.ID, err))
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="receipt-`+c.ID+`.pdf"`)
	_, _ = w.Write(b.Bytes())
}

// costVAT returns the VAT of a cost in minor units.
func costVAT(c *volt.Cost) int64 { return c.InclVAT - c.ExclVAT }
