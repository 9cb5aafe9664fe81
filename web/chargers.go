package web

import (
	"net/http"
	"strings"

	volt "github.com/volt-ev/volt"
)

// chargerListView is the data of the chargers list.
type chargerListView struct {
	Query, Status, Online, SiteID, GroupID string
	Chargers                               []*volt.Charger
	Pager                                  pager
	Statuses                               []volt.ConnectorStatus
}

var allStatuses = []volt.ConnectorStatus{volt.StatusAvailable, volt.StatusPreparing, volt.StatusCharging,
	volt.StatusSuspendedEVSE, volt.StatusSuspendedEV, volt.StatusFinishing, volt.StatusReserved,
	volt.StatusUnavailable, volt.StatusFaulted}

func (a *Admin) chargerList(w http.ResponseWriter, r *http.Request, s *sess) {
	q := r.URL.Query()
	v := chargerListView{Query: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Online: q.Get("online"),
		SiteID: q.Get("site"), GroupID: q.Get("group"), Statuses: allStatuses}
	page := pageOf(r, 50)
	f := volt.ChargerFilter{Query: v.Query, SiteID: v.SiteID, ChargerGroupID: v.GroupID, Page: page}
	if v.Status != "" {
		f.Status = volt.ConnectorStatus(v.Status)
	}
	switch v.Online {
	case "yes":
		t := true
		f.Online = &t
	case "no":
		n := false
		f.Online = &n
	}
	list, total, err := a.cfg.Chargers.FindChargers(s.ctx, f)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v.Chargers, v.Pager = list, newPager(r, page, total)
	a.render(w, r, s, "chargers", "Chargers", v)
}

// chargerView is the data of a charger's page.
type chargerView struct {
	C          *volt.Charger
	Group      *volt.ChargerGroup
	Site       *volt.Site
	Groups     []*volt.ChargerGroup
	Sessions   []*volt.Session
	Active     map[int]*volt.Session // by connector
	Config     []volt.ConfigKey
	Frames     []*volt.FrameLog
	Commands   []commandSpec
	Result     *commandResult
	NoCharging bool
	Creds      *volt.ChargerCredentials // after a password reset, shown once
	OCPPURL    string

	// DeviceModel is an OCPP 2.x charger's device model, every attribute.
	DeviceModel []volt.DeviceVariable
	// Certification flags a charger of an uncertified model (charger_models.go).
	Certification *volt.ChargerCertification
	// Reports are a 2.x charger's latest reports, of ReportsTotal (charger_reports.go).
	Reports      []chargerReportRow
	ReportsTotal int
}

func (a *Admin) chargerDetail(w http.ResponseWriter, r *http.Request, s *sess) {
	v, err := a.loadCharger(r, s)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.render(w, r, s, "charger", "Charger "+v.C.CPID, v)
}

// loadCharger gathers everything the charger page shows.
func (a *Admin) loadCharger(r *http.Request, s *sess) (*chargerView, error) {
	c, err := a.cfg.Chargers.FindChargerByCPID(s.ctx, r.PathValue("cpid"))
	if err != nil {
		return nil, err
	}
	v := &chargerView{C: c, Active: map[int]*volt.Session{}, OCPPURL: a.ocppURL(r, c.OCPPIdentity)}
	v.Certification = a.certificationOf(s, c.CPID) // charger_models.go
	if g, err := a.cfg.Hierarchy.FindChargerGroupByID(s.ctx, c.ChargerGroupID); err == nil {
		v.Group = g
	}
	if si, err := a.cfg.Hierarchy.FindSiteByID(s.ctx, c.SiteID); err == nil {
		v.Site = si
	}
	if s.actor.Can(volt.PermWrite, c.Ref()) {
		v.Groups, _, _ = a.cfg.Hierarchy.FindChargerGroups(s.ctx, volt.Filter{Page: volt.Page{Limit: 500}})
	}
	if s.actor.Can(volt.PermCommand, c.Ref()) {
		v.Commands = a.availableCommands()
	}
	if a.cfg.Charging == nil {
		v.NoCharging = true
		return v, nil
	}
	if v.Sessions, _, err = a.cfg.Charging.FindSessions(s.ctx, volt.SessionFilter{CPID: c.CPID, Page: volt.Page{Limit: 20}}); err != nil {
		return nil, err
	}
	private := !s.actor.MaySee(volt.AreaSessions) // engineers: whether a connector charges, not who
	for _, se := range v.Sessions {
		if private {
			se.IDTag, se.UserID = "(hidden)", ""
		}
		if se.Status == volt.SessionActive {
			v.Active[se.ConnectorID] = se
		}
	}
	if v.Config, err = a.cfg.Charging.FindConfiguration(s.ctx, c.CPID); err != nil && !volt.IsCode(err, volt.ENOTFOUND) {
		return nil, err
	}
	if dm, ok := a.cfg.Charging.(volt.DeviceModelService); ok && strings.HasPrefix(c.OCPPVersion, "ocpp2") {
		if v.DeviceModel, err = dm.FindDeviceModel(s.ctx, c.CPID); err != nil && !volt.IsCode(err, volt.ENOTFOUND) {
			return nil, err
		}
	}
	if v.Frames, err = a.cfg.Charging.FindFrames(s.ctx, c.CPID, 0, 30); err != nil && !volt.IsCode(err, volt.ENOTFOUND) {
		return nil, err
	}
	if v.Reports, v.ReportsTotal, err = a.chargerReports(s, c); err != nil {
		return nil, err
	}
	return v, nil
}

