package web

import (
	"net/http"
	"strings"

	volt "github.com/volt-ev/volt"
)

func (a *Admin) groupList(w http.ResponseWriter, r *http.Request, s *sess) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	page := pageOf(r, 50)
	list, total, err := a.cfg.Hierarchy.FindChargerGroups(s.ctx, volt.Filter{Query: q, SiteID: r.URL.Query().Get("site"), Page: page})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := listView{Query: q, Cols: []string{"Name", "Access", "Chargers"}, Pager: newPager(r, page, total),
		NewHref: AdminPrefix + "/charger-groups/new", NewLabel: "New charger group", Empty: "No charger groups yet."}
	for _, g := range list {
		access := "public"
		if g.Private {
			access = "private"
		}
		v.Rows = append(v.Rows, []cell{{Text: g.Name, Href: AdminPrefix + "/charger-groups/" + g.ID}, {Text: access},
			{Text: a.chargerCount(s.ctx, volt.ChargerFilter{ChargerGroupID: g.ID}), Href: AdminPrefix + "/chargers?group=" + g.ID}})
	}
	a.renderList(w, r, s, "Charger groups", v)
}

func (a *Admin) groupNew(w http.ResponseWriter, r *http.Request, s *sess) {
	v := formView{New: true, Editable: canCreate(s), Item: &volt.ChargerGroup{SiteID: r.URL.Query().Get("site")}, Action: AdminPrefix + "/charger-groups"}
	a.choices(s, &v, false, false, true, false)
	a.renderForm(w, r, s, http.StatusOK, "group", "New charger group", v, nil)
}

func (a *Admin) groupForm(s *sess, g *volt.ChargerGroup) formView {
	v := formView{Editable: s.actor.Can(volt.PermWrite, g.Ref()), Item: g, Action: AdminPrefix + "/charger-groups/" + g.ID}
	if v.Editable {
		v.Delete = v.Action + "/delete"
	}
	return v
}

func (a *Admin) groupShow(w http.ResponseWriter, r *http.Request, s *sess) {
	g, err := a.cfg.Hierarchy.FindChargerGroupByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.renderForm(w, r, s, http.StatusOK, "group", g.Name, a.groupForm(s, g), nil)
}

func (a *Admin) groupCreate(w http.ResponseWriter, r *http.Request, s *sess) {
	g := &volt.ChargerGroup{SiteID: r.PostFormValue("siteId"), Name: trimForm(r, "name"), Private: r.PostFormValue("private") == "on"}
	if err := a.cfg.Hierarchy.CreateChargerGroup(s.ctx, g); err != nil {
		v := formView{New: true, Editable: canCreate(s), Item: g, Action: AdminPrefix + "/charger-groups"}
		a.choices(s, &v, false, false, true, false)
		a.renderForm(w, r, s, 0, "group", "New charger group", v, err)
		return
	}
	a.done(w, r, AdminPrefix+"/charger-groups/"+g.ID, "Charger group "+g.Name+" created.")
}

func (a *Admin) groupUpdate(w http.ResponseWriter, r *http.Request, s *sess) {
	g, err := a.cfg.Hierarchy.FindChargerGroupByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	g.Name, g.Private = trimForm(r, "name"), r.PostFormValue("private") == "on"
	if err := a.cfg.Hierarchy.UpdateChargerGroup(s.ctx, g); err != nil {
		a.renderForm(w, r, s, 0, "group", g.Name, a.groupForm(s, g), err)
		return
	}
	a.done(w, r, AdminPrefix+"/charger-groups/"+g.ID, "Charger group "+g.Name+" saved.")
}

func (a *Admin) groupDelete(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	if err := a.cfg.Hierarchy.DeleteChargerGroup(s.ctx, id); err != nil {
		a.refused(w, r, AdminPrefix+"/charger-groups/"+id, err)
		return
	}
	a.done(w, r, AdminPrefix+"/charger-groups", "Charger group deleted.")
}
