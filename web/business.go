package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/report"
)

// The operator's business pages (issue 17): reliability with its
// exclusions, socket fee statements, the platform's income, ticket
// service levels and the damaged-connector action on a ticket.

func (a *Admin) businessRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/reliability", a.auth(a.reliabilityPage))
	m.HandleFunc("GET "+p+"/reliability/report", a.auth(a.reliabilityFile))
	m.HandleFunc("POST "+p+"/reliability/exclusions", a.auth(a.exclusionCreate))
	m.HandleFunc("POST "+p+"/reliability/exclusions/{id}/delete", a.auth(a.exclusionDelete))
	m.HandleFunc("GET "+p+"/socket-fees", a.auth(a.socketFeesPage))
	m.HandleFunc("POST "+p+"/socket-fees", a.auth(a.socketFeesBill))
	m.HandleFunc("GET "+p+"/socket-fees/{id}", a.auth(a.socketFeeFile))
	m.HandleFunc("GET "+p+"/platform-income", a.auth(a.platformIncomePage))
	m.HandleFunc("GET "+p+"/service-levels", a.auth(a.serviceLevelsPage))
	m.HandleFunc("POST "+p+"/service-levels", a.auth(a.serviceLevelsSave))
	m.HandleFunc("POST "+p+"/tickets/{id}/inoperative", a.auth(a.ticketInoperative))
}

// visibleCPOs are the CPOs the actor reads (for the pickers).
func (a *Admin) visibleCPOs(s *sess) []*volt.CPO {
	cpos, _, _ := a.cfg.Hierarchy.FindCPOs(s.ctx, volt.Filter{Page: volt.Page{Limit: 500}})
	return cpos
}

// pickCPO is the CPO chosen in the query, else the first visible one.
func pickCPO(r *http.Request, cpos []*volt.CPO) string {
	if id := r.URL.Query().Get("cpoId"); id != "" {
		return id
	}
	if len(cpos) > 0 {
		return cpos[0].ID
	}
	return ""
}

// reliabilityView is the reliability page: the month's report of a CPO's
// network, its exclusions, and the form to add one.
type reliabilityView struct {
	CPOs       []*volt.CPO
	CPOID      string
	Month      string
	Report     *volt.ReliabilityReport
	Exclusions []*volt.ReliabilityExclusion
	Reasons    []volt.DowntimeReason
	Editable   bool
	Query      string
	Error      string
	Field      string
	Form       map[string]string
}

// Below reports whether a percentage is under the UK reg. 7 target (99 %).
func (reliabilityView) Below(p volt.Decimal) bool { return p.Cmp(volt.NewDecimalInt(99)) < 0 }

// Hours formats milliseconds as hours with two decimals.
func (reliabilityView) Hours(ms int64) string {
	return volt.NewDecimalMicro(ms * 1000 / 3600).StringFixed(2)
}

func (a *Admin) reliabilityPage(w http.ResponseWriter, r *http.Request, s *sess) {
	a.renderReliability(w, r, s, nil, nil)
}

func (a *Admin) renderReliability(w http.ResponseWriter, r *http.Request, s *sess, form map[string]string, ferr error) {
	if a.cfg.Reliability == nil {
		a.notWired(w, r, s, "Reliability reports")
		return
	}
	v := reliabilityView{CPOs: a.visibleCPOs(s), Month: r.URL.Query().Get("month"), Form: form,
		Reasons: []volt.DowntimeReason{volt.DowntimePlannedMaintenance, volt.DowntimeGridOutage, volt.DowntimeVandalism, volt.DowntimeOutsideHours}}
	if form == nil {
		v.Form = map[string]string{}
	}
	if v.Month == "" {
		v.Month = time.Now().UTC().Format("2006-01")
	}
	v.CPOID = pickCPO(r, v.CPOs)
	v.Editable = s.actor.Can(volt.PermWrite, volt.Ref{CPOID: v.CPOID}) || canCreate(s)
	v.Query = url.Values{"cpoId": {v.CPOID}, "month": {v.Month}}.Encode()
	status := http.StatusOK
	if v.CPOID != "" {
		rep, err := a.cfg.Reliability.Reliability(s.ctx, volt.ReliabilityFilter{CPOID: v.CPOID, Month: v.Month})
		if err != nil {
			a.fail(w, r, s, err)
			return
		}
		v.Report = rep
		v.Exclusions, _, err = a.cfg.Reliability.FindReliabilityExclusions(s.ctx, volt.ExclusionFilter{CPOID: v.CPOID, Month: v.Month, Page: volt.Page{Limit: 200}})
		if err != nil {
			a.fail(w, r, s, err)
			return
		}
	}
	if ferr != nil {
		v.Error, v.Field, status = errText(ferr), fieldOf(ferr), httpStatus(ferr)
	}
	a.renderStatus(w, r, s, status, "reliability", "Reliability", v)
}

