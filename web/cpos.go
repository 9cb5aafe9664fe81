package web

import (
	"net/http"
	"strings"

	volt "github.com/volt-ev/volt"
)

func (a *Admin) cpoList(w http.ResponseWriter, r *http.Request, s *sess) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	page := pageOf(r, 50)
	list, total, err := a.cfg.Hierarchy.FindCPOs(s.ctx, volt.Filter{Query: q, Page: page})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := listView{Query: q, Cols: []string{"Name", "Whitelabel", "Host names", "Currency"}, Pager: newPager(r, page, total),
		Empty: "No CPOs yet."}
	if s.actor.SuperAdmin {
		v.NewHref, v.NewLabel = AdminPrefix+"/cpos/new", "New CPO"
	}
	for _, c := range list {
		wl := "no"
		if c.Whitelabel {
			wl = "yes"
		}
		v.Rows = append(v.Rows, []cell{{Text: c.Name, Href: AdminPrefix + "/cpos/" + c.ID}, {Text: wl},
			{Text: strings.Join(c.Theme.HostNames, ", ")}, {Text: c.Currency}})
	}
	a.renderList(w, r, s, "CPOs", v)
}

func (a *Admin) cpoNew(w http.ResponseWriter, r *http.Request, s *sess) {
	v := formView{New: true, Editable: s.actor.SuperAdmin, Item: &volt.CPO{Currency: "GBP"}, Action: AdminPrefix + "/cpos"}
	a.renderForm(w, r, s, http.StatusOK, "cpo", "New CPO", v, nil)
}

func (a *Admin) cpoShow(w http.ResponseWriter, r *http.Request, s *sess) {
	c, err := a.cfg.Hierarchy.FindCPOByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := cpoForm(s, c)
	v.Extra = a.cpoExtraOf(s, c)
	a.renderForm(w, r, s, http.StatusOK, "cpo", c.Name, v, nil)
}

func cpoForm(s *sess, c *volt.CPO) formView {
	v := formView{Editable: s.actor.Can(volt.PermWrite, volt.Ref{CPOID: c.ID}), Item: c, Action: AdminPrefix + "/cpos/" + c.ID}
	if s.actor.SuperAdmin {
		v.Delete = v.Action + "/delete"
	}
	return v
}

// readCPO copies the form into c, theme included.
func readCPO(r *http.Request, c *volt.CPO) {
	c.Name = trimForm(r, "name")
	c.Currency = strings.ToUpper(trimForm(r, "currency"))
	c.Whitelabel = r.PostFormValue("whitelabel") == "on"
	c.RequireCertifiedChargers = r.PostFormValue("requireCertifiedChargers") == "on" // issue 16 item 4
	c.Theme.DisplayName = trimForm(r, "displayName")
	c.Theme.LogoURL = trimForm(r, "logoUrl")
	c.Theme.PrimaryColor = strings.ToLower(trimForm(r, "primaryColor"))
	c.Theme.AccentColor = strings.ToLower(trimForm(r, "accentColor"))
	c.Theme.HostNames = splitList(r.PostFormValue("hostNames"))
	c.Theme.SupportPhone = trimForm(r, "supportPhone")
	c.Theme.SupportEmail = trimForm(r, "supportEmail")
	if n := formInt(r, "maxConcurrentSessionsPerCard", 0); n != 0 || r.PostFormValue("maxConcurrentSessionsPerCard") != "" {
		c.MaxConcurrentSessionsPerCard = n
		if n == 0 {
			c.MaxConcurrentSessionsPerCard = -1 // refused by Validate, naming the field
		}
	}
	c.LegalName, c.LegalAddress, c.VATNumber = trimForm(r, "legalName"), trimForm(r, "legalAddress"), trimForm(r, "vatNumber")
}

func (a *Admin) cpoCreate(w http.ResponseWriter, r *http.Request, s *sess) {
	c := &volt.CPO{}
	readCPO(r, c)
	if err := a.cfg.Hierarchy.CreateCPO(s.ctx, c); err != nil {
		v := formView{New: true, Editable: s.actor.SuperAdmin, Item: c, Action: AdminPrefix + "/cpos"}
		a.renderForm(w, r, s, 0, "cpo", "New CPO", v, err)
		return
	}
	a.forgetThemes()
	a.done(w, r, AdminPrefix+"/cpos/"+c.ID, "CPO "+c.Name+" created.")
}

func (a *Admin) cpoUpdate(w http.ResponseWriter, r *http.Request, s *sess) {
	c, err := a.cfg.Hierarchy.FindCPOByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	readCPO(r, c)
	if err := a.cfg.Hierarchy.UpdateCPO(s.ctx, c); err != nil {
		v := cpoForm(s, c)
		v.Extra = a.cpoExtraOf(s, c)
		a.renderForm(w, r, s, 0, "cpo", c.Name, v, err)
		return
	}
	a.forgetThemes()
	a.done(w, r, AdminPrefix+"/cpos/"+c.ID, "CPO "+c.Name+" saved.")
}

func (a *Admin) cpoDelete(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	if err := a.cfg.Hierarchy.DeleteCPO(s.ctx, id); err != nil {
		a.refused(w, r, AdminPrefix+"/cpos/"+id, err)
		return
	}
	a.forgetThemes()
	a.done(w, r, AdminPrefix+"/cpos", "CPO deleted.")
}
