package web

import (
	"net/http"
	"strconv"
	"strings"

	volt "github.com/volt-ev/volt"
)

func (a *Admin) cardList(w http.ResponseWriter, r *http.Request, s *sess) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	page := pageOf(r, 50)
	list, total, err := a.cfg.Users.FindRFIDCards(s.ctx, volt.UserFilter{Query: q, Page: page})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := listView{Query: q, Cols: []string{"UID (idTag)", "Label", "Driver", "Status", "Expires"}, Pager: newPager(r, page, total),
		NewHref: AdminPrefix + "/rfid-cards/new", NewLabel: "New RFID card", Empty: "No RFID cards yet."}
	names := a.userNames(s.ctx)
	for _, c := range list {
		st := "active"
		if c.Blocked {
			st = "blocked"
		}
		v.Rows = append(v.Rows, []cell{{Text: c.UID, Href: AdminPrefix + "/rfid-cards/" + c.ID}, {Text: c.Label},
			{Text: names.name(c.UserID), Href: AdminPrefix + "/users/" + c.UserID}, {Text: st}, {Text: fmtPTime(c.ExpiresAt)}})
	}
	a.renderList(w, r, s, "RFID cards", v)
}

func (a *Admin) cardNew(w http.ResponseWriter, r *http.Request, s *sess) {
	v := formView{New: true, Editable: canCreate(s), Item: &volt.RFIDCard{UserID: r.URL.Query().Get("user")}, Action: AdminPrefix + "/rfid-cards"}
	a.renderForm(w, r, s, http.StatusOK, "card", "New RFID card", v, nil)
}

func (a *Admin) cardForm(s *sess, c *volt.RFIDCard) formView {
	v := formView{Editable: canCreate(s), Item: c, Action: AdminPrefix + "/rfid-cards/" + c.ID}
	if v.Editable {
		v.Delete = v.Action + "/delete"
	}
	return v
}

func (a *Admin) cardShow(w http.ResponseWriter, r *http.Request, s *sess) {
	c, err := a.cfg.Users.FindRFIDCardByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.renderForm(w, r, s, http.StatusOK, "card", "RFID card "+c.UID, a.cardForm(s, c), nil)
}

// cardUser resolves the user field of the card form: an e-mail address or a
// user id.
func (a *Admin) cardUser(s *sess, v string) (string, error) {
	if !strings.Contains(v, "@") {
		return v, nil
	}
	users, _, err := a.cfg.Users.FindUsers(s.ctx, volt.UserFilter{Email: v, Page: volt.Page{Limit: 1}})
	if err != nil {
		return "", err
	}
	if len(users) == 0 {
		return "", &volt.Error{Code: volt.EINVALID, Field: "userId", Message: "No user you can see has the e-mail address " + strconv.Quote(v) + "."}
	}
	return users[0].ID, nil
}

func (a *Admin) cardCreate(w http.ResponseWriter, r *http.Request, s *sess) {
	c := &volt.RFIDCard{UID: trimForm(r, "uid"), Label: trimForm(r, "label"), UserID: trimForm(r, "userId"), GroupID: trimForm(r, "groupId")}
	var err error
	c.UserID, err = a.cardUser(s, c.UserID)
	if err == nil {
		c.ExpiresAt, err = parseDate(r, "expiresAt", "Expiry")
	}
	if err == nil {
		err = a.cfg.Users.CreateRFIDCard(s.ctx, c)
	}
	if err != nil {
		v := formView{New: true, Editable: canCreate(s), Item: c, Action: AdminPrefix + "/rfid-cards"}
		a.renderForm(w, r, s, 0, "card", "New RFID card", v, err)
		return
	}
	a.done(w, r, AdminPrefix+"/rfid-cards/"+c.ID, "RFID card "+c.UID+" added.")
}

