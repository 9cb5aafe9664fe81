package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
)

// InstallerBody is the body of POST /api/v1/installers (all fields) and
// PATCH /api/v1/installers/{id} (the fields set).
type InstallerBody struct {
	CPOID      string        `json:"cpoId,omitempty" maxLength:"64" doc:"The CPO the installer works for (create only)."`
	Name       *string       `json:"name,omitempty" maxLength:"200"`
	Address    *volt.Address `json:"address,omitempty"`
	OZEVNumber *string       `json:"ozevNumber,omitempty" maxLength:"32" doc:"OZEV authorised installer number."`
	Regions    *[]string     `json:"regions,omitempty" maxItems:"50" doc:"Regions covered."`
	Email      *string       `json:"email,omitempty" maxLength:"254"`
	Phone      *string       `json:"phone,omitempty" maxLength:"50"`
}

func (b InstallerBody) apply(i *volt.Installer) {
	set(&i.Name, b.Name)
	set(&i.Address, b.Address)
	set(&i.OZEVNumber, b.OZEVNumber)
	set(&i.Regions, b.Regions)
	set(&i.Email, b.Email)
	set(&i.Phone, b.Phone)
}

type installerInput struct{ Body InstallerBody }

type installerPatchInput struct {
	IDInput
	Body InstallerBody
}

type installerEngineerInput struct {
	IDInput
	UserID string `path:"userId" maxLength:"64"`
}

// InstallJobBody is the body of POST /api/v1/install-jobs and PATCH
// /api/v1/install-jobs/{id} (the fields set; an engineer sets only the
// checklist).
type InstallJobBody struct {
	ChargerGroupID string                `json:"chargerGroupId,omitempty" maxLength:"64" doc:"The group the chargers go into (create only): its site and owner are the job's."`
	InstallerID    string                `json:"installerId,omitempty" maxLength:"64" doc:"The installer (create only)."`
	EngineerIDs    *[]string             `json:"engineerIds,omitempty" maxItems:"50" doc:"The installer's engineers on the job."`
	Chargers       *[]PlannedChargerBody `json:"chargers,omitempty" maxItems:"50" doc:"Chargers planned."`
	StartsAt       *time.Time            `json:"startsAt,omitempty"`
	EndsAt         *time.Time            `json:"endsAt,omitempty"`
	ExternalRef    *string               `json:"externalRef,omitempty" maxLength:"100" doc:"An outside reference, e.g. a CRM deal id."`
	Checklist      *[]volt.ChecklistItem `json:"checklist,omitempty" maxItems:"50"`
}

// PlannedChargerBody is one charger an install job plans.
type PlannedChargerBody struct {
	Vendor       string `json:"vendor,omitempty" maxLength:"100"`
	Model        string `json:"model" maxLength:"100"`
	Connectors   int    `json:"connectors,omitempty" minimum:"0" maximum:"8" doc:"Default 1."`
	MaxPowerW    int    `json:"maxPowerW,omitempty" minimum:"0"`
	OCPPIdentity string `json:"ocppIdentity,omitempty" maxLength:"48" doc:"The identity it will connect with; default its CPID."`
}

type installJobInput struct{ Body InstallJobBody }

type installJobPatchInput struct {
	IDInput
	Body InstallJobBody
}

type installJobListInput struct {
	PageParams
	CPOID       string `query:"cpoId" maxLength:"64"`
	InstallerID string `query:"installerId" maxLength:"64"`
	Status      string `query:"status" enum:"requested,scheduled,inProgress,commissioned,signedOff,"`
}

// JobStatusBody is the body of PUT /api/v1/install-jobs/{id}/status.
type JobStatusBody struct {
	Status volt.JobStatus `json:"status" enum:"requested,scheduled,inProgress,commissioned,signedOff" doc:"The next step (commissioned comes from POST .../commission)."`
}

type jobStatusInput struct {
	IDInput
	Body JobStatusBody
}

// JobNoteBody is the body of POST /api/v1/install-jobs/{id}/notes.
type JobNoteBody struct {
	Body string `json:"body" maxLength:"5000"`
}

type jobNoteInput struct {
	IDInput
	Body JobNoteBody
}

type jobPhotoInput struct {
	IDInput
	Caption string `query:"caption" maxLength:"200"`
	RawBody []byte `contentType:"image/jpeg"`
}

type jobPhotoGetInput struct {
	IDInput
	PhotoID string `path:"photoId" maxLength:"64"`
}

// Commissioning is the answer of POST /api/v1/install-jobs/{id}/commission.
type Commissioning struct {
	Chargers []volt.CommissionedCharger `json:"chargers" doc:"Each onboarded charger with its OCPP password, shown this once."`
}

// photoUpload is the route of photo uploads, whose body may be larger.
const photoUpload = "POST " + Prefix + "/install-jobs/{id}/photos"

