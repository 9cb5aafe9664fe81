package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

// Issue 16 item 3: installers and install jobs in the portal.

// installersView is the data of the installers page.
type installersView struct {
	Installers []*volt.Installer
	CPOs       []*volt.CPO
	Engineers  map[string]string // user id -> name (e-mail)
	Error      string
}

// jobsView is the data of the install jobs page.
type jobsView struct {
	Jobs       []*volt.InstallJob
	Groups     []*volt.ChargerGroup
	Installers []*volt.Installer
	Engineers  map[string]string
	Create     bool
	Error      string
}

// jobChargerView is a commissioned charger on a job's page.
type jobChargerView struct {
	volt.PlannedCharger
	Online bool
	Known  bool
}

// jobView is the data of one install job's page.
type jobView struct {
	J            *volt.InstallJob
	Chargers     []jobChargerView
	Engineers    map[string]string
	Next         volt.JobStatus
	Writer       bool
	Commissioned []commissionedView
	Error        string
}

// commissionedView is a charger just commissioned, with its password and
// the URL it connects to, shown once.
type commissionedView struct {
	volt.CommissionedCharger
	URL string
}

func (a *Admin) installRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/installers", a.auth(a.installersPage))
	m.HandleFunc("POST "+p+"/installers", a.auth(a.installerCreate))
	m.HandleFunc("POST "+p+"/installers/{id}/engineers", a.auth(a.installerAddEngineer))
	m.HandleFunc("GET "+p+"/install-jobs", a.auth(a.jobsPage))
	m.HandleFunc("POST "+p+"/install-jobs", a.auth(a.jobCreate))
	m.HandleFunc("GET "+p+"/install-jobs/{id}", a.auth(a.installJobShow))
	m.HandleFunc("POST "+p+"/install-jobs/{id}/status", a.auth(a.jobStatus))
	m.HandleFunc("POST "+p+"/install-jobs/{id}/checklist", a.auth(a.jobChecklist))
	m.HandleFunc("POST "+p+"/install-jobs/{id}/notes", a.auth(a.jobNote))
	m.HandleFunc("POST "+p+"/install-jobs/{id}/photos", limitUpload(a.auth(a.jobPhotoUpload)))
	m.HandleFunc("GET "+p+"/install-jobs/{id}/photos/{photo}", a.auth(a.jobPhoto))
	m.HandleFunc("POST "+p+"/install-jobs/{id}/commission", a.auth(a.jobCommission))
}

var errNoInstalls = volt.Errorf(volt.ENOTFOUND, "Install jobs are not enabled here.")

// engineerNames names users for the pages (the ids the actor cannot read stay ids).
func (a *Admin) engineerNames(s *sess, ids ...[]string) map[string]string {
	out := map[string]string{}
	for _, list := range ids {
		for _, id := range list {
			if _, ok := out[id]; ok {
				continue
			}
			out[id] = id
			if u, err := a.cfg.Users.FindUserByID(s.ctx, id); err == nil && !u.External {
				out[id] = u.Name + " (" + u.Email + ")"
			}
		}
	}
	return out
}

func (a *Admin) installersPage(w http.ResponseWriter, r *http.Request, s *sess) {
	a.renderInstallers(w, r, s, http.StatusOK, "")
}

func (a *Admin) renderInstallers(w http.ResponseWriter, r *http.Request, s *sess, status int, msg string) {
	if a.cfg.Installs == nil {
		a.fail(w, r, s, errNoInstalls)
		return
	}
	v := installersView{Error: msg}
	var err error
	if v.Installers, _, err = a.cfg.Installs.FindInstallers(s.ctx, volt.Filter{Page: volt.Page{Limit: 500}}); err != nil {
		a.fail(w, r, s, err)
		return
	}
	v.CPOs, _, _ = a.cfg.Hierarchy.FindCPOs(s.ctx, volt.Filter{Page: volt.Page{Limit: 500}})
	var ids [][]string
	for _, i := range v.Installers {
		ids = append(ids, i.EngineerIDs)
	}
	v.Engineers = a.engineerNames(s, ids...)
	a.renderStatus(w, r, s, status, "installers", "Installers", v)
}

func (a *Admin) installerCreate(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Installs == nil {
		a.fail(w, r, s, errNoInstalls)
		return
	}
	f := func(n string) string { return strings.TrimSpace(r.PostFormValue(n)) }
	i := &volt.Installer{CPOID: f("cpoId"), Name: f("name"), OZEVNumber: f("ozevNumber"), Email: f("email"), Phone: f("phone"),
		Address: volt.Address{Line1: f("line1"), City: f("city"), Postcode: f("postcode")}, Regions: []string{}}
	for _, reg := range strings.Split(f("regions"), ",") {
		if reg = strings.TrimSpace(reg); reg != "" {
			i.Regions = append(i.Regions, reg)
		}
	}
	if err := a.cfg.Installs.CreateInstaller(s.ctx, i); err != nil {
		a.renderInstallers(w, r, s, httpStatus(err), errText(err))
		return
	}
	a.done(w, r, AdminPrefix+"/installers", "Installer "+i.Name+" added.")
}

