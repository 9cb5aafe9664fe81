package web

import (
	"net/http"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

// peopleRoutes adds users, usergroups with their members, RFID cards and
// affiliate codes.
func (a *Admin) peopleRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/users", a.auth(a.userList))
	m.HandleFunc("GET "+p+"/users/new", a.auth(a.userNew))
	m.HandleFunc("POST "+p+"/users", a.auth(a.userCreate))
	m.HandleFunc("GET "+p+"/users/{id}", a.auth(a.userShow))
	m.HandleFunc("POST "+p+"/users/{id}", a.auth(a.userUpdate))
	m.HandleFunc("POST "+p+"/users/{id}/password", a.auth(a.userPassword))
	m.HandleFunc("POST "+p+"/users/{id}/delete", a.auth(a.userDelete))

	m.HandleFunc("GET "+p+"/usergroups", a.auth(a.usergroupList))
	m.HandleFunc("GET "+p+"/usergroups/new", a.auth(a.usergroupNew))
	m.HandleFunc("POST "+p+"/usergroups", a.auth(a.usergroupCreate))
	m.HandleFunc("GET "+p+"/usergroups/{id}", a.auth(a.usergroupShow))
	m.HandleFunc("POST "+p+"/usergroups/{id}", a.auth(a.usergroupUpdate))
	m.HandleFunc("POST "+p+"/usergroups/{id}/delete", a.auth(a.usergroupDelete))
	m.HandleFunc("POST "+p+"/usergroups/{id}/members", a.auth(a.memberAdd))
	m.HandleFunc("POST "+p+"/usergroups/{id}/members/{user}/delete", a.auth(a.memberRemove))

	m.HandleFunc("GET "+p+"/rfid-cards", a.auth(a.cardList))
	m.HandleFunc("GET "+p+"/rfid-cards/new", a.auth(a.cardNew))
	m.HandleFunc("POST "+p+"/rfid-cards", a.auth(a.cardCreate))
	m.HandleFunc("GET "+p+"/rfid-cards/{id}", a.auth(a.cardShow))
	m.HandleFunc("POST "+p+"/rfid-cards/{id}", a.auth(a.cardUpdate))
	m.HandleFunc("POST "+p+"/rfid-cards/{id}/delete", a.auth(a.cardDelete))

	m.HandleFunc("GET "+p+"/affiliate-codes", a.auth(a.codeList))
	m.HandleFunc("GET "+p+"/affiliate-codes/new", a.auth(a.codeNew))
	m.HandleFunc("POST "+p+"/affiliate-codes", a.auth(a.codeCreate))
	m.HandleFunc("POST "+p+"/affiliate-codes/{id}/delete", a.auth(a.codeDelete))
}

// userExtra is what a user's page shows besides the user.
type userExtra struct {
	Groups []*volt.Usergroup
	Cards  []*volt.RFIDCard
}

func (a *Admin) userList(w http.ResponseWriter, r *http.Request, s *sess) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	page := pageOf(r, 50)
	list, total, err := a.cfg.Users.FindUsers(s.ctx, volt.UserFilter{Query: q, Page: page})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := listView{Query: q, Cols: []string{"E-mail", "Name", "Status", "Created"}, Pager: newPager(r, page, total),
		NewHref: AdminPrefix + "/users/new", NewLabel: "New user", Empty: "No users yet."}
	for _, u := range list {
		st := "active"
		switch {
		case u.Disabled:
			st = "disabled"
		case u.SuperAdmin:
			st = "super admin"
		case u.Guest:
			st = "guest"
		}
		v.Rows = append(v.Rows, []cell{{Text: userLabel(u), Href: AdminPrefix + "/users/" + u.ID}, {Text: u.Name}, {Text: st}, {Text: fmtTime(u.CreatedAt)}})
	}
	a.renderList(w, r, s, "Users", v)
}

func (a *Admin) userNew(w http.ResponseWriter, r *http.Request, s *sess) {
	v := formView{New: true, Editable: canCreate(s), Item: &volt.User{CPOID: s.theme.CPOID}, Action: AdminPrefix + "/users"}
	a.choices(s, &v, true, false, false, false)
	a.renderForm(w, r, s, http.StatusOK, "user", "New user", v, nil)
}

