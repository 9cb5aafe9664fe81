package web

import (
	"net/http"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

// incomeView is the data of the income report page.
type incomeView struct {
	Scope    string // "cpo:ID", "owner:ID" or "site:ID"
	From, To string // yyyy-mm-dd, To inclusive
	CPOs     []*volt.CPO
	Owners   []*volt.Owner
	Sites    map[string]string
	Report   *volt.IncomeReport
	Error    string
	NoReport bool
}

// Money formats an amount of the report's currency.
func (v incomeView) Money(amount int64) string { return fmtMinor(amount, v.Report.Currency) }

// income shows the owner's income report: direct and third-party income,
// fees, VAT and net payment, per site.
func (a *Admin) income(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Reports == nil {
		a.moneyTODO(w, r, s)
		return
	}
	q := r.URL.Query()
	now := a.now().UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	v := incomeView{Scope: q.Get("scope"), From: q.Get("from"), To: q.Get("to"), Sites: map[string]string{}}
	if v.From == "" {
		v.From = first.Format("2006-01-02")
	}
	if v.To == "" {
		v.To = first.AddDate(0, 1, -1).Format("2006-01-02")
	}
	v.CPOs, v.Owners = a.filterChoices(s)
	if v.Scope == "" {
		if len(v.Owners) > 0 {
			v.Scope = "owner:" + v.Owners[0].ID
		} else if len(v.CPOs) > 0 {
			v.Scope = "cpo:" + v.CPOs[0].ID
		}
	}
	f, err := incomeFilter(v)
	if err == nil {
		v.Report, err = a.cfg.Reports.IncomeReport(s.ctx, f)
	}
	status := http.StatusOK
	if err != nil {
		v.Error, status = errText(err), httpStatus(err)
		v.Report = nil
	}
	if v.Report != nil {
		sites, _, _ := a.cfg.Hierarchy.FindSites(s.ctx, volt.Filter{Page: volt.Page{Limit: 500}})
		for _, si := range sites {
			v.Sites[si.ID] = si.Name
		}
	}
	a.renderStatus(w, r, s, status, "income", "Income", v)
}

func incomeFilter(v incomeView) (volt.IncomeFilter, error) {
	var f volt.IncomeFilter
	kind, id, _ := strings.Cut(v.Scope, ":")
	switch kind {
	case "cpo":
		f.CPOID = id
	case "owner":
		f.OwnerID = id
	case "site":
		f.SiteID = id
	}
	from, err1 := time.Parse("2006-01-02", v.From)
	to, err2 := time.Parse("2006-01-02", v.To)
	if err1 != nil || err2 != nil {
		return f, volt.FieldError("from", "Dates must look like 2026-01-31.")
	}
	f.From, f.To = from, to.AddDate(0, 0, 1)
	return f, f.Validate()
}
