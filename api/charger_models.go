package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt"
)

// Charge point certification (issue 16 item 4): the charger model catalogue.
// Operators read it; super admins create, change and certify models and
// upload their test reports.

// ChargerModelCreate is the body of POST /api/v1/charger-models.
type ChargerModelCreate struct {
	Vendor            string                  `json:"vendor" minLength:"1" maxLength:"50" doc:"chargePointVendor as the charger sends it in BootNotification."`
	Model             string                  `json:"model" minLength:"1" maxLength:"50" doc:"chargePointModel as the charger sends it."`
	Certified         bool                    `json:"certified,omitempty" doc:"Certify the model now (records you and the time)."`
	FirmwareVersions  []string                `json:"firmwareVersions,omitempty" maxItems:"50" doc:"Firmware versions it was certified on."`
	OCPPVersions      []string                `json:"ocppVersions,omitempty" maxItems:"3" doc:"OCPP versions it was certified on: 1.6, 2.0.1, 2.1."`
	Relaxations       []string                `json:"relaxations,omitempty" maxItems:"20" doc:"Named OCPP validation relaxations its firmware needs."`
	Notes             string                  `json:"notes,omitempty" maxLength:"2000"`
	ConnectorDefaults *volt.ConnectorDefaults `json:"connectorDefaults,omitempty" doc:"Connector facts filled in when a charger boots as this model (those nobody set)."`
}

// ChargerModelPatch is the body of PATCH /api/v1/charger-models/{id}.
type ChargerModelPatch struct {
	Certified         *bool                   `json:"certified,omitempty" doc:"Certify (wakes its chargers held Pending) or withdraw."`
	FirmwareVersions  *[]string               `json:"firmwareVersions,omitempty" maxItems:"50"`
	OCPPVersions      *[]string               `json:"ocppVersions,omitempty" maxItems:"3"`
	Relaxations       *[]string               `json:"relaxations,omitempty" maxItems:"20"`
	Notes             *string                 `json:"notes,omitempty" maxLength:"2000"`
	ConnectorDefaults *volt.ConnectorDefaults `json:"connectorDefaults,omitempty"`
}

type chargerModelCreateInput struct{ Body ChargerModelCreate }

type chargerModelPatchInput struct {
	IDInput
	Body ChargerModelPatch
}

type modelReportInput struct {
	IDInput
	FileName    string `query:"fileName" maxLength:"200" doc:"The report's file name (default test-report)."`
	ContentType string `header:"Content-Type" doc:"application/pdf, text/plain, text/csv, text/html or application/zip."`
	RawBody     []byte `contentType:"application/pdf"`
}

func (s *server) certificationRoutes() {
	a := s.api
	const get, post, patch, put = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut
	huma.Register(a, op("listChargerModels", get, "/charger-models", "The charger model catalogue", "charger-models", 200), s.listChargerModels)
	huma.Register(a, op("createChargerModel", post, "/charger-models", "Add a charger model to the catalogue (super admins)", "charger-models", 201), s.createChargerModel)
	huma.Register(a, op("getChargerModel", get, "/charger-models/{id}", "Get a charger model", "charger-models", 200), s.getChargerModel)
	huma.Register(a, op("updateChargerModel", patch, "/charger-models/{id}", "Change or certify a charger model (super admins); certifying triggers the boot of its chargers held Pending", "charger-models", 200), s.patchChargerModel)
	upload := op("putChargerModelReport", put, "/charger-models/{id}/report", "Upload the model's test report (super admins; PDF, text, CSV, HTML or ZIP, at most 1 MiB)", "charger-models", 200)
	upload.MaxBodyBytes = 2 * MaxBodyBytes // a larger one gets the report's own refusal, naming the field
	huma.Register(a, upload, s.putModelReport)
	huma.Register(a, s.fileOp(op("getChargerModelReport", get, "/charger-models/{id}/report", "Download the model's test report", "charger-models", 200), nil, volt.ModelReportTypes...), s.getModelReport)
	huma.Register(a, op("listChargerModelChargers", get, "/charger-models/{id}/chargers", "The chargers of a model you may read, with whether each is held Pending", "charger-models", 200), s.modelChargers)
	huma.Register(a, op("getChargerCertification", get, "/chargers/{cpid}/certification", "Whether a charger's model is certified and its boot held Pending", "chargers", 200), s.chargerCertification)
}

