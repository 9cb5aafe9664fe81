package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/report"
)

// Issue 14 item 2: a partner CPO's monthly roaming reconciliation from its
// partner page, as PDF or CSV (the same documents as GET
// /api/v1/ocpi-partners/{id}/reconciliation).

func (a *Admin) ocpiReconciliationRoutes() {
	a.mux.HandleFunc("GET "+AdminPrefix+"/ocpi-partners/{id}/reconciliation/{file}", a.auth(a.ocpiReconciliation))
}

// lastMonth is the month the reconciliation form offers first: the last
// whole month (UTC).
func lastMonth(now time.Time) string {
	y, m, _ := now.UTC().Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0).Format("2006-01")
}

// ocpiReconciliation serves MONTH.pdf or MONTH.csv; the form on the partner
// page sends ?month= to MONTH.pdf's path, so a query month wins.
func (a *Admin) ocpiReconciliation(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.OCPIReconciler == nil {
		a.notWired(w, r, s, "OCPI reconciliation")
		return
	}
	file := r.PathValue("file")
	month, kind, ok := strings.Cut(file, ".")
	if q := strings.TrimSpace(r.URL.Query().Get("month")); q != "" {
		month = q
	}
	if !ok || (kind != "pdf" && kind != "csv") {
		a.fail(w, r, s, volt.Errorf(volt.ENOTFOUND, "There is no reconciliation %q: ask for MONTH.pdf or MONTH.csv.", file))
		return
	}
	at, err := time.Parse("2006-01", month)
	if err != nil {
		a.fail(w, r, s, volt.FieldError("month", "Give the month as YYYY-MM, got %q.", month))
		return
	}
	rec, err := a.cfg.OCPIReconciler.RoamingReconciliation(s.ctx, r.PathValue("id"), at)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	var b bytes.Buffer
	if kind == "csv" {
		err = report.WriteReconciliationCSV(&b, rec)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		brand := ""
		if p, perr := a.cfg.OCPIPartners.FindOCPIPartnerByID(s.ctx, rec.PartnerID); perr == nil {
			if c, cerr := a.cfg.Hierarchy.FindCPOByID(s.ctx, p.CPOID); cerr == nil {
				brand = c.Name
			}
		}
		err = report.WriteReconciliationPDF(&b, rec, brand)
		w.Header().Set("Content-Type", "application/pdf")
	}
	if err != nil {
		w.Header().Del("Content-Type")
		a.fail(w, r, s, fmt.Errorf("reconciliation %s %s: %w", rec.PartnerID, rec.Month, err))
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="roaming-`+rec.PartnerID+"-"+rec.Month+"."+kind+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b.Bytes())
}