func (s *server) installRoutes() {
	a := s.api
	const get, post, patch, del, put = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete, http.MethodPut
	huma.Register(a, op("listInstallers", get, "/installers", "List installers", "installers", 200), s.listInstallers)
	huma.Register(a, op("createInstaller", post, "/installers", "Add an installer company", "installers", 201), s.createInstaller)
	huma.Register(a, op("getInstaller", get, "/installers/{id}", "Get an installer", "installers", 200), s.getInstaller)
	huma.Register(a, op("updateInstaller", patch, "/installers/{id}", "Update an installer", "installers", 200), s.patchInstaller)
	huma.Register(a, op("deleteInstaller", del, "/installers/{id}", "Delete an installer without jobs", "installers", 204), s.deleteInstaller)
	huma.Register(a, op("addInstallerEngineer", put, "/installers/{id}/engineers/{userId}", "Make a user one of the installer's engineers", "installers", 204), s.addInstallerEngineer)
	huma.Register(a, op("removeInstallerEngineer", del, "/installers/{id}/engineers/{userId}", "Remove an engineer from the installer and its jobs", "installers", 204), s.removeInstallerEngineer)

	huma.Register(a, op("listInstallJobs", get, "/install-jobs", "List install jobs (an engineer: its own)", "install-jobs", 200), s.listInstallJobs)
	huma.Register(a, op("createInstallJob", post, "/install-jobs", "Plan an install job", "install-jobs", 201), s.createInstallJob)
	huma.Register(a, op("getInstallJob", get, "/install-jobs/{id}", "Get an install job with notes, photos and commissioned chargers", "install-jobs", 200), s.getInstallJob)
	huma.Register(a, op("updateInstallJob", patch, "/install-jobs/{id}", "Update an install job (an engineer: the checklist)", "install-jobs", 200), s.patchInstallJob)
	huma.Register(a, op("deleteInstallJob", del, "/install-jobs/{id}", "Delete an install job that commissioned nothing", "install-jobs", 204), s.deleteInstallJob)
	huma.Register(a, op("setInstallJobStatus", put, "/install-jobs/{id}/status", "Move an install job one step (requested, scheduled, inProgress, signedOff)", "install-jobs", 200), s.setInstallJobStatus)
	huma.Register(a, op("addInstallJobNote", post, "/install-jobs/{id}/notes", "Add a note to an install job", "install-jobs", 201), s.addInstallJobNote)
	photo := op("uploadInstallJobPhoto", post, "/install-jobs/{id}/photos", "Upload a photo (JPEG, PNG or WebP by its bytes, at most 5 MiB)", "install-jobs", 201)
	photo.MaxBodyBytes = volt.MaxPhotoBytes + 1
	photo.Errors = append(photo.Errors, http.StatusRequestEntityTooLarge)
	huma.Register(a, photo, s.uploadInstallJobPhoto)
	huma.Register(a, s.fileOp(op("getInstallJobPhoto", get, "/install-jobs/{id}/photos/{photoId}", "A photo of an install job", "install-jobs", 200), nil, "image/jpeg", "image/png", "image/webp"), s.getInstallJobPhoto)
	huma.Register(a, op("commissionInstallJob", post, "/install-jobs/{id}/commission", "Commission a job in progress: onboard its chargers (CPIDs allocated, passwords shown once)", "install-jobs", 200), s.commissionInstallJob)
}

