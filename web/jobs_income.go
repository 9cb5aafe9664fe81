package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/report"
)

// incomeFormFilter reads scope, from and to of the income forms.
func incomeFormFilter(r *http.Request) (volt.IncomeFilter, error) {
	return incomeFilter(incomeView{Scope: r.FormValue("scope"), From: r.FormValue("from"), To: r.FormValue("to")})
}

// incomeCSV downloads the report as CSV at once: one aggregate query.
func (a *Admin) incomeCSV(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Reports == nil {
		a.moneyTODO(w, r, s)
		return
	}
	f, err := incomeFormFilter(r)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	rep, err := a.cfg.Reports.IncomeReport(s.ctx, f)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	var buf bytes.Buffer
	if err := report.WriteIncomeCSVWith(&buf, rep, a.incomeHeading(s.ctx, f, s.theme.Name)); err != nil {
		a.fail(w, r, s, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="income-`+r.FormValue("from")+`-`+r.FormValue("to")+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// incomePDFJob starts the PDF of an income report as a background job: the
// period is reported month by month (the progress bar moves per month), the
// months are added up and the PDF drawn at the end.
func (a *Admin) incomePDFJob(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Reports == nil {
		a.moneyTODO(w, r, s)
		return
	}
	back := AdminPrefix + "/income?scope=" + r.FormValue("scope") + "&from=" + r.FormValue("from") + "&to=" + r.FormValue("to")
	f, err := incomeFormFilter(r)
	if err != nil {
		a.refused(w, r, back, err)
		return
	}
	if _, err := a.cfg.Reports.IncomeReport(s.ctx, volt.IncomeFilter{CPOID: f.CPOID, OwnerID: f.OwnerID, SiteID: f.SiteID,
		From: f.From, To: f.From.Add(time.Hour)}); err != nil {
		a.refused(w, r, back, err) // not readable by this actor: say so now, not in the job
		return
	}
	parts := monthParts(f)
	title := fmt.Sprintf("Income report %s to %s (PDF)", r.FormValue("from"), r.FormValue("to"))
	j, err := a.jobs.start(s.ctx, s.actor.UserID, title, len(parts)+1, func(ctx context.Context, j *job) (*jobResult, error) {
		return a.runIncomePDF(ctx, j, f, parts, a.incomeHeading(s.ctx, f, s.theme.Name))
	})
	if err != nil {
		a.refused(w, r, back, err)
		return
	}
	http.Redirect(w, r, AdminPrefix+"/jobs/"+j.ID, http.StatusSeeOther)
}

func (a *Admin) runIncomePDF(ctx context.Context, j *job, f volt.IncomeFilter, parts []volt.IncomeFilter, heading report.IncomeHeading) (*jobResult, error) {
	total := &volt.IncomeReport{Filter: f, Sites: []volt.IncomeLine{}}
	for _, p := range parts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rep, err := a.cfg.Reports.IncomeReport(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("income %s: %w", p.From.Format("2006-01"), err)
		}
		addReport(total, rep)
		j.step(1, fmt.Sprintf("%s: %d sessions", p.From.Format("January 2006"), rep.Sessions))
	}
	total.Finish()
	var buf bytes.Buffer
	if err := report.WriteIncomePDFWith(&buf, total, heading); err != nil {
		return nil, err
	}
	j.step(1, "PDF drawn")
	return &jobResult{Data: buf.Bytes(), Type: "application/pdf",
		Name:    "income-" + f.From.Format("20060102") + "-" + f.To.AddDate(0, 0, -1).Format("20060102") + ".pdf",
		Message: fmt.Sprintf("Report ready: %d sessions, %s.", total.Sessions, fmtKWh(total.EnergyWh))}, nil
}

// monthParts splits a report period at calendar month boundaries (UTC).
func monthParts(f volt.IncomeFilter) []volt.IncomeFilter {
	var out []volt.IncomeFilter
	for from := f.From; from.Before(f.To); {
		next := time.Date(from.Year(), from.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		if next.After(f.To) {
			next = f.To
		}
		p := f
		p.From, p.To = from, next
		out = append(out, p)
		from = next
	}
	return out
}

// addReport adds a part of a period into the total, site by site.
func addReport(t, p *volt.IncomeReport) {
	if t.Currency == "" {
		t.Currency = p.Currency
	}
	t.Sessions += p.Sessions
	t.EnergyWh += p.EnergyWh
	t.AppIncome += p.AppIncome
	t.CreditIncome += p.CreditIncome
	t.ContactlessIncome += p.ContactlessIncome
	t.ThirdPartyIncome += p.ThirdPartyIncome
	t.TransactionFees += p.TransactionFees
	t.SocketFees += p.SocketFees
	t.VAT += p.VAT
	for _, l := range p.Sites {
		found := false
		for i := range t.Sites {
			if t.Sites[i].SiteID == l.SiteID {
				s := &t.Sites[i]
				s.Sessions += l.Sessions
				s.EnergyWh += l.EnergyWh
				s.DirectIncome += l.DirectIncome
				s.VAT += l.VAT
				s.TransactionFees += l.TransactionFees
				found = true
				break
			}
		}
		if !found {
			t.Sites = append(t.Sites, l)
		}
	}
}
