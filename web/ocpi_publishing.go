package web

import (
	"net/http"
	"slices"

	volt "github.com/volt-ev/volt"
)

// What a CPO publishes to an eMSP partner over OCPI (issue 14): every
// published charger group or only some, and the partner's roaming tariff
// (shown in its Locations and Tariffs, charged to its drivers).

// ocpiPublishing is the partner page's publishing form.
type ocpiPublishing struct {
	All      bool // not limited to some groups
	Groups   []ocpiGroupChoice
	Tariffs  []*volt.Tariff
	TariffID string
}

// ocpiGroupChoice is one of the CPO's charger groups on the form; Never
// says why it is published to no partner whatever is ticked.
type ocpiGroupChoice struct {
	Group   *volt.ChargerGroup
	Checked bool
	Never   string
}

// ocpiPublishingOf reads the form's choices for partner p (nil when the
// portal has no tariffs wired or p is not an eMSP).
func (a *Admin) ocpiPublishingOf(s *sess, p *volt.OCPIPartner) (*ocpiPublishing, error) {
	if p.Role != volt.OCPIRoleEMSP {
		return nil, nil
	}
	groups, _, err := a.cfg.Hierarchy.FindChargerGroups(s.ctx, volt.Filter{CPOID: p.CPOID, Page: volt.Page{Limit: 500}})
	if err != nil {
		return nil, err
	}
	v := &ocpiPublishing{All: len(p.ChargerGroupIDs) == 0, TariffID: p.TariffID}
	for _, g := range groups {
		c := ocpiGroupChoice{Group: g, Checked: slices.Contains(p.ChargerGroupIDs, g.ID)}
		switch {
		case g.Private:
			c.Never = "private"
		case g.OCPIExcluded:
			c.Never = "excluded from OCPI"
		}
		v.Groups = append(v.Groups, c)
	}
	if a.cfg.Tariffs != nil {
		if v.Tariffs, _, err = a.cfg.Tariffs.FindTariffs(s.ctx, volt.TariffFilter{CPOID: p.CPOID, Page: volt.Page{Limit: 500}}); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// ocpiPartnerPublishing sets the partner's groups and roaming tariff.
func (a *Admin) ocpiPartnerPublishing(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	back := AdminPrefix + "/ocpi-partners/" + id
	if a.cfg.OCPIPartners == nil {
		a.notWired(w, r, s, "OCPI roaming")
		return
	}
	_ = r.ParseForm()
	groups := []string{}
	if trimForm(r, "scope") == "some" {
		groups = r.PostForm["chargerGroupIds"]
		if len(groups) == 0 {
			a.refused(w, r, back, &volt.Error{Code: volt.EINVALID, Field: "chargerGroupIds",
				Message: "Tick at least one charger group, or publish every group."})
			return
		}
	}
	tariff := trimForm(r, "tariffId")
	u := volt.OCPIPartnerUpdate{ChargerGroupIDs: &groups, TariffID: &tariff}
	if _, err := a.cfg.OCPIPartners.UpdateOCPIPartner(s.ctx, id, u); err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, "Publishing saved: the partner's next pull shows it, and status pushes follow it.")
}
