package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/audit"
)

// auditActionPrefixes are the action families offered in the filter (the
// filter matches a prefix when the value ends with ".").
var auditActionPrefixes = []string{"charger.", "command.", "cpo.", "owner.", "host.", "site.", "charger-group.",
	"user.", "usergroup.", "rfid-card.", "affiliate-code.", "tariff.", "tariff-assignment.", "ticket.", "helpline."}

var auditResourceTypes = []string{volt.ResourceCharger, volt.ResourceCPO, volt.ResourceOwner, volt.ResourceHost,
	volt.ResourceSite, volt.ResourceChargerGroup, volt.ResourceUser, volt.ResourceUsergroup, volt.ResourceRFIDCard,
	volt.ResourceAffiliateCode, volt.ResourceTariff, volt.ResourceTariffAssignment, volt.ResourceTicket,
	volt.ResourceHelplineContact, volt.ResourceSession, volt.ResourceChargerModel, volt.ResourceHub}

// auditView is the data of the audit log page.
type auditView struct {
	Form      auditForm
	Entries   []*volt.AuditEntry
	Pager     pager
	Actions   []string
	Resources []string
	CSV       string // the export link with the same filters
	Error     string
}

// auditForm is the filter as typed, echoed back into the form.
type auditForm struct {
	Actor, Action, Resource, ResourceID, Outcome, From, To, Q string
}

// auditFilter reads the filter from the query string. Dates are UTC days,
// To inclusive.
func auditFilter(q url.Values) (auditForm, volt.AuditFilter, error) {
	fm := auditForm{Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")),
		Resource: q.Get("resource"), ResourceID: strings.TrimSpace(q.Get("resourceId")), Outcome: q.Get("outcome"),
		From: q.Get("from"), To: q.Get("to"), Q: strings.TrimSpace(q.Get("q"))}
	f := volt.AuditFilter{ActorID: fm.Actor, Action: fm.Action, ResourceType: fm.Resource, ResourceID: fm.ResourceID, Query: fm.Q}
	switch fm.Outcome {
	case "", volt.AuditOK, volt.AuditFailed:
		f.Outcome = fm.Outcome
	default:
		return fm, f, volt.FieldError("outcome", "Outcome must be ok or failed.")
	}
	if fm.Resource != "" && !contains(auditResourceTypes, fm.Resource) {
		return fm, f, volt.FieldError("resource", "Unknown resource type %q.", fm.Resource)
	}
	if fm.From != "" {
		t, err := time.Parse(time.DateOnly, fm.From)
		if err != nil {
			return fm, f, volt.FieldError("from", "Dates must look like 2026-01-31.")
		}
		f.From = &t
	}
	if fm.To != "" {
		t, err := time.Parse(time.DateOnly, fm.To)
		if err != nil {
			return fm, f, volt.FieldError("to", "Dates must look like 2026-01-31.")
		}
		t = t.AddDate(0, 0, 1)
		f.To = &t
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		return fm, f, volt.FieldError("to", "The period must end after it starts.")
	}
	return fm, f, nil
}

// auditLog lists the audit entries the actor may read (the service scopes
// them), newest first, with filters.
func (a *Admin) auditLog(w http.ResponseWriter, r *http.Request, s *sess) {
	v := auditView{Actions: auditActionPrefixes, Resources: auditResourceTypes}
	fm, f, err := auditFilter(r.URL.Query())
	v.Form = fm
	status := http.StatusOK
	if err == nil {
		f.Page = pageOf(r, 50)
		var total int
		v.Entries, total, err = a.cfg.Audit.FindAuditEntries(s.ctx, f)
		v.Pager = newPager(r, f.Page, total)
	}
	if err != nil {
		v.Error, status = errText(err), httpStatus(err)
		if status >= 500 {
			a.log.Error("audit log", "err", err)
		}
	}
	q := r.URL.Query()
	q.Del("offset")
	v.CSV = AdminPrefix + "/audit.csv?" + q.Encode()
	a.renderStatus(w, r, s, status, "audit", "Audit log", v)
}

// auditCSV exports every matching entry the actor reads as CSV (audit.Export
// pages through them with the window frozen at the start).
func (a *Admin) auditCSV(w http.ResponseWriter, r *http.Request, s *sess) {
	_, f, err := auditFilter(r.URL.Query())
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	lw := &lazyDownload{w: w, name: "audit-" + a.now().UTC().Format("20060102-150405") + ".csv", typ: "text/csv; charset=utf-8"}
	if _, err := audit.Export(s.ctx, a.cfg.Audit, f, lw); err != nil {
		if !lw.started {
			a.fail(w, r, s, err) // refused before the first byte: a page in words
			return
		}
		a.log.Error("audit export cut short", "err", err) // the file is short; the log says why
	}
	if !lw.started {
		_, _ = lw.Write(nil)
	}
}

// lazyDownload sets the download headers on the first write, so an error
// found before any byte can still be answered with a page.
type lazyDownload struct {
	w         http.ResponseWriter
	name, typ string
	started   bool
}

func (l *lazyDownload) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		h := l.w.Header()
		h.Set("Content-Type", l.typ)
		h.Set("Content-Disposition", `attachment; filename="`+l.name+`"`)
		h.Set("Cache-Control", "no-store")
		l.w.WriteHeader(http.StatusOK)
	}
	return l.w.Write(p)
}

// needAudit shows a clear message when no audit service is wired.
func (a *Admin) needAudit(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, s *sess) {
		if a.cfg.Audit == nil {
			a.renderStatus(w, r, s, http.StatusOK, "money_todo", "Audit log", errorView{
				Message: "The audit log is not available on this server (no audit service is configured)."})
			return
		}
		h(w, r, s)
	}
}