func (s *server) listChargerModels(ctx context.Context, _ *struct{}) (*ListOutput[*volt.ChargerModel], error) {
	if s.Certification == nil {
		return nil, notWired("certification")
	}
	ms, err := s.Certification.FindModels(ctx)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(ms, len(ms), volt.Page{Limit: len(ms)}), nil
}

func (s *server) createChargerModel(ctx context.Context, in *chargerModelCreateInput) (*Out[*volt.ChargerModel], error) {
	if s.Certification == nil {
		return nil, notWired("certification")
	}
	b := in.Body
	m := &volt.ChargerModel{Vendor: b.Vendor, Model: b.Model, Certified: b.Certified, FirmwareVersions: b.FirmwareVersions,
		OCPPVersions: b.OCPPVersions, Relaxations: b.Relaxations, Notes: b.Notes}
	if b.ConnectorDefaults != nil {
		m.ConnectorDefaults = *b.ConnectorDefaults
	}
	if err := s.Certification.CreateModel(ctx, m); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(m), nil
}

func (s *server) getChargerModel(ctx context.Context, in *IDInput) (*Out[*volt.ChargerModel], error) {
	if s.Certification == nil {
		return nil, notWired("certification")
	}
	m, err := s.Certification.FindModelByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(m), nil
}

func (s *server) patchChargerModel(ctx context.Context, in *chargerModelPatchInput) (*Out[*volt.ChargerModel], error) {
	if s.Certification == nil {
		return nil, notWired("certification")
	}
	b := in.Body
	m, err := s.Certification.UpdateModel(ctx, in.ID, volt.ChargerModelUpdate{Certified: b.Certified, FirmwareVersions: b.FirmwareVersions,
		OCPPVersions: b.OCPPVersions, Relaxations: b.Relaxations, Notes: b.Notes, ConnectorDefaults: b.ConnectorDefaults})
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(m), nil
}

func (s *server) putModelReport(ctx context.Context, in *modelReportInput) (*Out[*volt.ModelReport], error) {
	if s.Certification == nil {
		return nil, notWired("certification")
	}
	name := in.FileName
	if name == "" {
		name = "test-report"
	}
	r, err := s.Certification.SetModelReport(ctx, in.ID, name, in.ContentType, in.RawBody)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(r), nil
}

func (s *server) getModelReport(ctx context.Context, in *IDInput) (*FileOutput, error) {
	if s.Certification == nil {
		return nil, notWired("certification")
	}
	r, b, err := s.Certification.ModelReport(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return &FileOutput{ContentType: r.ContentType, ContentDisposition: attachment(safeFileName(r.FileName)), Body: b}, nil
}

// safeFileName keeps a file name fit for a quoted header parameter.
func safeFileName(n string) string {
	out := make([]rune, 0, len(n))
	for _, r := range n {
		if r < 0x20 || r == '"' || r == '\\' || r > 0x7e {
			r = '_'
		}
		out = append(out, r)
	}
	return string(out)
}

func (s *server) modelChargers(ctx context.Context, in *IDInput) (*ListOutput[*volt.ModelCharger], error) {
	if s.Certification == nil {
		return nil, notWired("certification")
	}
	cs, err := s.Certification.ModelChargers(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(cs, len(cs), volt.Page{Limit: len(cs)}), nil
}

func (s *server) chargerCertification(ctx context.Context, in *CPIDInput) (*Out[*volt.ChargerCertification], error) {
	if s.Certification == nil {
		return nil, notWired("certification")
	}
	c, err := s.Certification.ChargerCertification(ctx, in.CPID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(c), nil
}