// installerAddEngineer makes the user with the given e-mail an engineer.
func (a *Admin) installerAddEngineer(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Installs == nil {
		a.fail(w, r, s, errNoInstalls)
		return
	}
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	users, _, err := a.cfg.Users.FindUsers(s.ctx, volt.UserFilter{Email: email})
	if err == nil && len(users) != 1 {
		err = volt.Errorf(volt.ENOTFOUND, "No user with the e-mail %q.", email)
	}
	if err == nil {
		err = a.cfg.Installs.AddEngineer(s.ctx, r.PathValue("id"), users[0].ID)
	}
	if err != nil {
		a.refused(w, r, AdminPrefix+"/installers", err)
		return
	}
	a.done(w, r, AdminPrefix+"/installers", email+" is an engineer of the installer now.")
}

func (a *Admin) jobsPage(w http.ResponseWriter, r *http.Request, s *sess) {
	a.renderJobs(w, r, s, http.StatusOK, "")
}

func (a *Admin) renderJobs(w http.ResponseWriter, r *http.Request, s *sess, status int, msg string) {
	if a.cfg.Installs == nil {
		a.fail(w, r, s, errNoInstalls)
		return
	}
	v := jobsView{Error: msg, Create: !s.actor.ScopeFor(volt.PermWrite).Empty()}
	var err error
	if v.Jobs, _, err = a.cfg.Installs.FindInstallJobs(s.ctx, volt.InstallJobFilter{Page: volt.Page{Limit: 500}}); err != nil {
		a.fail(w, r, s, err)
		return
	}
	if v.Create {
		v.Groups, _, _ = a.cfg.Hierarchy.FindChargerGroups(s.ctx, volt.Filter{Page: volt.Page{Limit: 500}})
		v.Installers, _, _ = a.cfg.Installs.FindInstallers(s.ctx, volt.Filter{Page: volt.Page{Limit: 500}})
		var ids [][]string
		for _, i := range v.Installers {
			ids = append(ids, i.EngineerIDs)
		}
		v.Engineers = a.engineerNames(s, ids...)
	}
	a.renderStatus(w, r, s, status, "install_jobs", "Install jobs", v)
}

