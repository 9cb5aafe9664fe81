package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	volt "github.com/volt-ev/volt"
)

// energyView is a site's energy page: its load management model, the
// newest building-load reading and what each outlet is given now, and why.
type energyView struct {
	Site       *volt.Site
	Model      *volt.LoadManagement
	ModelJSON  string
	Load       *volt.SiteLoad
	Reading    *volt.SiteMeterReading
	ReadingAge string
	Editable   bool
	Error      string
}

// loadRoutes are a site's energy page (issue 15).
func (a *Admin) loadRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/sites/{id}/energy", a.auth(a.siteEnergy))
	m.HandleFunc("POST "+p+"/sites/{id}/energy", a.auth(a.siteEnergySave))
	m.HandleFunc("GET "+p+"/charger-groups/{id}/smart-charging", a.auth(a.groupSmart))
	m.HandleFunc("POST "+p+"/charger-groups/{id}/smart-charging", a.auth(a.groupSmartSave))
}

// energyOf reads what the page shows; the site read checks the actor's
// scope (not found outside it).
func (a *Admin) energyOf(s *sess, id string) (*energyView, error) {
	if a.cfg.LoadManagement == nil {
		return nil, volt.Errorf(volt.ENOTIMPLEMENTED, "Load management is not configured on this node.")
	}
	si, err := a.cfg.Hierarchy.FindSiteByID(s.ctx, id)
	if err != nil {
		return nil, err
	}
	m, err := a.cfg.LoadManagement.FindLoadManagement(s.ctx, id)
	if err != nil {
		return nil, err
	}
	v := &energyView{Site: si, Model: m, Editable: s.actor.Can(volt.PermWrite, volt.Ref{CPOID: si.CPOID, OwnerID: si.OwnerID})}
	b, _ := json.MarshalIndent(m, "", "  ")
	v.ModelJSON = string(b)
	if r, err := a.cfg.LoadManagement.LatestMeterReading(s.ctx, id); err == nil {
		v.Reading = r
		v.ReadingAge = time.Since(r.At).Truncate(time.Second).String()
	}
	if a.cfg.LoadStatus != nil {
		v.Load, _ = a.cfg.LoadStatus.SiteLoad(id)
	}
	return v, nil
}

func (a *Admin) siteEnergy(w http.ResponseWriter, r *http.Request, s *sess) {
	v, err := a.energyOf(s, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.render(w, r, s, "site_energy", "Energy at "+v.Site.Name, v)
}

// siteEnergySave replaces the site's model with the JSON of the form (the
// body of PUT /api/v1/sites/{id}/load-management); a refusal shows the
// field it names.
func (a *Admin) siteEnergySave(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	v, err := a.energyOf(s, id)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	m := &volt.LoadManagement{}
	dec := json.NewDecoder(bytes.NewReader([]byte(r.PostFormValue("model"))))
	dec.DisallowUnknownFields()
	if err = dec.Decode(m); err != nil {
		err = volt.FieldError("model", "The model is not valid JSON: %v.", err)
	} else {
		m.SiteID = id
		err = a.cfg.LoadManagement.SetLoadManagement(s.ctx, m)
	}
	if err != nil {
		v.ModelJSON, v.Error = r.PostFormValue("model"), errText(err)
		var ve *volt.Error
		if errors.As(err, &ve) && ve.Field != "" {
			v.Error = fmt.Sprintf("%s (%s)", v.Error, ve.Field)
		}
		a.renderStatus(w, r, s, httpStatus(err), "site_energy", "Energy at "+v.Site.Name, v)
		return
	}
	a.done(w, r, AdminPrefix+"/sites/"+id+"/energy", "Load management saved.")
}
