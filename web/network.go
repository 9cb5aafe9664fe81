package web

import (
	"encoding/json"
	"net/http"
	"strings"

	volt "github.com/volt-ev/volt"
)

// networkView is the data of the network page: sites on a map and in a list.
type networkView struct {
	Query    string
	CPOID    string
	OwnerID  string
	Sites    []*volt.Site
	Total    int
	Markers  string // JSON for the map script
	TileURL  string
	CPOs     []*volt.CPO
	Owners   []*volt.Owner
	Pager    pager
	Filtered bool
}

type marker struct {
	ID   string  `json:"id"`
	Name string  `json:"name"`
	Lat  float64 `json:"lat"`
	Lng  float64 `json:"lng"`
	City string  `json:"city"`
	Href string  `json:"href"`
}

func (a *Admin) network(w http.ResponseWriter, r *http.Request, s *sess) {
	q := r.URL.Query()
	v := networkView{Query: strings.TrimSpace(q.Get("q")), CPOID: q.Get("cpo"), OwnerID: q.Get("owner"), TileURL: a.cfg.TileURL}
	v.Filtered = v.Query != "" || v.CPOID != "" || v.OwnerID != ""
	page := pageOf(r, 200)
	sites, total, err := a.cfg.Hierarchy.FindSites(s.ctx, volt.Filter{Query: v.Query, CPOID: v.CPOID, OwnerID: v.OwnerID, Page: page})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v.Sites, v.Total, v.Pager = sites, total, newPager(r, page, total)
	ms := make([]marker, 0, len(sites))
	for _, si := range sites {
		if si.Latitude == 0 && si.Longitude == 0 {
			continue
		}
		ms = append(ms, marker{ID: si.ID, Name: si.Name, Lat: si.Latitude, Lng: si.Longitude, City: si.Address.City,
			Href: AdminPrefix + "/chargers?site=" + si.ID})
	}
	b, _ := json.Marshal(ms)
	v.Markers = string(b)
	v.CPOs, v.Owners = a.filterChoices(s)
	a.render(w, r, s, "network", "Network", v)
}

// filterChoices lists CPOs and owners for filter menus (at most 500 each;
// errors leave the menu empty rather than failing the page).
func (a *Admin) filterChoices(s *sess) ([]*volt.CPO, []*volt.Owner) {
	cpos, _, err := a.cfg.Hierarchy.FindCPOs(s.ctx, volt.Filter{Page: volt.Page{Limit: 500}})
	if err != nil {
		cpos = nil
	}
	owners, _, err := a.cfg.Hierarchy.FindOwners(s.ctx, volt.Filter{Page: volt.Page{Limit: 500}})
	if err != nil {
		owners = nil
	}
	return cpos, owners
}
