package web

import (
	"net/http"
	"strings"

	volt "github.com/volt-ev/volt"
)

func (a *Admin) siteList(w http.ResponseWriter, r *http.Request, s *sess) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	page := pageOf(r, 50)
	list, total, err := a.cfg.Hierarchy.FindSites(s.ctx, volt.Filter{Query: q, OwnerID: r.URL.Query().Get("owner"), Page: page})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := listView{Query: q, Cols: []string{"Name", "Town", "Postcode", "Chargers"}, Pager: newPager(r, page, total),
		NewHref: AdminPrefix + "/sites/new", NewLabel: "New site", Empty: "No sites yet."}
	for _, si := range list {
		v.Rows = append(v.Rows, []cell{{Text: si.Name, Href: AdminPrefix + "/sites/" + si.ID}, {Text: si.Address.City},
			{Text: si.Address.Postcode}, {Text: a.chargerCount(s.ctx, volt.ChargerFilter{SiteID: si.ID}), Href: AdminPrefix + "/chargers?site=" + si.ID}})
	}
	a.renderList(w, r, s, "Sites", v)
}

func (a *Admin) siteNew(w http.ResponseWriter, r *http.Request, s *sess) {
	v := formView{New: true, Editable: canCreate(s), Item: &volt.Site{OwnerID: r.URL.Query().Get("owner"), TimeZone: "Europe/London"}, Action: AdminPrefix + "/sites"}
	a.choices(s, &v, false, true, false, false)
	a.renderForm(w, r, s, http.StatusOK, "site", "New site", v, nil)
}

func (a *Admin) siteForm(s *sess, si *volt.Site) formView {
	ref := volt.Ref{CPOID: si.CPOID, OwnerID: si.OwnerID}
	v := formView{Editable: s.actor.Can(volt.PermWrite, ref), Item: si, Action: AdminPrefix + "/sites/" + si.ID}
	if v.Editable {
		v.Delete = v.Action + "/delete"
	}
	v.Groups, _, _ = a.cfg.Hierarchy.FindChargerGroups(s.ctx, volt.Filter{SiteID: si.ID, Page: volt.Page{Limit: 500}})
	return v
}

func (a *Admin) siteShow(w http.ResponseWriter, r *http.Request, s *sess) {
	si, err := a.cfg.Hierarchy.FindSiteByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.renderForm(w, r, s, http.StatusOK, "site", si.Name, a.siteForm(s, si), nil)
}

// readSite copies the form into si; a malformed coordinate is an error.
func readSite(r *http.Request, si *volt.Site) error {
	si.Name, si.TimeZone = trimForm(r, "name"), trimForm(r, "timeZone")
	si.Address = readAddress(r)
	si.Amenities = splitList(r.PostFormValue("amenities"))
	var err error
	if si.Latitude, err = parseCoord(r, "latitude", "Latitude"); err != nil {
		return err
	}
	si.Longitude, err = parseCoord(r, "longitude", "Longitude")
	return err
}

func (a *Admin) siteCreate(w http.ResponseWriter, r *http.Request, s *sess) {
	si := &volt.Site{OwnerID: r.PostFormValue("ownerId")}
	err := readSite(r, si)
	if err == nil {
		err = a.cfg.Hierarchy.CreateSite(s.ctx, si)
	}
	if err != nil {
		v := formView{New: true, Editable: canCreate(s), Item: si, Action: AdminPrefix + "/sites"}
		a.choices(s, &v, false, true, false, false)
		a.renderForm(w, r, s, 0, "site", "New site", v, err)
		return
	}
	a.done(w, r, AdminPrefix+"/sites/"+si.ID, "Site "+si.Name+" created.")
}

func (a *Admin) siteUpdate(w http.ResponseWriter, r *http.Request, s *sess) {
	si, err := a.cfg.Hierarchy.FindSiteByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	err = readSite(r, si)
	if err == nil {
		err = a.cfg.Hierarchy.UpdateSite(s.ctx, si)
	}
	if err != nil {
		a.renderForm(w, r, s, 0, "site", si.Name, a.siteForm(s, si), err)
		return
	}
	a.done(w, r, AdminPrefix+"/sites/"+si.ID, "Site "+si.Name+" saved.")
}

func (a *Admin) siteDelete(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	if err := a.cfg.Hierarchy.DeleteSite(s.ctx, id); err != nil {
		a.refused(w, r, AdminPrefix+"/sites/"+id, err)
		return
	}
	a.done(w, r, AdminPrefix+"/sites", "Site deleted.")
}