func (s *server) listInstallers(ctx context.Context, in *HierarchyListParams) (*ListOutput[*volt.Installer], error) {
	if s.Installs == nil {
		return nil, notWired("install job")
	}
	f := in.filter()
	items, total, err := s.Installs.FindInstallers(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) createInstaller(ctx context.Context, in *installerInput) (*Out[*volt.Installer], error) {
	if s.Installs == nil {
		return nil, notWired("install job")
	}
	i := &volt.Installer{CPOID: in.Body.CPOID}
	in.Body.apply(i)
	if err := s.Installs.CreateInstaller(ctx, i); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(i), nil
}

func (s *server) getInstaller(ctx context.Context, in *IDInput) (*Out[*volt.Installer], error) {
	if s.Installs == nil {
		return nil, notWired("install job")
	}
	i, err := s.Installs.FindInstallerByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(i), nil
}

func (s *server) patchInstaller(ctx context.Context, in *installerPatchInput) (*Out[*volt.Installer], error) {
	if s.Installs == nil {
		return nil, notWired("install job")
	}
	i, err := s.Installs.FindInstallerByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	in.Body.apply(i)
	if err := s.Installs.UpdateInstaller(ctx, i); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(i), nil
}

func (s *server) deleteInstaller(ctx context.Context, in *IDInput) (*struct{}, error) {
	if s.Installs == nil {
		return nil, notWired("install job")
	}
	if err := s.Installs.DeleteInstaller(ctx, in.ID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}

func (s *server) addInstallerEngineer(ctx context.Context, in *installerEngineerInput) (*struct{}, error) {
	if s.Installs == nil {
		return nil, notWired("install job")
	}
	if err := s.Installs.AddEngineer(ctx, in.ID, in.UserID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}

func (s *server) removeInstallerEngineer(ctx context.Context, in *installerEngineerInput) (*struct{}, error) {
	if s.Installs == nil {
		return nil, notWired("install job")
	}
	if err := s.Installs.RemoveEngineer(ctx, in.ID, in.UserID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}

func (s *server) listInstallJobs(ctx context.Context, in *installJobListInput) (*ListOutput[*volt.InstallJob], error) {
	if s.Installs == nil {
		return nil, notWired("install job")
	}
	p := in.page()
	items, total, err := s.Installs.FindInstallJobs(ctx, volt.InstallJobFilter{CPOID: in.CPOID, InstallerID: in.InstallerID, Status: volt.JobStatus(in.Status), Page: p})
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, p), nil
}

func (b InstallJobBody) apply(j *volt.InstallJob) {
	set(&j.EngineerIDs, b.EngineerIDs)
	if b.Chargers != nil {
		j.Chargers = make([]volt.PlannedCharger, len(*b.Chargers))
		for i, c := range *b.Chargers {
			j.Chargers[i] = volt.PlannedCharger{Vendor: c.Vendor, Model: c.Model, Connectors: c.Connectors, MaxPowerW: c.MaxPowerW, OCPPIdentity: c.OCPPIdentity}
		}
	}
	set(&j.StartsAt, b.StartsAt)
	set(&j.EndsAt, b.EndsAt)
	set(&j.ExternalRef, b.ExternalRef)
}

func (s *server) createInstallJob(ctx context.Context, in *installJobInput) (*Out[*volt.InstallJob], error) {
	if s.Installs == nil {
		return nil, notWired("install job")
	}
	j := &volt.InstallJob{ChargerGroupID: in.Body.ChargerGroupID, InstallerID: in.Body.InstallerID}
	in.Body.apply(j)
	if err := s.Installs.CreateInstallJob(ctx, j); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(j), nil
}

func (s *server) getInstallJob(ctx context.Context, in *IDInput) (*Out[*volt.InstallJob], error) {
	if s.Installs == nil {
		return nil, notWired("install job")
	}
	j, err := s.Installs.FindInstallJobByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(j), nil
}

func (s *server) patchInstallJob(ctx context.Context, in *installJobPatchInput) (*Out[*volt.InstallJob], error) {
	if s.Installs == nil {
		return nil, notWired("install job")
	}
	j, err := s.Installs.FindInstallJobByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	in.Body.apply(j)
	j.Checklist = nil
	if in.Body.Checklist != nil {
		j.Checklist = *in.Body.Checklist
	}
	if err := s.Installs.UpdateInstallJob(ctx, j); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(j), nil
}

func (s *server) deleteInstallJob(ctx context.Context, in *IDInput) (*struct{}, error) {
	if s.Installs == nil {
		return nil, notWired("install job")
	}
	if err := s.Installs.DeleteInstallJob(ctx, in.ID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}

func (s *server) setInstallJobStatus(ctx context.Context, in *jobStatusInput) (*Out[*volt.InstallJob], error) {
	if s.Installs == nil {
		return nil, notWired("install job")
	}
	j, err := s.Installs.SetInstallJobStatus(ctx, in.ID, in.Body.Status)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(j), nil
}

func (s *server) addInstallJobNote(ctx context.Context, in *jobNoteInput) (*Out[*volt.JobNote], error) {
	if s.Installs == nil {
		return nil, notWired("install job")
	}
	n, err := s.Installs.AddInstallJobNote(ctx, in.ID, in.Body.Body)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(n), nil
}

func (s *server) uploadInstallJobPhoto(ctx context.Context, in *jobPhotoInput) (*Out[*volt.JobPhoto], error) {
	if s.Installs == nil {
		return nil, notWired("install job")
	}
	p, err := s.Installs.AddInstallJobPhoto(ctx, in.ID, in.Caption, in.RawBody)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(p), nil
}

func (s *server) getInstallJobPhoto(ctx context.Context, in *jobPhotoGetInput) (*FileOutput, error) {
	if s.Installs == nil {
		return nil, notWired("install job")
	}
	p, data, err := s.Installs.InstallJobPhoto(ctx, in.ID, in.PhotoID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return &FileOutput{ContentType: p.ContentType, ContentDisposition: "inline", Body: data}, nil
}

func (s *server) commissionInstallJob(ctx context.Context, in *IDInput) (*Out[Commissioning], error) {
	if s.Installs == nil {
		return nil, notWired("install job")
	}
	cs, err := s.Installs.Commission(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(Commissioning{Chargers: cs}), nil
}
