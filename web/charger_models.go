package web

import (
	"io"
	"net/http"
	"strings"

	volt "github.com/volt-ev/volt"
)

// The charger model catalogue (issue 16 item 4): every operator reads it and
// sees which of their chargers are of a model and whether one is held at
// BootNotification Pending; super admins add and certify models and upload
// their test reports. Certifying wakes the model's pending chargers (the
// service is wrapped by certify).

func (a *Admin) certificationRoutes() {
	m, p := a.mux, AdminPrefix
	m.HandleFunc("GET "+p+"/charger-models", a.auth(a.modelList))
	m.HandleFunc("POST "+p+"/charger-models", a.auth(a.modelCreate))
	m.HandleFunc("GET "+p+"/charger-models/{id}", a.auth(a.modelDetail))
	m.HandleFunc("POST "+p+"/charger-models/{id}", a.auth(a.modelUpdate))
	m.HandleFunc("POST "+p+"/charger-models/{id}/certify", a.auth(a.modelCertify))
	m.HandleFunc("POST "+p+"/charger-models/{id}/report", a.auth(a.modelReportUpload))
	m.HandleFunc("GET "+p+"/charger-models/{id}/report", a.auth(a.modelReportDownload))
}

// modelsView is the catalogue page.
type modelsView struct {
	Models     []*volt.ChargerModel
	SuperAdmin bool
	Error      string
	Field      string
}

// modelView is one model's page.
type modelView struct {
	M          *volt.ChargerModel
	Chargers   []*volt.ModelCharger
	SuperAdmin bool
	Types      []volt.ConnectorType
}

// certificationOf reads what the charger page shows of a charger's model's
// certification (nil when unknown or not wired).
func (a *Admin) certificationOf(s *sess, cpid string) *volt.ChargerCertification {
	if a.cfg.Certification == nil {
		return nil
	}
	c, err := a.cfg.Certification.ChargerCertification(s.ctx, cpid)
	if err != nil || c.ModelID == "" {
		return nil
	}
	return c
}

func (a *Admin) modelList(w http.ResponseWriter, r *http.Request, s *sess) {
	a.renderModels(w, r, s, http.StatusOK, nil)
}

func (a *Admin) renderModels(w http.ResponseWriter, r *http.Request, s *sess, status int, ferr error) {
	if a.cfg.Certification == nil {
		a.notWired(w, r, s, "Charger certification")
		return
	}
	ms, err := a.cfg.Certification.FindModels(s.ctx)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	v := modelsView{Models: ms, SuperAdmin: s.actor.SuperAdmin}
	if ferr != nil {
		v.Error, v.Field, status = errText(ferr), fieldOf(ferr), httpStatus(ferr)
	}
	a.renderStatus(w, r, s, status, "charger_models", "Charger models", v)
}

func (a *Admin) modelCreate(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Certification == nil {
		a.notWired(w, r, s, "Charger certification")
		return
	}
	m := &volt.ChargerModel{Vendor: trimForm(r, "vendor"), Model: trimForm(r, "model"), Certified: r.PostFormValue("certified") == "on",
		OCPPVersions: r.PostForm["ocppVersions"], FirmwareVersions: splitList(trimForm(r, "firmwareVersions"))}
	if err := a.cfg.Certification.CreateModel(s.ctx, m); err != nil {
		a.renderModels(w, r, s, 0, err)
		return
	}
	a.done(w, r, AdminPrefix+"/charger-models/"+m.ID, "Charger model "+m.Vendor+" "+m.Model+" added.")
}

func (a *Admin) modelDetail(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Certification == nil {
		a.notWired(w, r, s, "Charger certification")
		return
	}
	m, err := a.cfg.Certification.FindModelByID(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	cs, err := a.cfg.Certification.ModelChargers(s.ctx, m.ID)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	a.render(w, r, s, "charger_model", m.Vendor+" "+m.Model, modelView{M: m, Chargers: cs, SuperAdmin: s.actor.SuperAdmin, Types: volt.ConnectorTypes})
}

// modelUpdate changes a model's versions, relaxations, notes and connector
// defaults (certification has its own button).
func (a *Admin) modelUpdate(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	back := AdminPrefix + "/charger-models/" + id
	if a.cfg.Certification == nil {
		a.notWired(w, r, s, "Charger certification")
		return
	}
	fw, relax, ocppV := splitList(trimForm(r, "firmwareVersions")), splitList(trimForm(r, "relaxations")), r.PostForm["ocppVersions"]
	if ocppV == nil {
		ocppV = []string{}
	}
	notes := trimForm(r, "notes")
	d := volt.ConnectorDefaults{Type: volt.ConnectorType(trimForm(r, "type")), PowerType: volt.PowerType(trimForm(r, "powerType"))}
	d.MaxPowerW = formInt(r, "maxPowerW", 0)
	d.MaxCurrentA = formInt(r, "maxCurrentA", 0)
	d.MaxVoltageV = formInt(r, "maxVoltageV", 0)
	_, err := a.cfg.Certification.UpdateModel(s.ctx, id, volt.ChargerModelUpdate{FirmwareVersions: &fw, OCPPVersions: &ocppV,
		Relaxations: &relax, Notes: &notes, ConnectorDefaults: &d})
	if err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, "Charger model saved.")
}

// modelCertify certifies a model (waking its chargers held Pending) or
// withdraws its certification.
func (a *Admin) modelCertify(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	back := AdminPrefix + "/charger-models/" + id
	if a.cfg.Certification == nil {
		a.notWired(w, r, s, "Charger certification")
		return
	}
	certified := r.PostFormValue("certified") == "true"
	m, err := a.cfg.Certification.UpdateModel(s.ctx, id, volt.ChargerModelUpdate{Certified: &certified})
	if err != nil {
		a.refused(w, r, back, err)
		return
	}
	msg := m.Vendor + " " + m.Model + " is certified: its chargers held Pending are asked to boot again."
	if !certified {
		msg = "Certification of " + m.Vendor + " " + m.Model + " withdrawn."
	}
	a.done(w, r, back, msg)
}

func (a *Admin) modelReportUpload(w http.ResponseWriter, r *http.Request, s *sess) {
	id := r.PathValue("id")
	back := AdminPrefix + "/charger-models/" + id
	if a.cfg.Certification == nil {
		a.notWired(w, r, s, "Charger certification")
		return
	}
	file, hdr, err := r.FormFile("report")
	if err != nil {
		a.refused(w, r, back, volt.FieldError("report", "Choose a test report to upload (at most 1 MiB)."))
		return
	}
	defer file.Close()
	raw, err := io.ReadAll(io.LimitReader(file, volt.MaxModelReportBytes+1))
	if err != nil {
		a.refused(w, r, back, volt.FieldError("report", "The file could not be read."))
		return
	}
	if _, err := a.cfg.Certification.SetModelReport(s.ctx, id, hdr.Filename, hdr.Header.Get("Content-Type"), raw); err != nil {
		a.refused(w, r, back, err)
		return
	}
	a.done(w, r, back, "Test report "+hdr.Filename+" uploaded.")
}

func (a *Admin) modelReportDownload(w http.ResponseWriter, r *http.Request, s *sess) {
	if a.cfg.Certification == nil {
		a.notWired(w, r, s, "Charger certification")
		return
	}
	rep, b, err := a.cfg.Certification.ModelReport(s.ctx, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	w.Header().Set("Content-Type", rep.ContentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.Map(safeNameRune, rep.FileName)+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(b)
}

func safeNameRune(r rune) rune {
	if r < 0x20 || r == '"' || r == '\\' || r > 0x7e {
		return '_'
	}
	return r
}