// ocppURL is the websocket URL a charger with this identity connects to.
func (a *Admin) ocppURL(r *http.Request, identity string) string {
	base := ""
	if a.cfg.OCPPURL != nil {
		base = a.cfg.OCPPURL(r)
	} else {
		scheme := "ws"
		if isTLS(r) {
			scheme = "wss"
		}
		base = scheme + "://" + r.Host + "/ocpp"
	}
	return strings.TrimRight(base, "/") + "/" + identity
}

// chargerUpdate changes a charger's name or charger group.
func (a *Admin) chargerUpdate(w http.ResponseWriter, r *http.Request, s *sess) {
	cpid := r.PathValue("cpid")
	back := AdminPrefix + "/chargers/" + cpid
	c, err := a.cfg.Chargers.FindChargerByCPID(s.ctx, cpid)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	c.Name = strings.TrimSpace(r.PostFormValue("name"))
	if g := r.PostFormValue("chargerGroupId"); g != "" {
		c.ChargerGroupID = g
	}
	if err := a.cfg.Chargers.UpdateCharger(s.ctx, c); err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, "Charger "+cpid+" saved.")
}

func (a *Admin) chargerDelete(w http.ResponseWriter, r *http.Request, s *sess) {
	cpid := r.PathValue("cpid")
	if err := a.cfg.Chargers.DeleteCharger(s.ctx, cpid); err != nil {
		a.refused(w, r, AdminPrefix+"/chargers/"+cpid, err)
		return
	}
	a.done(w, r, AdminPrefix+"/chargers", "Charger "+cpid+" deleted.")
}

// chargerPassword issues a new OCPP password and shows it once.
func (a *Admin) chargerPassword(w http.ResponseWriter, r *http.Request, s *sess) {
	cpid := r.PathValue("cpid")
	creds, err := a.cfg.Chargers.ResetChargerPassword(s.ctx, cpid)
	if err != nil {
		a.refused(w, r, AdminPrefix+"/chargers/"+cpid, err)
		return
	}
	a.showCredentialsOnce(w, r, &volt.Charger{CPID: creds.CPID, OCPPIdentity: creds.OCPPIdentity}, creds, true)
}

// framesView is the data of the OCPP message log page.
type framesView struct {
	CPID   string
	Frames []*volt.FrameLog
	Older  string
}

// chargerFrames pages back through a charger's OCPP message log.
func (a *Admin) chargerFrames(w http.ResponseWriter, r *http.Request, s *sess) {
	cpid := r.PathValue("cpid")
	if _, err := a.cfg.Chargers.FindChargerByCPID(s.ctx, cpid); err != nil {
		a.fail(w, r, s, err)
		return
	}
	if a.cfg.Charging == nil {
		a.fail(w, r, s, volt.Errorf(volt.ENOTIMPLEMENTED, "The message log is not available on this server."))
		return
	}
	before := int64(formInt(r, "before", 0))
	const limit = 100
	frames, err := a.cfg.Charging.FindFrames(s.ctx, cpid, before, limit)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := framesView{CPID: cpid, Frames: frames}
	if len(frames) == limit {
		v.Older = AdminPrefix + "/chargers/" + cpid + "/frames?before=" + itoa(int(frames[len(frames)-1].ID))
	}
	a.render(w, r, s, "frames", "OCPP messages of "+cpid, v)
}
