package web

import (
	"net/http"
	"strconv"
	"strings"

	volt "github.com/volt-ev/volt"
)

// onboardView is the data of the onboarding form.
type onboardView struct {
	Groups     []*volt.ChargerGroup
	GroupID    string
	Identity   string
	Name       string
	Connectors int
	Error      string
	Field      string
}

// onboardedView shows a new charger's connection details, once.
type onboardedView struct {
	C     *volt.Charger
	Creds *volt.ChargerCredentials
	URL   string
	Reset bool
}

func (a *Admin) onboardForm(w http.ResponseWriter, r *http.Request, s *sess) {
	v := onboardView{GroupID: r.URL.Query().Get("group"), Connectors: 1}
	a.renderOnboard(w, r, s, http.StatusOK, v)
}

func (a *Admin) renderOnboard(w http.ResponseWriter, r *http.Request, s *sess, status int, v onboardView) {
	groups, _, err := a.cfg.Hierarchy.FindChargerGroups(s.ctx, volt.Filter{Page: volt.Page{Limit: 500}})
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	for _, g := range groups {
		if s.actor.Can(volt.PermWrite, g.Ref()) {
			v.Groups = append(v.Groups, g)
		}
	}
	if len(v.Groups) == 0 && v.Error == "" {
		v.Error = "There is no charger group you may add chargers to. An administrator must create a site and a charger group first."
	}
	a.renderStatus(w, r, s, status, "onboard", "Onboard a charger", v)
}

// onboardSubmit creates the charger and shows its OCPP URL and password. The
// answer is never cached: the password exists only here.
func (a *Admin) onboardSubmit(w http.ResponseWriter, r *http.Request, s *sess) {
	v := onboardView{
		GroupID:  r.PostFormValue("chargerGroupId"),
		Identity: strings.TrimSpace(r.PostFormValue("ocppIdentity")),
		Name:     strings.TrimSpace(r.PostFormValue("name")),
	}
	n, err := strconv.Atoi(r.PostFormValue("connectors"))
	v.Connectors = n
	switch {
	case v.GroupID == "":
		v.Error, v.Field = "Choose the charger group the charger belongs to.", "chargerGroupId"
	case err != nil || n < 1 || n > 32:
		v.Error, v.Field = "Number of connectors must be a whole number from 1 to 32.", "connectors"
	case strings.ContainsAny(v.Identity, "/?#% ") || len(v.Identity) > 64:
		v.Error, v.Field = "The OCPP identity may not contain spaces, slashes, ?, # or %, and is at most 64 characters.", "ocppIdentity"
	}
	if v.Error != "" {
		a.renderOnboard(w, r, s, http.StatusBadRequest, v)
		return
	}
	c := &volt.Charger{ChargerGroupID: v.GroupID, OCPPIdentity: v.Identity, Name: v.Name}
	creds, err := a.cfg.Chargers.CreateCharger(s.ctx, c, n)
	if err != nil {
		v.Error = errText(err)
		if e := fieldOf(err); e != "" {
			v.Field = e
		}
		a.renderOnboard(w, r, s, httpStatus(err), v)
		return
	}
	a.showCredentialsOnce(w, r, c, creds, false)
}

// fieldOf returns the input field a domain error is about.
func fieldOf(err error) string {
	var e *volt.Error
	if ok := asVolt(err, &e); ok {
		return e.Field
	}
	return ""
}
