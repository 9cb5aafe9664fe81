package web

import (
	"net/http"

	volt "github.com/volt-ev/volt"
)

// matrixView is the tariff assignment matrix: charger groups down, usergroups
// (Public first) across, the assigned tariff in each cell.
type matrixView struct {
	Groups     []*volt.ChargerGroup
	Usergroups []*volt.Usergroup
	Tariffs    []*volt.Tariff
	Cells      map[string]map[string]string // charger group → usergroup → tariff id
	Names      map[string]string            // tariff id → name
	Pager      pager
	Editable   bool
}

func (a *Admin) assignmentMatrix(w http.ResponseWriter, r *http.Request, s *sess) {
	page := pageOf(r, 25)
	groups, total, err := a.cfg.Hierarchy.FindChargerGroups(s.ctx, volt.Filter{SiteID: r.URL.Query().Get("site"), Page: page})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := matrixView{Groups: groups, Pager: newPager(r, page, total), Cells: map[string]map[string]string{},
		Names: map[string]string{}, Editable: canCreate(s)}
	v.Usergroups = []*volt.Usergroup{{ID: volt.PublicUsergroupID, Name: "Public"}}
	ugs, _, err := a.cfg.Users.FindUsergroups(s.ctx, volt.Filter{Page: volt.Page{Limit: 500}})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	for _, g := range ugs {
		if g.Role == volt.RoleDriver || g.Private {
			v.Usergroups = append(v.Usergroups, g)
		}
	}
	if v.Tariffs, _, err = a.cfg.Tariffs.FindTariffs(s.ctx, volt.TariffFilter{Page: volt.Page{Limit: 500}}); err != nil {
		a.fail(w, r, s, err)
		return
	}
	for _, t := range v.Tariffs {
		v.Names[t.ID] = t.Name
	}
	for _, g := range groups {
		v.Cells[g.ID] = map[string]string{}
		list, _, err := a.cfg.Tariffs.FindTariffAssignments(s.ctx, volt.TariffAssignmentFilter{ChargerGroupID: g.ID, Page: volt.Page{Limit: 500}})
		if err != nil {
			a.fail(w, r, s, err)
			return
		}
		for _, as := range list {
			v.Cells[g.ID][as.UsergroupID] = as.TariffID
		}
	}
	a.render(w, r, s, "assignments", "Tariff assignment", v)
}

// assignmentSet puts one tariff (or none) in one cell of the matrix.
func (a *Admin) assignmentSet(w http.ResponseWriter, r *http.Request, s *sess) {
	back := AdminPrefix + "/tariff-assignments"
	if q := r.PostFormValue("back"); q != "" {
		back = safeNext(q)
	}
	group, ug, tariff := r.PostFormValue("chargerGroupId"), r.PostFormValue("usergroupId"), r.PostFormValue("tariffId")
	old, _, err := a.cfg.Tariffs.FindTariffAssignments(s.ctx, volt.TariffAssignmentFilter{ChargerGroupID: group, UsergroupID: ug})
	if err != nil {
		a.refused(w, r, back, err)
		return
	}
	for _, as := range old {
		if as.TariffID == tariff {
			a.done(w, r, back, "No change: that tariff was already assigned.")
			return
		}
		if err := a.cfg.Tariffs.DeleteTariffAssignment(s.ctx, as.ID); err != nil {
			a.refused(w, r, back, err)
			return
		}
	}
	if tariff == "" {
		a.done(w, r, back, "Tariff assignment removed.")
		return
	}
	if err := a.cfg.Tariffs.CreateTariffAssignment(s.ctx, &volt.TariffAssignment{TariffID: tariff, UsergroupID: ug, ChargerGroupID: group}); err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, "Tariff assigned.")
}
