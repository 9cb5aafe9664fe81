package web

import (
	"net/http"
	"strings"

	volt "github.com/volt-ev/volt"
)

func (a *Admin) hostList(w http.ResponseWriter, r *http.Request, s *sess) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	page := pageOf(r, 50)
	list, total, err := a.cfg.Hierarchy.FindHosts(s.ctx, volt.Filter{Query: q, OwnerID: r.URL.Query().Get("owner"), Page: page})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := listView{Query: q, Cols: []string{"Name", "Charger groups"}, Pager: newPager(r, page, total),
		NewHref: AdminPrefix + "/hosts/new", NewLabel: "New host", Empty: "No hosts yet."}
	for _, h := range list {
		v.Rows = append(v.Rows, []cell{{Text: h.Name, Href: AdminPrefix + "/hosts/" + h.ID}, {Text: itoa(len(h.ChargerGroupIDs))}})
	}
	a.renderList(w, r, s, "Hosts", v)
}

func (a *Admin) hostNew(w http.ResponseWriter, r *http.Request, s *sess) {
	v := formView{New: true, Editable: canCreate(s), Item: &volt.Host{OwnerID: r.URL.Query().Get("owner")}, Action: AdminPrefix + "/hosts"}
	a.choices(s, &v, false, true, false, true)
	a.renderForm(w, r, s, http.StatusOK, "host", "New host", v, nil)
}

func (a *Admin) hostForm(s *sess, h *volt.Host) formView {
	ref := volt.Ref{CPOID: h.CPOID, OwnerID: h.OwnerID}
	v := formView{Editable: s.actor.Can(volt.PermWrite, ref), Item: h, Action: AdminPrefix + "/hosts/" + h.ID}
	if v.Editable {
		v.Delete = v.Action + "/delete"
	}
	a.choices(s, &v, false, false, false, true)
	return v
}

func (a *Admin) hostShow(w http.ResponseWriter, r *http.Request, s *sess) {
	h, err := a.cfg.Hierarchy.FindHostByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.renderForm(w, r, s, http.StatusOK, "host", h.Name, a.hostForm(s, h), nil)
}

func readHost(r *http.Request, h *volt.Host) {
	_ = r.ParseForm()
	h.Name = trimForm(r, "name")
	h.ChargerGroupIDs = r.PostForm["chargerGroupIds"]
	if h.ChargerGroupIDs == nil {
		h.ChargerGroupIDs = []string{}
	}
}

func (a *Admin) hostCreate(w http.ResponseWriter, r *http.Request, s *sess) {
	h := &volt.Host{OwnerID: r.PostFormValue("ownerId")}
	readHost(r, h)
	if err := a.cfg.Hierarchy.CreateHost(s.ctx, h); err != nil {
		v := formView{New: true, Editable: canCreate(s), Item: h, Action: AdminPrefix + "/hosts"}
		a.choices(s, &v, false, true, false, true)
		a.renderForm(w, r, s, 0, "host", "New host", v, err)
		return
	}
	a.done(w, r, AdminPrefix+"/hosts/"+h.ID, "Host "+h.Name+" created.")
}

func (a *Admin) hostUpdate(w http.ResponseWriter, r *http.Request, s *sess) {
	h, err := a.cfg.Hierarchy.FindHostByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	readHost(r, h)
	if err := a.cfg.Hierarchy.UpdateHost(s.ctx, h); err != nil {
		a.renderForm(w, r, s, 0, "host", h.Name, a.hostForm(s, h), err)
		return
	}
	a.done(w, r, AdminPrefix+"/hosts/"+h.ID, "Host "+h.Name+" saved.")
}

func (a *Admin) hostDelete(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	if err := a.cfg.Hierarchy.DeleteHost(s.ctx, id); err != nil {
		a.refused(w, r, AdminPrefix+"/hosts/"+id, err)
		return
	}
	a.done(w, r, AdminPrefix+"/hosts", "Host deleted.")
}
