package api

import (
	"context"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/report"
)

// incomeHeading names an income report's PDF: the brand of its CPO and the
// CPO, owner or site reported on, as far as the caller may read them.
func (s *server) incomeHeading(ctx context.Context, f volt.IncomeFilter, fallback string) report.IncomeHeading {
	h := report.IncomeHeading{Brand: "Income", Subject: fallback}
	cpoID := f.CPOID
	switch {
	case f.SiteID != "":
		if si, err := s.Hierarchy.FindSiteByID(ctx, f.SiteID); err == nil {
			h.Subject, cpoID = "site "+si.Name, si.CPOID
		}
	case f.OwnerID != "":
		if o, err := s.Hierarchy.FindOwnerByID(ctx, f.OwnerID); err == nil {
			h.Subject, cpoID = "owner "+o.Name, o.CPOID
		}
	}
	if c, err := s.Hierarchy.FindCPOByID(ctx, cpoID); cpoID != "" && err == nil {
		h.Brand = c.Name
		if c.Theme.DisplayName != "" {
			h.Brand = c.Theme.DisplayName
		}
		if f.SiteID == "" && f.OwnerID == "" {
			h.Subject = "CPO " + c.Name
		}
	}
	return h
}