func (a *Admin) cardUpdate(w http.ResponseWriter, r *http.Request, s *sess) {
	c, err := a.cfg.Users.FindRFIDCardByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	c.Label, c.Blocked = trimForm(r, "label"), r.PostFormValue("blocked") == "on"
	c.GroupID = trimForm(r, "groupId")
	c.ExpiresAt, err = parseDate(r, "expiresAt", "Expiry")
	if err == nil {
		err = a.cfg.Users.UpdateRFIDCard(s.ctx, c)
	}
	if err != nil {
		a.renderForm(w, r, s, 0, "card", "RFID card "+c.UID, a.cardForm(s, c), err)
		return
	}
	a.done(w, r, AdminPrefix+"/rfid-cards/"+c.ID, "RFID card "+c.UID+" saved.")
}

func (a *Admin) cardDelete(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	if err := a.cfg.Users.DeleteRFIDCard(s.ctx, id); err != nil {
		a.refused(w, r, AdminPrefix+"/rfid-cards/"+id, err)
		return
	}
	a.done(w, r, AdminPrefix+"/rfid-cards", "RFID card deleted.")
}

// codesView is the data of the affiliate codes page: the list and the form.
type codesView struct {
	Codes  []*volt.AffiliateCode
	Groups map[string]string // usergroup id to name
	Pager  pager
	Form   formView
}

func (a *Admin) codeList(w http.ResponseWriter, r *http.Request, s *sess) {
	a.renderCodes(w, r, s, http.StatusOK, formView{New: true, Editable: canCreate(s), Item: &volt.AffiliateCode{}}, nil)
}

func (a *Admin) codeNew(w http.ResponseWriter, r *http.Request, s *sess) { a.codeList(w, r, s) }

func (a *Admin) renderCodes(w http.ResponseWriter, r *http.Request, s *sess, status int, form formView, err error) {
	page := pageOf(r, 50)
	codes, total, lerr := a.cfg.Users.FindAffiliateCodes(s.ctx, volt.Filter{Page: page})
	if lerr != nil {
		a.fail(w, r, s, lerr)
		return
	}
	v := codesView{Codes: codes, Pager: newPager(r, page, total), Groups: map[string]string{}}
	groups, _, _ := a.cfg.Users.FindUsergroups(s.ctx, volt.Filter{Page: volt.Page{Limit: 500}})
	for _, g := range groups {
		v.Groups[g.ID] = g.Name
		if g.Private {
			form.Extra = append(asGroups(form.Extra), g)
		}
	}
	if err != nil {
		form.Error, form.Field, status = errText(err), fieldOf(err), httpStatus(err)
	}
	v.Form = form
	a.renderStatus(w, r, s, status, "codes", "Affiliate codes", v)
}

func asGroups(x any) []*volt.Usergroup {
	g, _ := x.([]*volt.Usergroup)
	return g
}

func (a *Admin) codeCreate(w http.ResponseWriter, r *http.Request, s *sess) {
	c := &volt.AffiliateCode{Code: trimForm(r, "code"), UsergroupID: r.PostFormValue("usergroupId")}
	var err error
	if m := trimForm(r, "maxUses"); m != "" {
		if c.MaxUses, err = strconv.Atoi(m); err != nil {
			err = volt.FieldError("maxUses", "Maximum uses must be a whole number (0 for unlimited).")
		}
	}
	if err == nil {
		c.ExpiresAt, err = parseDate(r, "expiresAt", "Expiry")
	}
	if err == nil {
		err = a.cfg.Users.CreateAffiliateCode(s.ctx, c)
	}
	if err != nil {
		a.renderCodes(w, r, s, 0, formView{New: true, Editable: canCreate(s), Item: c}, err)
		return
	}
	a.done(w, r, AdminPrefix+"/affiliate-codes", "Affiliate code "+c.Code+" created.")
}

func (a *Admin) codeDelete(w http.ResponseWriter, r *http.Request, s *sess) {
	if err := a.cfg.Users.DeleteAffiliateCode(s.ctx, r.PathValue("id")); err != nil {
		a.refused(w, r, AdminPrefix+"/affiliate-codes", err)
		return
	}
	a.done(w, r, AdminPrefix+"/affiliate-codes", "Affiliate code deleted.")
}