// reliabilityFile serves the month's report as CSV or PDF.
func (a *Admin) reliabilityFile(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Reliability == nil {
		a.notWired(w, r, s, "Reliability reports")
		return
	}
	q := r.URL.Query()
	rep, err := a.cfg.Reliability.Reliability(s.ctx, volt.ReliabilityFilter{CPOID: q.Get("cpoId"), Month: q.Get("month")})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	var b bytes.Buffer
	name := "reliability-" + rep.Month
	if q.Get("format") == "pdf" {
		subject := rep.CPOID
		if c, err := a.cfg.Hierarchy.FindCPOByID(s.ctx, rep.CPOID); err == nil {
			subject = c.Name
		}
		err = report.WriteReliabilityPDF(&b, rep, subject)
		sendFile(w, "application/pdf", name+".pdf", b.Bytes(), err, a, r, s)
		return
	}
	err = report.WriteReliabilityCSV(&b, rep)
	sendFile(w, "text/csv; charset=utf-8", name+".csv", b.Bytes(), err, a, r, s)
}

func sendFile(w http.ResponseWriter, ctype, name string, body []byte, err error, a *Admin, r *http.Request, s *sess) {
	if err != nil {
		a.fail(w, r, s, fmt.Errorf("render %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
}

// formTime reads a datetime-local field as UTC.
func formTime(r *http.Request, name string) (time.Time, error) {
	v := trimForm(r, name)
	t, err := time.Parse("2006-01-02T15:04", v)
	if err != nil {
		return t, volt.FieldError(name, "Give a date and time (UTC), got %q.", v)
	}
	return t, nil
}

// exclusionCreate records an annotated exclusion; one without evidence is
// refused with the form as typed.
func (a *Admin) exclusionCreate(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Reliability == nil {
		a.notWired(w, r, s, "Reliability reports")
		return
	}
	form := map[string]string{}
	for _, k := range []string{"cpid", "connectorId", "reason", "from", "to", "evidence", "note"} {
		form[k] = trimForm(r, k)
	}
	e := &volt.ReliabilityExclusion{CPID: form["cpid"], Reason: volt.DowntimeReason(form["reason"]), Evidence: form["evidence"], Note: form["note"]}
	var err error
	if form["connectorId"] != "" {
		if e.ConnectorID, err = strconv.Atoi(form["connectorId"]); err != nil {
			err = volt.FieldError("connectorId", "Connector must be a number (0: the whole charger).")
		}
	}
	if err == nil {
		e.From, err = formTime(r, "from")
	}
	if err == nil {
		e.To, err = formTime(r, "to")
	}
	if err == nil {
		err = a.cfg.Reliability.CreateReliabilityExclusion(s.ctx, e)
	}
	q := url.Values{"cpoId": {trimForm(r, "cpoId")}, "month": {trimForm(r, "month")}}
	if err != nil {
		r.URL.RawQuery = q.Encode()
		a.renderReliability(w, r, s, form, err)
		return
	}
	a.done(w, r, AdminPrefix+"/reliability?"+q.Encode(), "Downtime excluded: "+string(e.Reason)+" on "+e.CPID+".")
}

func (a *Admin) exclusionDelete(w http.ResponseWriter, r *http.Request, s *sess) {
	back := AdminPrefix + "/reliability?" + url.Values{"cpoId": {trimForm(r, "cpoId")}, "month": {trimForm(r, "month")}}.Encode()
	if a.cfg.Reliability == nil {
		a.notWired(w, r, s, "Reliability reports")
		return
	}
	if err := a.cfg.Reliability.DeleteReliabilityExclusion(s.ctx, r.PathValue("id")); err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, "Exclusion removed: that downtime counts again.")
}

// socketFeesView lists the statements the actor reads; super admins bill.
type socketFeesView struct {
	Statements []*volt.SocketFeeStatement
	CPONames   map[string]string
	CPOs       []*volt.CPO
	Super      bool
	Period     string
}

// Money formats minor units of a currency.
func (socketFeesView) Money(amount int64, currency string) string { return fmtMinor(amount, currency) }

func (a *Admin) socketFeesPage(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.SocketFees == nil {
		a.notWired(w, r, s, "Socket fee statements")
		return
	}
	sts, _, err := a.cfg.SocketFees.FindSocketFeeStatements(s.ctx, volt.SocketFeeFilter{Page: volt.Page{Limit: 200}})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := socketFeesView{Statements: sts, CPONames: map[string]string{}, CPOs: a.visibleCPOs(s), Super: s.actor.SuperAdmin,
		Period: time.Now().UTC().AddDate(0, -1, 0).Format("2006-01")}
	for _, c := range v.CPOs {
		v.CPONames[c.ID] = c.Name
	}
	a.render(w, r, s, "socket_fees", "Socket fees", v)
}

func (a *Admin) socketFeesBill(w http.ResponseWriter, r *http.Request, s *sess) {
	back := AdminPrefix + "/socket-fees"
	if a.cfg.SocketFees == nil {
		a.notWired(w, r, s, "Socket fee statements")
		return
	}
	st, err := a.cfg.SocketFees.BillSocketFees(s.ctx, trimForm(r, "cpoId"), trimForm(r, "period"))
	if err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, fmt.Sprintf("Billed %s: %s %s (revision %d).", st.Period, fmtMinor(st.Amount, st.Currency), st.Currency, st.Revision))
}

func (a *Admin) socketFeeFile(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.SocketFees == nil {
		a.notWired(w, r, s, "Socket fee statements")
		return
	}
	st, err := a.cfg.SocketFees.FindSocketFeeStatementByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	var b bytes.Buffer
	name := "socket-fees-" + st.Period
	if r.URL.Query().Get("format") == "csv" {
		err = report.WriteSocketFeeCSV(&b, st)
		sendFile(w, "text/csv; charset=utf-8", name+".csv", b.Bytes(), err, a, r, s)
		return
	}
	cpo, names := st.CPOID, map[string]string{}
	if c, err := a.cfg.Hierarchy.FindCPOByID(s.ctx, st.CPOID); err == nil {
		cpo = c.Name
	}
	for _, l := range st.Lines {
		if o, err := a.cfg.Hierarchy.FindOwnerByID(s.ctx, l.OwnerID); err == nil {
			names[l.OwnerID] = o.Name
		}
	}
	err = report.WriteSocketFeePDF(&b, st, cpo, names)
	sendFile(w, "application/pdf", name+".pdf", b.Bytes(), err, a, r, s)
}

// platformIncomeView is the super admin's own income for a span of months.
type platformIncomeView struct {
	From, To string // YYYY-MM, To inclusive
	Report   *volt.PlatformIncomeReport
}

// Money formats minor units of a currency.
func (platformIncomeView) Money(amount int64, currency string) string {
	return fmtMinor(amount, currency)
}

func (a *Admin) platformIncomePage(w http.ResponseWriter, r *http.Request, s *sess) {
	pr, ok := a.cfg.Reports.(volt.PlatformReportService)
	if !ok || !s.actor.SuperAdmin {
		a.fail(w, r, s, volt.Errorf(volt.ENOTFOUND, "No such page."))
		return
	}
	q := r.URL.Query()
	now := time.Now().UTC()
	v := platformIncomeView{From: q.Get("from"), To: q.Get("to")}
	if v.From == "" {
		v.From = now.AddDate(0, -5, 0).Format("2006-01")
	}
	if v.To == "" {
		v.To = now.Format("2006-01")
	}
	from, err1 := time.Parse("2006-01", v.From)
	to, err2 := time.Parse("2006-01", v.To)
	if err1 != nil || err2 != nil {
		a.fail(w, r, s, volt.FieldError("from", "Months are YYYY-MM."))
		return
	}
	rep, err := pr.PlatformIncome(s.ctx, volt.PlatformIncomeFilter{CPOID: q.Get("cpoId"), From: from, To: to.AddDate(0, 1, 0)})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	var b bytes.Buffer
	switch q.Get("format") {
	case "csv":
		err = report.WritePlatformIncomeCSV(&b, rep)
		sendFile(w, "text/csv; charset=utf-8", "platform-income.csv", b.Bytes(), err, a, r, s)
		return
	case "pdf":
		err = report.WritePlatformIncomePDF(&b, rep, "Volt")
		sendFile(w, "application/pdf", "platform-income.pdf", b.Bytes(), err, a, r, s)
		return
	}
	v.Report = rep
	a.render(w, r, s, "platform_income", "Platform income", v)
}

// serviceLevelsView is a CPO's ticket targets and the open tickets that
// missed them.
type serviceLevelsView struct {
	CPOs     []*volt.CPO
	CPOID    string
	Levels   *volt.TicketServiceLevels
	Breaches []volt.TicketSLA
	Editable bool
}

func (a *Admin) serviceLevelsPage(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.TicketSLA == nil {
		a.notWired(w, r, s, "Ticket service levels")
		return
	}
	v := serviceLevelsView{CPOs: a.visibleCPOs(s)}
	v.CPOID = pickCPO(r, v.CPOs)
	var err error
	if v.CPOID != "" {
		if v.Levels, err = a.cfg.TicketSLA.TicketServiceLevels(s.ctx, v.CPOID); err != nil {
			a.fail(w, r, s, err)
			return
		}
		v.Editable = s.actor.Can(volt.PermWrite, volt.Ref{CPOID: v.CPOID})
	}
	// The alert rule "ticket breached its service level" (store
	// alert_links.go) reads the same breaches.
	if v.Breaches, err = a.cfg.TicketSLA.TicketBreaches(s.ctx, v.CPOID); err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.render(w, r, s, "service_levels", "Ticket service levels", v)
}

func (a *Admin) serviceLevelsSave(w http.ResponseWriter, r *http.Request, s *sess) {
	cpo := trimForm(r, "cpoId")
	back := AdminPrefix + "/service-levels?" + url.Values{"cpoId": {cpo}}.Encode()
	if a.cfg.TicketSLA == nil {
		a.notWired(w, r, s, "Ticket service levels")
		return
	}
	l := &volt.TicketServiceLevels{CPOID: cpo}
	for _, p := range []volt.TicketPriority{volt.PriorityUrgent, volt.PriorityHigh, volt.PriorityNormal, volt.PriorityLow} {
		resp, err1 := strconv.Atoi(trimForm(r, "response-"+string(p)))
		res, err2 := strconv.Atoi(trimForm(r, "resolution-"+string(p)))
		if err1 != nil || err2 != nil {
			a.refused(w, r, back, volt.FieldError("responseMinutes", "Targets of %s tickets must be whole minutes.", p))
			return
		}
		l.Levels = append(l.Levels, volt.TicketServiceLevel{Priority: p, ResponseMinutes: resp, ResolutionMinutes: res})
	}
	if err := a.cfg.TicketSLA.SetTicketServiceLevels(s.ctx, l); err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, "Service levels saved.")
}

