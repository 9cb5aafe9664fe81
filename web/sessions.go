package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

// sessionsView is the data of the sessions and CDRs lists.
type sessionsView struct {
	CPID, Status, From, To, SiteID string
	Sessions                       []*volt.Session
	CDRs                           []*volt.CDR
	Pager                          pager
	CSV                            string
	Error                          string
	CDRMode                        bool
}

// csvMaxRows bounds one CSV export.
const csvMaxRows = 100000

// sessionFilter reads the filters shared by sessions and CDRs; dates are
// whole UTC days, To inclusive.
func sessionFilter(r *http.Request) (volt.SessionFilter, sessionsView, error) {
	q := r.URL.Query()
	v := sessionsView{CPID: strings.TrimSpace(q.Get("cpid")), Status: q.Get("status"), From: q.Get("from"), To: q.Get("to"), SiteID: q.Get("site")}
	f := volt.SessionFilter{CPID: v.CPID, SiteID: v.SiteID, UserID: q.Get("user")}
	switch v.Status {
	case "active":
		f.Status = volt.SessionActive
	case "completed":
		f.Status = volt.SessionCompleted
	}
	if v.From != "" {
		t, err := time.Parse("2006-01-02", v.From)
		if err != nil {
			return f, v, volt.FieldError("from", "The From date must look like 2026-01-31.")
		}
		f.From = &t
	}
	if v.To != "" {
		t, err := time.Parse("2006-01-02", v.To)
		if err != nil {
			return f, v, volt.FieldError("to", "The To date must look like 2026-01-31.")
		}
		t = t.Add(24*time.Hour - time.Nanosecond)
		f.To = &t
	}
	q.Set("format", "csv")
	q.Del("offset")
	v.CSV = r.URL.Path + "?" + q.Encode()
	return f, v, nil
}

func (a *Admin) sessionList(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Charging == nil {
		a.fail(w, r, s, volt.Errorf(volt.ENOTIMPLEMENTED, "Sessions are not available on this server."))
		return
	}
	f, v, err := sessionFilter(r)
	if err != nil {
		v.Error = errText(err)
		a.renderStatus(w, r, s, http.StatusBadRequest, "sessions", "Sessions", v)
		return
	}
	if r.URL.Query().Get("format") == "csv" {
		a.sessionsCSV(w, r, s, f)
		return
	}
	f.Page = pageOf(r, 50)
	list, total, err := a.cfg.Charging.FindSessions(s.ctx, f)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v.Sessions, v.Pager = list, newPager(r, f.Page, total)
	a.render(w, r, s, "sessions", "Sessions", v)
}

func (a *Admin) cdrList(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Charging == nil {
		a.fail(w, r, s, volt.Errorf(volt.ENOTIMPLEMENTED, "CDRs are not available on this server."))
		return
	}
	f, v, err := sessionFilter(r)
	v.CDRMode = true
	if err != nil {
		v.Error = errText(err)
		a.renderStatus(w, r, s, http.StatusBadRequest, "sessions", "CDRs", v)
		return
	}
	if r.URL.Query().Get("format") == "csv" {
		a.cdrsCSV(w, r, s, f)
		return
	}
	f.Page = pageOf(r, 50)
	list, total, err := a.cfg.Charging.FindCDRs(s.ctx, f)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v.CDRs, v.Pager = list, newPager(r, f.Page, total)
	a.render(w, r, s, "sessions", "CDRs", v)
}

func csvHeader(w http.ResponseWriter, name string) *csv.Writer {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	return csv.NewWriter(w)
}

// csvSafe defuses values a spreadsheet would run as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }

func rfc(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// sessionsCSV streams every matching session, page by page.
func (a *Admin) sessionsCSV(w http.ResponseWriter, r *http.Request, s *sess, f volt.SessionFilter) {
	cw := csvHeader(w, "sessions.csv")
	_ = cw.Write([]string{"id", "transactionId", "cpid", "connectorId", "status", "idTag", "userId", "startedAt", "stoppedAt", "meterStart", "meterStop", "energyWh", "stopReason", "flags"})
	f.Page = volt.Page{Limit: 500}
	for f.Offset < csvMaxRows {
		list, total, err := a.cfg.Charging.FindSessions(s.ctx, f)
		if err != nil {
			a.log.Error("sessions csv", "err", err)
			_ = cw.Write([]string{"# export stopped: " + errText(err)})
			break
		}
		for _, se := range list {
			stop := ""
			if se.MeterStop != nil {
				stop = i64(*se.MeterStop)
			}
			_ = cw.Write([]string{se.ID, i64(se.TransactionID), se.CPID, strconv.Itoa(se.ConnectorID), string(se.Status),
				csvSafe(se.IDTag), se.UserID, rfc(&se.StartedAt), rfc(se.StoppedAt), i64(se.MeterStart), stop,
				i64(se.EnergyWh), csvSafe(se.StopReason), strings.Join(se.Flags, " ")})
		}
		f.Offset += len(list)
		if len(list) == 0 || f.Offset >= total {
			break
		}
	}
	cw.Flush()
}

// cdrsCSV streams every matching CDR, page by page.
func (a *Admin) cdrsCSV(w http.ResponseWriter, r *http.Request, s *sess, f volt.SessionFilter) {
	cw := csvHeader(w, "cdrs.csv")
	_ = cw.Write([]string{"id", "sessionId", "transactionId", "cpid", "connectorId", "idTag", "userId", "startedAt", "stoppedAt",
		"durationSeconds", "meterStart", "meterStop", "energyWh", "stopReason", "currency", "totalExclVat", "totalInclVat", "flags",
		"vatRate", "vatAmount", "paymentMethod", "authMethod", "siteId", "site"})
	sites := map[string]string{}
	f.Page = volt.Page{Limit: 500}
	for f.Offset < csvMaxRows {
		list, total, err := a.cfg.Charging.FindCDRs(s.ctx, f)
		if err != nil {
			a.log.Error("cdrs csv", "err", err)
			_ = cw.Write([]string{"# export stopped: " + errText(err)})
			break
		}
		for _, c := range list {
			cur, excl, incl, rate, vat := "", "", "", "", ""
			if c.TotalCost != nil {
				cur, excl, incl = c.TotalCost.Currency, i64(c.TotalCost.ExclVAT), i64(c.TotalCost.InclVAT)
				rate, vat = c.TotalCost.VATRate, i64(c.TotalCost.InclVAT-c.TotalCost.ExclVAT)
			}
			site, ok := sites[c.SiteID]
			if !ok && c.SiteID != "" {
				if si, err := a.cfg.Hierarchy.FindSiteByID(s.ctx, c.SiteID); err == nil {
					site = si.Name
				}
				sites[c.SiteID] = site
			}
			_ = cw.Write([]string{c.ID, c.SessionID, i64(c.TransactionID), c.CPID, strconv.Itoa(c.ConnectorID), csvSafe(c.IDTag),
				c.UserID, rfc(&c.StartedAt), rfc(&c.StoppedAt), i64(c.DurationSeconds), i64(c.MeterStart), i64(c.MeterStop),
				i64(c.EnergyWh), csvSafe(c.StopReason), cur, excl, incl, strings.Join(c.Flags, " "),
				rate, vat, c.PaymentMethod, volt.AuthMethodOf(c.IDTag, c.PaymentMethod), c.SiteID, csvSafe(site)})
		}
		f.Offset += len(list)
		if len(list) == 0 || f.Offset >= total {
			break
		}
	}
	cw.Flush()
}
