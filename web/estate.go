package web

import (
	"net/http"
	"strconv"
	"strings"

	volt "github.com/volt-ev/volt"
)

// estateRoutes adds the pages of the hierarchy: CPOs (with theming), owners,
// hosts, sites and charger groups. Each kind has a list, a form for a new one,
// a page per item (read-only without write permission) and delete.
func (a *Admin) estateRoutes() {
	m, p := a.mux, AdminPrefix
	kinds := []struct {
		path                   string
		list, form, show       handler
		create, update, delete handler
	}{
		{"/cpos", a.cpoList, a.cpoNew, a.cpoShow, a.cpoCreate, a.cpoUpdate, a.cpoDelete},
		{"/owners", a.ownerList, a.ownerNew, a.ownerShow, a.ownerCreate, a.ownerUpdate, a.ownerDelete},
		{"/hosts", a.hostList, a.hostNew, a.hostShow, a.hostCreate, a.hostUpdate, a.hostDelete},
		{"/sites", a.siteList, a.siteNew, a.siteShow, a.siteCreate, a.siteUpdate, a.siteDelete},
		{"/charger-groups", a.groupList, a.groupNew, a.groupShow, a.groupCreate, a.groupUpdate, a.groupDelete},
	}
	for _, k := range kinds {
		m.HandleFunc("GET "+p+k.path, a.auth(k.list))
		m.HandleFunc("GET "+p+k.path+"/new", a.auth(k.form))
		m.HandleFunc("POST "+p+k.path, a.auth(k.create))
		m.HandleFunc("GET "+p+k.path+"/{id}", a.auth(k.show))
		m.HandleFunc("POST "+p+k.path+"/{id}", a.auth(k.update))
		m.HandleFunc("POST "+p+k.path+"/{id}/delete", a.auth(k.delete))
	}
}

// listView is the data of a generic list page.
type listView struct {
	Query    string
	NewHref  string
	NewLabel string
	Cols     []string
	Rows     [][]cell
	Pager    pager
	Empty    string
	Extra    any // filters of some lists
}

// cell is one table cell, a link when Href is set.
type cell struct{ Text, Href string }

// renderList draws a list page.
func (a *Admin) renderList(w http.ResponseWriter, r *http.Request, s *sess, title string, v listView) {
	if s.actor.ScopeFor(volt.PermWrite).Empty() {
		v.NewHref = ""
	}
	a.render(w, r, s, "list", title, v)
}

// formView is the data of an item's form: the item, whether the actor may
// change it, the error of the last attempt and the choices of its selects.
type formView struct {
	New      bool
	Editable bool
	Item     any
	Error    string
	Field    string
	Action   string
	Delete   string
	CPOs     []*volt.CPO
	Owners   []*volt.Owner
	Sites    []*volt.Site
	Groups   []*volt.ChargerGroup
	Extra    any
}

// renderForm draws an item page; a failed save comes back with its error and
// the values the person typed.
func (a *Admin) renderForm(w http.ResponseWriter, r *http.Request, s *sess, status int, page, title string, v formView, err error) {
	if err != nil {
		v.Error = errText(err)
		v.Field = fieldOf(err)
		status = httpStatus(err)
		if status >= 500 {
			a.log.Error("portal save failed", "path", r.URL.Path, "err", err)
		}
	}
	a.renderStatus(w, r, s, status, page, title, v)
}

func trimForm(r *http.Request, name string) string { return strings.TrimSpace(r.PostFormValue(name)) }

// splitList reads a comma- or newline-separated form value.
func splitList(v string) []string {
	out := []string{}
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseCoord reads a latitude or longitude; empty is 0.
func parseCoord(r *http.Request, name, label string) (float64, error) {
	v := trimForm(r, name)
	if v == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, volt.FieldError(name, "%s must be a number such as 51.5072.", label)
	}
	return f, nil
}

func readAddress(r *http.Request) volt.Address {
	return volt.Address{Line1: trimForm(r, "line1"), Line2: trimForm(r, "line2"), City: trimForm(r, "city"),
		Postcode: trimForm(r, "postcode"), Country: strings.ToUpper(trimForm(r, "country"))}
}

// choices loads the select options of the estate forms. Errors leave a
// select empty rather than failing the page.
func (a *Admin) choices(s *sess, v *formView, cpos, owners, sites, groups bool) {
	page := volt.Filter{Page: volt.Page{Limit: 500}}
	if cpos {
		v.CPOs, _, _ = a.cfg.Hierarchy.FindCPOs(s.ctx, page)
	}
	if owners {
		v.Owners, _, _ = a.cfg.Hierarchy.FindOwners(s.ctx, page)
	}
	if sites {
		v.Sites, _, _ = a.cfg.Hierarchy.FindSites(s.ctx, page)
	}
	if groups {
		v.Groups, _, _ = a.cfg.Hierarchy.FindChargerGroups(s.ctx, page)
	}
}

// canCreate reports whether the actor may write anywhere (a create form is
// editable; the service decides where).
func canCreate(s *sess) bool { return !s.actor.ScopeFor(volt.PermWrite).Empty() }
