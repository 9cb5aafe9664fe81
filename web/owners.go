package web

import (
	"net/http"
	"strings"

	volt "github.com/volt-ev/volt"
)

func (a *Admin) ownerList(w http.ResponseWriter, r *http.Request, s *sess) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	page := pageOf(r, 50)
	list, total, err := a.cfg.Hierarchy.FindOwners(s.ctx, volt.Filter{Query: q, CPOID: r.URL.Query().Get("cpo"), Page: page})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := listView{Query: q, Cols: []string{"Name", "E-mail", "Phone", "VAT number"}, Pager: newPager(r, page, total),
		NewHref: AdminPrefix + "/owners/new", NewLabel: "New owner", Empty: "No owners yet."}
	for _, o := range list {
		v.Rows = append(v.Rows, []cell{{Text: o.Name, Href: AdminPrefix + "/owners/" + o.ID}, {Text: o.Email}, {Text: o.Phone}, {Text: o.VATNumber}})
	}
	a.renderList(w, r, s, "Owners", v)
}

func (a *Admin) ownerNew(w http.ResponseWriter, r *http.Request, s *sess) {
	v := formView{New: true, Editable: canCreate(s), Item: &volt.Owner{CPOID: r.URL.Query().Get("cpo")}, Action: AdminPrefix + "/owners"}
	a.choices(s, &v, true, false, false, false)
	a.renderForm(w, r, s, http.StatusOK, "owner", "New owner", v, nil)
}

func (a *Admin) ownerShow(w http.ResponseWriter, r *http.Request, s *sess) {
	o, err := a.cfg.Hierarchy.FindOwnerByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := a.ownerForm(s, o)
	a.renderForm(w, r, s, http.StatusOK, "owner", o.Name, v, nil)
}

func (a *Admin) ownerForm(s *sess, o *volt.Owner) formView {
	ref := volt.Ref{CPOID: o.CPOID, OwnerID: o.ID}
	v := formView{Editable: s.actor.Can(volt.PermWrite, ref), Item: o, Action: AdminPrefix + "/owners/" + o.ID}
	if v.Editable {
		v.Delete = v.Action + "/delete"
	}
	return v
}

func readOwner(r *http.Request, o *volt.Owner) {
	o.Name, o.Email, o.Phone = trimForm(r, "name"), trimForm(r, "email"), trimForm(r, "phone")
	o.VATNumber = trimForm(r, "vatNumber")
	o.Address = readAddress(r)
}

func (a *Admin) ownerCreate(w http.ResponseWriter, r *http.Request, s *sess) {
	o := &volt.Owner{CPOID: r.PostFormValue("cpoId")}
	readOwner(r, o)
	if err := a.cfg.Hierarchy.CreateOwner(s.ctx, o); err != nil {
		v := formView{New: true, Editable: canCreate(s), Item: o, Action: AdminPrefix + "/owners"}
		a.choices(s, &v, true, false, false, false)
		a.renderForm(w, r, s, 0, "owner", "New owner", v, err)
		return
	}
	a.done(w, r, AdminPrefix+"/owners/"+o.ID, "Owner "+o.Name+" created.")
}

func (a *Admin) ownerUpdate(w http.ResponseWriter, r *http.Request, s *sess) {
	o, err := a.cfg.Hierarchy.FindOwnerByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	readOwner(r, o)
	if err := a.cfg.Hierarchy.UpdateOwner(s.ctx, o); err != nil {
		a.renderForm(w, r, s, 0, "owner", o.Name, a.ownerForm(s, o), err)
		return
	}
	a.done(w, r, AdminPrefix+"/owners/"+o.ID, "Owner "+o.Name+" saved.")
}

func (a *Admin) ownerDelete(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	if err := a.cfg.Hierarchy.DeleteOwner(s.ctx, id); err != nil {
		a.refused(w, r, AdminPrefix+"/owners/"+id, err)
		return
	}
	a.done(w, r, AdminPrefix+"/owners", "Owner deleted.")
}