// ticketInoperative takes the connector a ticket reports damaged out of
// use: ChangeAvailability Inoperative, the charger's answer noted on the
// ticket (internal).
func (a *Admin) ticketInoperative(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	back := AdminPrefix + "/tickets/" + url.PathEscape(id)
	if a.cfg.Tickets == nil || a.cfg.Commander == nil {
		a.notWired(w, r, s, "Ticket actions")
		return
	}
	t, err := a.cfg.Tickets.FindTicketByID(s.ctx, id)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	switch {
	case !s.actor.Can(volt.PermSupport, t.Ref()) || !s.actor.Can(volt.PermCommand, t.Ref()):
		err = volt.Errorf(volt.EFORBIDDEN, "Only support may take the ticket's connector out of use.")
	case t.CPID == "" || t.ConnectorID <= 0:
		err = volt.FieldError("connectorId", "The ticket names no connector.")
	}
	if err != nil {
		a.refused(w, r, back, err)
		return
	}
	ans, err := a.cfg.Commander.Call(s.ctx, t.CPID, "ChangeAvailability", map[string]any{"connectorId": t.ConnectorID, "type": "Inoperative"})
	if err != nil {
		a.refused(w, r, back, err)
		return
	}
	var res struct{ Status string }
	_ = json.Unmarshal(ans, &res)
	note := &volt.TicketMessage{Internal: true, Body: fmt.Sprintf("Connector %d of %s set Inoperative (reported damaged): %s.", t.ConnectorID, t.CPID, res.Status)}
	if err := a.cfg.Tickets.AddTicketMessage(s.ctx, t.ID, note); err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, fmt.Sprintf("Connector %d of %s: ChangeAvailability Inoperative answered %s.", t.ConnectorID, t.CPID, res.Status))
}

// breachedTickets are the open tickets in the actor's scope that missed a
// service level, for the ticket list's highlight (none when not wired).
func (a *Admin) breachedTickets(s *sess) map[string]bool {
	out := map[string]bool{}
	if a.cfg.TicketSLA == nil {
		return out
	}
	breaches, err := a.cfg.TicketSLA.TicketBreaches(s.ctx, "")
	if err != nil {
		a.log.Warn("ticket breaches", "err", err)
		return out
	}
	for _, b := range breaches {
		out[b.TicketID] = true
	}
	return out
}