func (a *Admin) userForm(s *sess, u *volt.User) formView {
	v := formView{Editable: canCreate(s), Item: u, Action: AdminPrefix + "/users/" + u.ID, Delete: AdminPrefix + "/users/" + u.ID + "/delete"}
	if u.External { // another network's account: only its membership here
		v.Editable = false
	}
	if !v.Editable {
		v.Delete = ""
	}
	x := userExtra{}
	x.Groups, _ = a.cfg.Users.UsergroupsOfUser(s.ctx, u.ID)
	// TODO(web): filter cards by user in the store once UserFilter says how;
	// until then the cards are matched here.
	cards, _, _ := a.cfg.Users.FindRFIDCards(s.ctx, volt.UserFilter{Query: "", Page: volt.Page{Limit: 500}})
	for _, c := range cards {
		if c.UserID == u.ID {
			x.Cards = append(x.Cards, c)
		}
	}
	v.Extra = x
	return v
}

func (a *Admin) userShow(w http.ResponseWriter, r *http.Request, s *sess) {
	u, err := a.cfg.Users.FindUserByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.renderForm(w, r, s, http.StatusOK, "user", userLabel(u), a.userForm(s, u), nil)
}

// userLabel names a user in a list or title: its e-mail, or for a member
// whose account belongs to another network (redacted) a neutral label.
func userLabel(u *volt.User) string {
	if u.External {
		return "Member from another network (" + u.ID + ")"
	}
	return u.Email
}

func (a *Admin) userCreate(w http.ResponseWriter, r *http.Request, s *sess) {
	u := &volt.User{Email: trimForm(r, "email"), Name: trimForm(r, "name"), Phone: trimForm(r, "phone"), CPOID: r.PostFormValue("cpoId")}
	pw := r.PostFormValue("password")
	var err error
	if pw != "" {
		err = volt.ValidatePassword(pw)
	}
	if err == nil {
		err = a.cfg.Users.CreateUser(s.ctx, u, pw)
	}
	if err != nil {
		v := formView{New: true, Editable: canCreate(s), Item: u, Action: AdminPrefix + "/users"}
		a.choices(s, &v, true, false, false, false)
		a.renderForm(w, r, s, 0, "user", "New user", v, err)
		return
	}
	a.done(w, r, AdminPrefix+"/users/"+u.ID, "User "+u.Email+" created.")
}

func (a *Admin) userUpdate(w http.ResponseWriter, r *http.Request, s *sess) {
	u, err := a.cfg.Users.FindUserByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	u.Name, u.Phone, u.Disabled = trimForm(r, "name"), trimForm(r, "phone"), r.PostFormValue("disabled") == "on"
	if err := a.cfg.Users.UpdateUser(s.ctx, u); err != nil {
		a.renderForm(w, r, s, 0, "user", u.Email, a.userForm(s, u), err)
		return
	}
	a.done(w, r, AdminPrefix+"/users/"+u.ID, "User "+u.Email+" saved.")
}

func (a *Admin) userPassword(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	back := AdminPrefix + "/users/" + id
	pw := r.PostFormValue("password")
	err := volt.ValidatePassword(pw)
	if err == nil {
		err = a.cfg.Users.SetPassword(s.ctx, id, pw)
	}
	if err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, "Password changed.")
}

func (a *Admin) userDelete(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	if err := a.cfg.Users.DeleteUser(s.ctx, id); err != nil {
		a.refused(w, r, AdminPrefix+"/users/"+id, err)
		return
	}
	a.done(w, r, AdminPrefix+"/users", "User deleted.")
}

// parseDate reads an optional yyyy-mm-dd form value as the end of that day
// (UTC), for expiry dates.
func parseDate(r *http.Request, name, label string) (*time.Time, error) {
	v := trimForm(r, name)
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return nil, volt.FieldError(name, "%s must be a date such as 2027-12-31.", label)
	}
	t = t.Add(24*time.Hour - time.Second)
	return &t, nil
}
