package web

import (
	"context"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/report"
)

// incomeHeading names an income report: the brand of the CPO it belongs to
// (its whitelabel name) and the CPO, owner or site reported on. What the
// actor cannot read is left out rather than guessed.
func (a *Admin) incomeHeading(ctx context.Context, f volt.IncomeFilter, fallback string) report.IncomeHeading {
	h := report.IncomeHeading{Brand: fallback}
	cpoID := f.CPOID
	switch {
	case f.SiteID != "":
		if si, err := a.cfg.Hierarchy.FindSiteByID(ctx, f.SiteID); err == nil {
			h.Subject, cpoID = "site "+si.Name, si.CPOID
		}
	case f.OwnerID != "":
		if o, err := a.cfg.Hierarchy.FindOwnerByID(ctx, f.OwnerID); err == nil {
			h.Subject, cpoID = "owner "+o.Name, o.CPOID
		}
	}
	if cpoID != "" {
		if c, err := a.cfg.Hierarchy.FindCPOByID(ctx, cpoID); err == nil {
			h.Brand = c.Name
			if c.Theme.DisplayName != "" {
				h.Brand = c.Theme.DisplayName
			}
			if h.Subject == "" {
				h.Subject = "CPO " + c.Name
			}
		}
	}
	return h
}
