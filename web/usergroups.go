package web

import (
	"net/http"
	"strings"

	volt "github.com/volt-ev/volt"
)

// usergroupExtra is what a usergroup's page shows besides the group.
type usergroupExtra struct {
	Members []*volt.User
	Pager   pager
	Hosts   []*volt.Host
	Roles   []volt.Role
}

var roles = []volt.Role{volt.RoleAdmin, volt.RoleStaff, volt.RoleEngineer, volt.RoleSupport, volt.RoleHost, volt.RoleDriver}

func (a *Admin) usergroupList(w http.ResponseWriter, r *http.Request, s *sess) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	page := pageOf(r, 50)
	list, total, err := a.cfg.Users.FindUsergroups(s.ctx, volt.Filter{Query: q, Page: page})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := listView{Query: q, Cols: []string{"Name", "Role", "Scope", "Private"}, Pager: newPager(r, page, total),
		NewHref: AdminPrefix + "/usergroups/new", NewLabel: "New usergroup", Empty: "No usergroups yet."}
	for _, g := range list {
		scope, priv := "CPO", "no"
		if g.HostID != "" {
			scope = "host"
		} else if g.OwnerID != "" {
			scope = "owner"
		}
		if g.Private {
			priv = "yes"
		}
		v.Rows = append(v.Rows, []cell{{Text: g.Name, Href: AdminPrefix + "/usergroups/" + g.ID}, {Text: string(g.Role)}, {Text: scope}, {Text: priv}})
	}
	a.renderList(w, r, s, "Usergroups", v)
}

func (a *Admin) usergroupNew(w http.ResponseWriter, r *http.Request, s *sess) {
	v := formView{New: true, Editable: canCreate(s), Item: &volt.Usergroup{Role: volt.RoleStaff}, Action: AdminPrefix + "/usergroups"}
	a.usergroupChoices(s, &v)
	a.renderForm(w, r, s, http.StatusOK, "usergroup", "New usergroup", v, nil)
}

func (a *Admin) usergroupChoices(s *sess, v *formView) {
	a.choices(s, v, true, true, false, false)
	x := usergroupExtra{Roles: roles}
	x.Hosts, _, _ = a.cfg.Hierarchy.FindHosts(s.ctx, volt.Filter{Page: volt.Page{Limit: 500}})
	v.Extra = x
}

func (a *Admin) usergroupForm(r *http.Request, s *sess, g *volt.Usergroup) formView {
	ref := volt.Ref{CPOID: g.CPOID, OwnerID: g.OwnerID}
	v := formView{Editable: s.actor.Can(volt.PermWrite, ref), Item: g, Action: AdminPrefix + "/usergroups/" + g.ID}
	if v.Editable {
		v.Delete = v.Action + "/delete"
	}
	x := usergroupExtra{Roles: roles}
	page := pageOf(r, 100)
	members, total, err := a.cfg.Users.FindUsers(s.ctx, volt.UserFilter{UsergroupID: g.ID, Page: page})
	if err == nil {
		x.Members, x.Pager = members, newPager(r, page, total)
	}
	v.Extra = x
	return v
}

func (a *Admin) usergroupShow(w http.ResponseWriter, r *http.Request, s *sess) {
	g, err := a.cfg.Users.FindUsergroupByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.renderForm(w, r, s, http.StatusOK, "usergroup", g.Name, a.usergroupForm(r, s, g), nil)
}

func (a *Admin) usergroupCreate(w http.ResponseWriter, r *http.Request, s *sess) {
	g := &volt.Usergroup{Name: trimForm(r, "name"), Role: volt.Role(r.PostFormValue("role")), CPOID: r.PostFormValue("cpoId"),
		OwnerID: r.PostFormValue("ownerId"), HostID: r.PostFormValue("hostId"), Private: r.PostFormValue("private") == "on"}
	if err := a.cfg.Users.CreateUsergroup(s.ctx, g); err != nil {
		v := formView{New: true, Editable: canCreate(s), Item: g, Action: AdminPrefix + "/usergroups"}
		a.usergroupChoices(s, &v)
		a.renderForm(w, r, s, 0, "usergroup", "New usergroup", v, err)
		return
	}
	a.done(w, r, AdminPrefix+"/usergroups/"+g.ID, "Usergroup "+g.Name+" created.")
}

func (a *Admin) usergroupUpdate(w http.ResponseWriter, r *http.Request, s *sess) {
	g, err := a.cfg.Users.FindUsergroupByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	g.Name, g.Private = trimForm(r, "name"), r.PostFormValue("private") == "on"
	if err := a.cfg.Users.UpdateUsergroup(s.ctx, g); err != nil {
		a.renderForm(w, r, s, 0, "usergroup", g.Name, a.usergroupForm(r, s, g), err)
		return
	}
	a.done(w, r, AdminPrefix+"/usergroups/"+g.ID, "Usergroup "+g.Name+" saved.")
}

func (a *Admin) usergroupDelete(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	if err := a.cfg.Users.DeleteUsergroup(s.ctx, id); err != nil {
		a.refused(w, r, AdminPrefix+"/usergroups/"+id, err)
		return
	}
	a.done(w, r, AdminPrefix+"/usergroups", "Usergroup deleted.")
}

// memberAdd adds the user with the given e-mail address to the group.
func (a *Admin) memberAdd(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	back := AdminPrefix + "/usergroups/" + id
	email := strings.ToLower(trimForm(r, "email"))
	users, _, err := a.cfg.Users.FindUsers(s.ctx, volt.UserFilter{Email: email, Page: volt.Page{Limit: 1}})
	if err == nil && len(users) == 0 {
		err = volt.Errorf(volt.ENOTFOUND, "No user you can see has the e-mail address %q.", email)
	}
	if err == nil {
		err = a.cfg.Users.AddMember(s.ctx, id, users[0].ID)
	}
	if err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, email+" added to the usergroup.")
}

func (a *Admin) memberRemove(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	back := AdminPrefix + "/usergroups/" + id
	if err := a.cfg.Users.RemoveMember(s.ctx, id, r.PathValue("user")); err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, "Member removed from the usergroup.")
}