// parsePlan reads planned chargers, one a line: vendor; model; connectors;
// max power W; OCPP identity (the last three optional).
func parsePlan(text string) ([]volt.PlannedCharger, error) {
	var out []volt.PlannedCharger
	for n, line := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.Split(line, ";")
		for len(parts) < 5 {
			parts = append(parts, "")
		}
		c := volt.PlannedCharger{Vendor: strings.TrimSpace(parts[0]), Model: strings.TrimSpace(parts[1]), OCPPIdentity: strings.TrimSpace(parts[4])}
		var err error
		if p := strings.TrimSpace(parts[2]); p != "" {
			if c.Connectors, err = strconv.Atoi(p); err != nil {
				return nil, volt.FieldError("chargers", "Line %d: connectors must be a number.", n+1)
			}
		}
		if p := strings.TrimSpace(parts[3]); p != "" {
			if c.MaxPowerW, err = strconv.Atoi(p); err != nil {
				return nil, volt.FieldError("chargers", "Line %d: power must be a number of watts.", n+1)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func parseLocal(v string) time.Time {
	t, err := time.ParseInLocation("2006-01-02T15:04", v, time.UTC)
	if err != nil {
		return time.Time{}
	}
	return t
}

func (a *Admin) jobCreate(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Installs == nil {
		a.fail(w, r, s, errNoInstalls)
		return
	}
	_ = r.ParseForm()
	plan, err := parsePlan(r.PostFormValue("chargers"))
	j := &volt.InstallJob{ChargerGroupID: r.PostFormValue("chargerGroupId"), InstallerID: r.PostFormValue("installerId"),
		EngineerIDs: r.PostForm["engineerIds"], Chargers: plan, ExternalRef: strings.TrimSpace(r.PostFormValue("externalRef")),
		StartsAt: parseLocal(r.PostFormValue("startsAt")), EndsAt: parseLocal(r.PostFormValue("endsAt"))}
	if err == nil {
		err = a.cfg.Installs.CreateInstallJob(s.ctx, j)
	}
	if err != nil {
		a.renderJobs(w, r, s, httpStatus(err), errText(err))
		return
	}
	a.done(w, r, AdminPrefix+"/install-jobs/"+j.ID, "Install job planned.")
}

func (a *Admin) jobPage(w http.ResponseWriter, r *http.Request, s *sess, status int, v jobView) {
	if a.cfg.Installs == nil {
		a.fail(w, r, s, errNoInstalls)
		return
	}
	j, err := a.cfg.Installs.FindInstallJobByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v.J, v.Writer = j, s.actor.Can(volt.PermWrite, j.Ref())
	for i, st := range volt.JobStatuses {
		if st == j.Status && i+1 < len(volt.JobStatuses) && volt.JobStatuses[i+1] != volt.JobCommissioned {
			v.Next = volt.JobStatuses[i+1]
		}
	}
	for _, pc := range j.Chargers {
		cv := jobChargerView{PlannedCharger: pc}
		if pc.CPID != "" {
			if c, err := a.cfg.Chargers.FindChargerByCPID(s.ctx, pc.CPID); err == nil {
				cv.Online, cv.Known = c.Online, true
			}
		}
		v.Chargers = append(v.Chargers, cv)
	}
	v.Engineers = a.engineerNames(s, j.EngineerIDs)
	a.renderStatus(w, r, s, status, "install_job", "Install job "+j.ExternalRef, v)
}

func (a *Admin) installJobShow(w http.ResponseWriter, r *http.Request, s *sess) {
	a.jobPage(w, r, s, http.StatusOK, jobView{})
}

func (a *Admin) jobAction(w http.ResponseWriter, r *http.Request, s *sess, err error, msg string) {
	if err != nil {
		a.jobPage(w, r, s, httpStatus(err), jobView{Error: errText(err)})
		return
	}
	a.done(w, r, AdminPrefix+"/install-jobs/"+r.PathValue("id"), msg)
}

func (a *Admin) jobStatus(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Installs == nil {
		a.fail(w, r, s, errNoInstalls)
		return
	}
	st := volt.JobStatus(r.PostFormValue("status"))
	_, err := a.cfg.Installs.SetInstallJobStatus(s.ctx, r.PathValue("id"), st)
	a.jobAction(w, r, s, err, "The job is "+string(st)+" now.")
}

func (a *Admin) jobChecklist(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Installs == nil {
		a.fail(w, r, s, errNoInstalls)
		return
	}
	j, err := a.cfg.Installs.FindInstallJobByID(s.ctx, r.PathValue("id"))
	if err == nil {
		_ = r.ParseForm()
		for i := range j.Checklist {
			j.Checklist[i].Done = r.PostFormValue("item"+strconv.Itoa(i)) == "on"
		}
		err = a.cfg.Installs.UpdateInstallJob(s.ctx, j)
	}
	a.jobAction(w, r, s, err, "Checklist saved.")
}

func (a *Admin) jobNote(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Installs == nil {
		a.fail(w, r, s, errNoInstalls)
		return
	}
	_, err := a.cfg.Installs.AddInstallJobNote(s.ctx, r.PathValue("id"), r.PostFormValue("body"))
	a.jobAction(w, r, s, err, "Note added.")
}

// jobPhotoUpload reads one photo of at most volt.MaxPhotoBytes; the
// service checks its type by its bytes and stores nothing it refuses.
func (a *Admin) jobPhotoUpload(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Installs == nil {
		a.fail(w, r, s, errNoInstalls)
		return
	}
	file, _, err := r.FormFile("photo")
	var data []byte
	if err == nil {
		defer file.Close()
		data, err = io.ReadAll(io.LimitReader(file, volt.MaxPhotoBytes+1))
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			err = volt.FieldError("photo", "A photo is at most %d MiB.", volt.MaxPhotoBytes>>20)
		} else {
			err = volt.FieldError("photo", "Choose a photo to upload.")
		}
	}
	if err == nil {
		_, err = a.cfg.Installs.AddInstallJobPhoto(s.ctx, r.PathValue("id"), r.PostFormValue("caption"), data)
	}
	a.jobAction(w, r, s, err, "Photo added.")
}

func (a *Admin) jobPhoto(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Installs == nil {
		a.fail(w, r, s, errNoInstalls)
		return
	}
	p, data, err := a.cfg.Installs.InstallJobPhoto(s.ctx, r.PathValue("id"), r.PathValue("photo"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	w.Header().Set("Content-Type", p.ContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, _ = w.Write(data)
}

// jobCommission onboards the job's chargers and shows their passwords once.
func (a *Admin) jobCommission(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Installs == nil {
		a.fail(w, r, s, errNoInstalls)
		return
	}
	cs, err := a.cfg.Installs.Commission(s.ctx, r.PathValue("id"))
	if err != nil {
		a.jobPage(w, r, s, httpStatus(err), jobView{Error: errText(err)})
		return
	}
	v := jobView{}
	for _, c := range cs {
		v.Commissioned = append(v.Commissioned, commissionedView{CommissionedCharger: c, URL: a.ocppURL(r, c.OCPPIdentity)})
	}
	a.jobPage(w, r, s, http.StatusOK, v)
}

// limitUpload refuses a photo upload larger than a photo and its form
// before anything reads it.
func limitUpload(h http.HandlerFunc) http.HandlerFunc {
	const limit = volt.MaxPhotoBytes + 64<<10
	return func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			http.Error(w, "The photo is too large: at most 5 MiB.", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		h(w, r)
	}
}
